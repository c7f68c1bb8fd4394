"""Main journey: a resident reports an anomaly by placing it on the map, end to end (with axe checks)."""

import pytest

from parvis.reports.models import Report
from tests.browser import axe_violations, log_in
from tests.factories import make_service, make_user

from .factories import make_report, make_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_report_an_anomaly_on_the_map(page, paris):
    service = make_service(name="Propreté")
    _f, _k, leaf = make_tree(service=service)
    user = make_user(email="ines@example.org")
    make_report(category=leaf, point=(48.8400, 2.3000))  # something on the public map
    log_in(page, user, "/signalements/")
    page.wait_for_selector("#reports-map .leaflet-marker-icon")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Faire un signalement").first.click()
    page.get_by_label("Rechercher une catégorie").fill("déchets")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=leaf.name).click()
    page.wait_for_selector("#report-map.leaflet-container")
    assert axe_violations(page) == []

    page.locator("#report-map").click(position={"x": 640, "y": 210})
    assert page.locator("#id_lat").input_value() != ""
    page.get_by_label("Description").fill("Trois sacs éventrés au pied de l'arbre.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector("text=Merci !")
    report = Report.objects.get(description__startswith="Trois sacs")
    assert report.author == user
    assert report.service == service
    assert page.url.endswith(f"/signalements/{report.pk}/")
    assert page.get_by_role("heading", name="Suivi").is_visible()
    assert axe_violations(page) == []


def test_agent_handles_a_report_from_the_queue(page, paris):
    from tests.factories import make_agent

    service = make_service(name="Propreté")
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service, email="karim@example.org")
    report = make_report(category=leaf, description="Sacs devant le 3")
    log_in(page, agent, "/signalements/agents/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=str(report.pk), exact=True).click()
    assert axe_violations(page) == []
    page.get_by_label("Nouveau statut").select_option("done")
    page.get_by_label("Message public").fill("Enlevés ce matin.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Signalement mis à jour.")
    report.refresh_from_db()
    assert report.status == "done"
    page.get_by_role("link", name="Page publique").click()
    assert page.get_by_text("Enlevés ce matin.").is_visible()


def test_followup_and_category_admin_pages_are_accessible(page, paris):
    from parvis.reports import services
    from tests.factories import make_admin

    service = make_service(name="Propreté")
    _f, _k, leaf = make_tree(service=service)
    report, _ = services.report_create(
        draft=services.ReportDraft(
            category_code=leaf.code, lat=48.8675, lon=2.3637, description="Un matelas.", email="a@example.org"
        )
    )
    services.report_confirm(services.confirmation_token(report))
    page.goto(page.base_url + f"/signalements/suivi/{services.followup_token(report)}/")
    page.get_by_role("button", name="C'est réglé").click()
    page.wait_for_selector("text=Merci, votre retour")
    assert axe_violations(page) == []

    admin = make_admin(email="admin@example.org")
    log_in(page, admin, "/signalements/agents/categories/")
    assert axe_violations(page) == []
    page.get_by_role("link", name=leaf.name).click()
    page.get_by_label("Délai cible de traitement (heures)").fill("24")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Réglages enregistrés")
    assert axe_violations(page) == []
    leaf.refresh_from_db()
    assert leaf.target_hours == 24


def test_photo_needs_its_alternative_text_and_the_page_shows_it(page, paris, tmp_path):
    from .factories import jpeg_bytes

    _f, _k, leaf = make_tree(service=make_service(name="Voirie"))
    photo = tmp_path / "banc.jpg"
    photo.write_bytes(jpeg_bytes())
    log_in(page, make_user(email="lea@example.org"), f"/signalements/nouveau/{leaf.code}/")
    page.wait_for_selector("#report-map.leaflet-container")
    page.locator("#report-map").click(position={"x": 640, "y": 210})
    page.get_by_label("Description").fill("Banc aux lattes arrachées.")
    page.locator("#id_photos").set_input_files(str(photo))
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector("text=Décrivez la photo en quelques mots (texte alternatif)")
    assert not Report.objects.exists()
    assert axe_violations(page) == []

    page.locator("#id_photos").set_input_files(str(photo))
    page.get_by_label("Ce que montrent les photos").fill("Banc public aux lattes arrachées")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_selector("text=Merci !")
    assert page.locator('img[alt="Banc public aux lattes arrachées"]').count() == 1
    assert axe_violations(page) == []
