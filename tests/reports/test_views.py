"""Public pages, the form without JavaScript, the map endpoint, exports and the agents' back office."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parvis.reports import selectors
from parvis.reports.models import Report, Status
from tests.downloads import body, csv_rows, json_body
from tests.factories import make_agent, make_service, make_user

from .factories import REPUBLIQUE, make_question, make_report, make_tree, photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(paris):
    service = make_service()
    family, kind, leaf = make_tree(service=service)
    return service, leaf


def test_index_lists_public_reports_only(client, tree):
    _s, leaf = tree
    public = make_report(category=leaf, description="Matelas visible")
    make_report(category=leaf, description="Pas encore confirmé", confirmed=False)
    page = client.get("/signalements/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/signalements/{public.pk}/" in body
    assert "Pas encore confirmé" not in body


def test_index_query_count_does_not_grow(client, tree, django_assert_max_num_queries):
    _s, leaf = tree
    for _ in range(15):
        make_report(category=leaf)
    with django_assert_max_num_queries(12):
        assert client.get("/signalements/").status_code == 200


def test_category_search_without_javascript(client, tree):
    _s, leaf = tree
    leaf.keywords = "matelas, encombrant"
    leaf.save()
    assert leaf.name in client.get("/signalements/nouveau/?q=matelas").content.decode()
    assert leaf.name not in client.get("/signalements/nouveau/?q=lampadaire").content.decode()


def test_form_without_map_then_report_page(client, tree):
    _s, leaf = tree
    user = make_user()
    client.force_login(user)
    form = client.get(f"/signalements/nouveau/{leaf.code}/")
    assert form.status_code == 200
    assert "Vous ne pouvez pas utiliser la carte" in form.content.decode()
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {
            "address": "3 rue de la Roquette 75011",
            "description": "Sacs éventrés",
            "client_token": "tok-form-1",
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.district.code == "11"
    page = client.get(response["Location"])
    assert "Sacs éventrés" in page.content.decode()
    # Retrying the same submission lands on the same report.
    again = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {
            "address": "3 rue de la Roquette 75011",
            "description": "Sacs éventrés",
            "client_token": "tok-form-1",
        },
    )
    assert again["Location"] == response["Location"]
    assert Report.objects.count() == 1


def test_bad_photo_keeps_the_typed_text(client, tree):
    _s, leaf = tree
    client.force_login(make_user())
    fake = SimpleUploadedFile("photo.jpg", b"this is not a jpeg" * 100, content_type="image/jpeg")
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {
            "lat": REPUBLIQUE[0],
            "lon": REPUBLIQUE[1],
            "description": "Texte long tapé sur mon téléphone",
            "photos": [fake],
            "photo_alt": "Un banc cassé",
            "client_token": "tok-photo",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "pas une image lisible" in body
    assert "Texte long tapé sur mon téléphone" in body
    assert Report.objects.count() == 0


def test_photo_form_requires_alternative_text_and_pages_render_it(client, tree):
    _s, leaf = tree
    client.force_login(make_user())
    url = f"/signalements/nouveau/{leaf.code}/"
    data = {
        "lat": REPUBLIQUE[0],
        "lon": REPUBLIQUE[1],
        "description": "Banc cassé",
        "client_token": "tok-alt",
    }
    response = client.post(url, {**data, "photos": [photo_upload()]})
    assert response.status_code == 200
    assert "Décrivez la photo en quelques mots (texte alternatif)" in response.content.decode()
    assert Report.objects.count() == 0
    response = client.post(
        url, {**data, "photos": [photo_upload()], "photo_alt": "Banc aux lattes arrachées"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'alt="Banc aux lattes arrachées"' in page


def test_missing_required_answer_and_outside_point_in_form(client, tree):
    _s, leaf = tree
    make_question(
        category=leaf,
        code="volume",
        kind="choice",
        required=True,
        label="Volume",
        choices=[["s", "Petit"], ["l", "Gros"]],
    )
    client.force_login(make_user())
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {"lat": REPUBLIQUE[0], "lon": REPUBLIQUE[1], "description": "x"},
    )
    assert response.status_code == 200
    assert Report.objects.count() == 0
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {"lat": "48.95", "lon": "2.6", "description": "x", "q_volume": "s"},
    )
    assert "en dehors de Paris" in response.content.decode()
    assert Report.objects.count() == 0


def test_duplicates_are_offered_before_saving(client, tree):
    _s, leaf = tree
    existing = make_report(category=leaf, point=REPUBLIQUE)
    client.force_login(make_user())
    data = {
        "lat": REPUBLIQUE[0] + 0.0001,
        "lon": REPUBLIQUE[1],
        "description": "Même tas",
        "client_token": "t-d",
    }
    response = client.post(f"/signalements/nouveau/{leaf.code}/", data)
    assert response.status_code == 200
    assert f"/signalements/{existing.pk}/" in response.content.decode()
    assert Report.objects.count() == 1
    response = client.post(f"/signalements/nouveau/{leaf.code}/", {**data, "not_duplicate": "1"})
    assert response.status_code == 302
    assert Report.objects.count() == 2
    partial = client.get(
        f"/signalements/nouveau/{leaf.code}/doublons/?lat={REPUBLIQUE[0]}&lon={REPUBLIQUE[1]}"
    )
    assert f"n°{existing.pk}" in partial.content.decode()


def test_anonymous_form_asks_for_email(client, tree):
    _s, leaf = tree
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {"lat": REPUBLIQUE[0], "lon": REPUBLIQUE[1], "description": "x"},
    )
    assert response.status_code == 200
    assert Report.objects.count() == 0
    response = client.post(
        f"/signalements/nouveau/{leaf.code}/",
        {"lat": REPUBLIQUE[0], "lon": REPUBLIQUE[1], "description": "x", "email": "a@example.org"},
    )
    assert "confirmez votre signalement" in response.content.decode()
    assert Report.objects.get().confirmed_at is None


def test_follow_and_not_fixed_through_pages(client, tree):
    service, leaf = tree
    report = make_report(category=leaf)
    neighbour = make_user()
    client.force_login(neighbour)
    client.post(f"/signalements/{report.pk}/suivre/")
    assert report.follows.filter(user=neighbour).exists()
    Report.objects.filter(pk=report.pk).update(status=Status.DONE)
    client.post(f"/signalements/{report.pk}/avis/", {"fixed": "0"})
    report.refresh_from_db()
    assert report.status == Status.TO_HANDLE


def test_map_endpoint_points_then_clusters(client, tree, monkeypatch):
    _s, leaf = tree
    for i in range(6):
        make_report(category=leaf, point=(48.86 + i * 0.002, 2.35 + i * 0.002))
    bbox = "2.30,48.83,2.40,48.90"
    data = client.get(f"/signalements/carte.geojson?bbox={bbox}").json()
    assert data["clustered"] is False
    assert len(data["features"]) == 6
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 3)
    data = client.get(f"/signalements/carte.geojson?bbox={bbox}").json()
    assert data["clustered"] is True
    assert sum(f["properties"]["count"] for f in data["features"]) == 6
    assert client.get("/signalements/carte.geojson?bbox=1,2,3").status_code == 400
    assert client.get("/signalements/carte.geojson?bbox=2.3,48.8,2.4,48.9&since=hier").status_code == 400


def test_map_hides_old_resolved_reports(client, tree):
    from django.utils import timezone

    _s, leaf = tree
    old = make_report(category=leaf)
    Report.objects.filter(pk=old.pk).update(
        status=Status.DONE, closed_at=timezone.now() - timezone.timedelta(days=30)
    )
    recent = make_report(category=leaf)
    Report.objects.filter(pk=recent.pk).update(status=Status.DONE, closed_at=timezone.now())
    ids = {
        f["id"] for f in client.get("/signalements/carte.geojson?bbox=2.2,48.8,2.5,48.95").json()["features"]
    }
    assert ids == {recent.pk}


def test_map_closed_status_filter_keeps_the_recent_window(client, tree):
    """A closed status on the map shows the reports closed within their category's visibility window, as
    the unfiltered map does; a chosen period shows that period's (decision 0172)."""
    from django.utils import timezone

    _s, leaf = tree
    now = timezone.now()
    reports = [make_report(category=leaf) for _ in range(5)]
    old_done, recent_done, old_rejected, recent_rejected, open_one = reports
    for report, status, days in [
        (old_done, Status.DONE, 30),
        (recent_done, Status.DONE, 0),
        (old_rejected, Status.REJECTED, 30),
        (recent_rejected, Status.REJECTED, 0),
    ]:
        Report.objects.filter(pk=report.pk).update(
            status=status, closed_at=now - timezone.timedelta(days=days), public_reason="motif"
        )

    def ids(query):
        url = f"/signalements/carte.geojson?bbox=2.2,48.8,2.5,48.95&{query}"
        return {f["id"] for f in client.get(url).json()["features"]}

    assert ids("status=done") == {recent_done.pk}
    assert ids("status=rejected") == {recent_rejected.pk}
    assert ids("status=closed") == {recent_done.pk, recent_rejected.pk}
    assert ids("status=new") == {open_one.pk}
    since = (now - timezone.timedelta(days=365)).date().isoformat()
    assert ids(f"status=done&since={since}") == {old_done.pk, recent_done.pk}


def test_exports_have_no_personal_data(client, tree):
    _s, leaf = tree
    make_report(
        category=leaf,
        author=make_user(email="secret.person@example.org"),
        name="Jeanne Secret",
        description="Tag sur la porte",
    )
    response = client.get("/signalements/export.csv")
    rows = csv_rows(response)
    csv_body = body(response).decode()
    assert rows[0][0] == "id"
    assert len(rows) == 2
    assert "secret" not in csv_body.lower()
    geo = json_body(client.get("/signalements/export.geojson"))
    assert geo["features"][0]["properties"]["description"] == "Tag sur la porte"
    assert "secret" not in json.dumps(geo).lower()
    assert client.get("/signalements/export.xlsx").status_code == 404


def test_back_office_queue_bulk_and_stats(client, tree, django_assert_max_num_queries):
    service, leaf = tree
    agent = make_agent(service=service)
    reports = [make_report(category=leaf) for _ in range(8)]
    client.force_login(agent)
    with django_assert_max_num_queries(14):
        page = client.get("/signalements/agents/")
    assert page.status_code == 200
    assert all(f"/signalements/agents/{r.pk}/" in page.content.decode() for r in reports)
    response = client.post(
        "/signalements/agents/lot/",
        {"report": [r.pk for r in reports[:3]], "action": "status", "status": "to_handle"},
    )
    assert response.status_code == 302
    assert Report.objects.filter(status="to_handle").count() == 3
    client.post(
        "/signalements/agents/lot/",
        {"report": [reports[4].pk, reports[5].pk], "action": "merge", "original": reports[3].pk},
    )
    assert Report.objects.filter(duplicate_of=reports[3]).count() == 2
    stats = client.get("/signalements/agents/statistiques/?by=service&format=csv")
    rows = csv_rows(stats)
    assert rows[0][:3] == ["code", "nom", "total"]
    assert rows[1][2] == "8"
    assert client.get("/signalements/agents/statistiques/").status_code == 200


def test_back_office_refuses_residents(client, tree):
    client.force_login(make_user())
    assert client.get("/signalements/agents/").status_code == 403
    _s, leaf = tree
    report = make_report(category=leaf)
    assert client.get(f"/signalements/agents/{report.pk}/").status_code == 403
    assert client.get(f"/signalements/nouveau/{leaf.code}/?pour=1").status_code == 403


def test_agent_page_changes_status(client, tree):
    service, leaf = tree
    agent = make_agent(service=service)
    report = make_report(category=leaf)
    client.force_login(agent)
    assert client.get(f"/signalements/agents/{report.pk}/").status_code == 200
    client.post(
        f"/signalements/agents/{report.pk}/",
        {"action": "status", "status": "done", "note": "Fait", "after_photo": photo_upload()},
    )
    report.refresh_from_db()
    assert report.status == Status.DONE
    assert report.photos.filter(kind="after").exists()
    response = client.post(f"/signalements/agents/{report.pk}/", {"action": "status", "status": "scheduled"})
    assert "Passage impossible" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.DONE


def test_pages_in_english(client, tree):
    _s, leaf = tree
    make_report(category=leaf)
    body = client.get("/signalements/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reports of the public space" in body
    assert "Make a report" in body
    form = client.get(f"/signalements/nouveau/{leaf.code}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cannot use the map?" in form


def test_admin_pages(client, tree):
    from tests.factories import make_admin

    _s, leaf = tree
    report = make_report(category=leaf)
    client.force_login(make_admin())
    for url in [
        "/admin/reports/category/",
        f"/admin/reports/category/{leaf.pk}/change/",
        "/admin/reports/report/",
        f"/admin/reports/report/{report.pk}/change/",
        "/admin/reports/campaign/add/",
        "/admin/reports/open311key/",
    ]:
        assert client.get(url).status_code == 200, url


def test_admin_campaign_perimeter_is_checked(client, paris):
    from parvis.reports.models import Campaign
    from tests.factories import make_admin

    client.force_login(make_admin())
    data = {
        "kind": "codesign",
        "slug": "square",
        "title": "Square",
        "description": "Projet",
        "starts_at_0": "2026-01-01",
        "starts_at_1": "10:00",
        "ends_at_0": "2026-12-31",
        "ends_at_1": "10:00",
        "perimeter": '{"type": "Point", "coordinates": [2.35, 48.85]}',
        "closing_statement": "",
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
    }
    page = client.post("/admin/reports/campaign/add/", data)
    assert page.status_code == 200
    assert "polygone valide" in page.content.decode()
    assert not Campaign.objects.exists()
    data["perimeter"] = (
        '{"type": "Polygon", "coordinates": [[[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]]]}'
    )
    assert client.post("/admin/reports/campaign/add/", data).status_code == 302
    assert Campaign.objects.get().perimeter["type"] == "Polygon"


def test_bulk_redirect_stays_on_the_site(client, tree):
    service, leaf = tree
    client.force_login(make_agent(service=service))
    report = make_report(category=leaf)
    response = client.post(
        "/signalements/agents/lot/",
        {"report": [report.pk], "action": "status", "status": "to_handle", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/signalements/agents/"


def test_list_count_is_capped(client, tree, monkeypatch):
    from parvis.reports import views

    _s, leaf = tree
    for _ in range(4):
        make_report(category=leaf)
    monkeypatch.setattr(views.CappedPaginator, "cap", 3)
    body = client.get("/signalements/").content.decode()
    assert "Plus de 3 signalements" in body
    monkeypatch.setattr(views.CappedPaginator, "cap", 10)
    assert "4 signalements" in client.get("/signalements/").content.decode()


def test_an_unknown_category_filter_is_a_message_not_a_server_error(client, paris):
    response = client.get("/signalements/?category=nope")
    assert response.status_code == 200
    assert "Catégorie inconnue : « nope »." in response.content.decode()
