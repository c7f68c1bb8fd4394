"""The reports routes of Parvis's own JSON API."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parvis.core.tokens import token_create
from parvis.reports.models import Report, ReportEvent, ReportPhoto, Status
from tests.factories import make_agent, make_service, make_user

from .factories import OUTSIDE, REPUBLIQUE, make_question, make_report, make_tree, photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaf(paris):
    return make_tree(service=make_service())[2]


def auth(user):
    _t, key = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_categories_and_list(client, leaf):
    make_question(category=leaf, code="v", kind="text")
    cats = client.get("/api/reports/categories").json()["items"]
    assert [c for c in cats if c["code"] == leaf.code][0]["questions"][0]["code"] == "v"
    report = make_report(category=leaf)
    data = client.get("/api/reports/reports?status=open").json()
    assert data["count"] == 1
    assert data["items"][0]["service_request_id"] == str(report.pk)
    assert client.get("/api/reports/reports?status=bogus").status_code == 400
    detail = client.get(f"/api/reports/reports/{report.pk}").json()
    assert detail["timeline"][0]["kind"] == "created"


def test_create_is_idempotent_and_validated(client, leaf):
    headers = auth(make_user())
    body = {
        "category": leaf.code,
        "lat": REPUBLIQUE[0],
        "lon": REPUBLIQUE[1],
        "description": "x",
        "client_token": "api-1",
    }
    first = client.post("/api/reports/reports", body, content_type="application/json", **headers)
    again = client.post("/api/reports/reports", body, content_type="application/json", **headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    bad = client.post(
        "/api/reports/reports",
        {**body, "client_token": "api-2", "lat": OUTSIDE[0], "lon": OUTSIDE[1]},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400
    assert "en dehors" in bad.json()["detail"]
    assert client.post("/api/reports/reports", body, content_type="application/json").status_code == 401
    assert Report.objects.count() == 1


def test_duplicates_map_and_stats(client, leaf):
    report = make_report(category=leaf)
    dups = client.get(f"/api/reports/duplicates?category={leaf.code}&lat={REPUBLIQUE[0]}&lon={REPUBLIQUE[1]}")
    assert [d["id"] for d in dups.json()["items"]] == [report.pk]
    assert client.get("/api/reports/map?bbox=2.2,48.8,2.5,48.95").json()["features"][0]["id"] == report.pk
    assert client.get("/api/reports/map").status_code == 400
    assert client.get("/api/reports/stats", **auth(make_user())).status_code == 403
    rows = client.get("/api/reports/stats", **auth(make_agent())).json()["items"]
    assert rows[0]["total"] == 1


def multipart(leaf, **extra):
    body = {
        "category": leaf.code,
        "lat": str(REPUBLIQUE[0]),
        "lon": str(REPUBLIQUE[1]),
        "description": "Un matelas sur le trottoir.",
        "photo_alt": "Un matelas posé contre un arbre",
        "client_token": "mp-1",
    }
    body.update(extra)
    return body


def test_create_with_photos_strips_exif_and_is_idempotent(client, leaf):
    make_question(category=leaf, code="nb", kind="number", required=True)
    headers = auth(make_user())
    body = multipart(
        leaf,
        answers='{"nb": "2"}',
        photos=[photo_upload(exif_gps=True), photo_upload(name="large.jpg")],
    )
    first = client.post("/api/reports/reports/with-photos", body, **headers)
    assert first.status_code == 201, first.content
    report = Report.objects.get(pk=first.json()["id"])
    assert report.answers == {"nb": 2}
    assert report.source == "api"
    photos = list(report.photos.order_by("position"))
    assert [p.kind for p in photos] == ["before", "before"]
    with Image.open(photos[0].image.path) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
    # A retry (same client token, photos sent again) returns the same report and stores nothing more.
    again = client.post(
        "/api/reports/reports/with-photos",
        multipart(leaf, answers='{"nb": "2"}', photos=[photo_upload()]),
        **headers,
    )
    assert again.status_code == 200
    assert again.json()["id"] == report.pk
    assert Report.objects.count() == 1
    assert ReportPhoto.objects.count() == 2
    detail = client.get(f"/api/reports/reports/{report.pk}").json()
    assert [p["kind"] for p in detail["photos"]] == ["before", "before"]
    assert detail["photos"][0]["thumbnail"].endswith(photos[0].thumbnail.url)
    assert detail["photos"][0]["alt"] == "Un matelas posé contre un arbre"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"photos": "fake"}, "pas une image"),
        ({"photos": "four"}, "Trois photos au plus"),
        ({"photos": "one", "photo_alt": ""}, "texte alternatif"),
        ({"lat": str(OUTSIDE[0]), "lon": str(OUTSIDE[1])}, "en dehors"),
        ({"category": "nope"}, "Catégorie inconnue"),
        ({"answers": "[1, 2"}, "objet JSON"),
        ({"description": "x" * 4001}, "trop longue"),
    ],
)
def test_create_with_photos_refuses_bad_input_and_creates_nothing(client, leaf, extra, message):
    fake = SimpleUploadedFile("matelas.jpg", b"%PDF-1.4 not an image" * 10, content_type="image/jpeg")
    if extra.get("photos") == "fake":
        extra = {"photos": [photo_upload(), fake]}
    elif extra.get("photos") == "four":
        extra = {"photos": [photo_upload() for _ in range(4)]}
    elif extra.get("photos") == "one":
        extra = {**extra, "photos": [photo_upload()]}
    response = client.post("/api/reports/reports/with-photos", multipart(leaf, **extra), **auth(make_user()))
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    # The token was not consumed: the corrected retry creates the report.
    ok = client.post("/api/reports/reports/with-photos", multipart(leaf), **auth(make_user()))
    assert ok.status_code == 201


def test_create_with_photos_needs_authentication(client, leaf):
    response = client.post("/api/reports/reports/with-photos", multipart(leaf, photos=[photo_upload()]))
    assert response.status_code == 401
    assert Report.objects.count() == 0


def test_agent_marks_done_with_after_photo(client, leaf):
    agent = make_agent(service=leaf.service)
    report = make_report(category=leaf)
    url = f"/api/reports/reports/{report.pk}/status"
    response = client.post(
        url, {"status": "done", "note": "Enlevé.", "after_photo": photo_upload(exif_gps=True)}, **auth(agent)
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    after = report.photos.get(kind="after")
    assert response.json()["after_photo"] == after.image.url
    with Image.open(after.image.path) as img:
        assert not img.getexif()
    assert report.events.filter(status="done", note="Enlevé.").exists()
    photos = client.get(f"/api/reports/reports/{report.pk}").json()["photos"]
    assert [p["kind"] for p in photos] == ["after"]
    assert photos[0]["url"].endswith(after.image.url)


def test_status_change_refuses_bad_input_and_changes_nothing(client, leaf):
    agent = make_agent(service=leaf.service)
    report = make_report(category=leaf)
    url = f"/api/reports/reports/{report.pk}/status"
    fake = SimpleUploadedFile("apres.jpg", b"GIF89a nope" * 20, content_type="image/jpeg")
    cases = [
        (auth(agent), {"status": "done", "after_photo": fake}, 400, "pas une image"),
        (auth(agent), {"status": "to_handle", "after_photo": photo_upload()}, 400, "photo « après »"),
        (auth(agent), {"status": "rejected"}, 400, "motif du rejet"),
        (auth(agent), {"status": "bogus"}, 400, "Statut inconnu"),
        (auth(agent), {"status": "duplicate", "duplicate_of": "999999"}, 400, "n'existe pas"),
        (auth(make_user()), {"status": "done", "after_photo": photo_upload()}, 403, "Seuls les agents"),
        (auth(make_agent(service=make_service())), {"status": "done"}, 403, "Seuls les agents"),
    ]
    for headers, body, code, message in cases:
        response = client.post(url, body, **headers)
        assert response.status_code == code, (body, response.content)
        assert message in response.json()["detail"]
    report.refresh_from_db()
    assert report.status == Status.NEW
    assert ReportPhoto.objects.filter(kind="after").count() == 0
    assert ReportEvent.objects.filter(report=report).count() == 1
    assert (
        client.post("/api/reports/reports/999999/status", {"status": "done"}, **auth(agent)).status_code
        == 404
    )


def test_status_change_schedules_with_a_date(client, leaf):
    agent = make_agent(service=leaf.service)
    report = make_report(category=leaf)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = client.post(
        f"/api/reports/reports/{report.pk}/status", {"status": "scheduled", "planned_for": day}, **auth(agent)
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.planned_for.isoformat() == day


def test_openapi_documents_the_photo_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    create = schema["paths"]["/api/reports/reports/with-photos"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    props = create["requestBody"]["content"]["multipart/form-data"]["schema"]
    text = str(props)
    assert "photos" in text
    assert "client_token" in text
    status = schema["paths"]["/api/reports/reports/{report_id}/status"]["post"]
    assert "after_photo" in str(status["requestBody"])
