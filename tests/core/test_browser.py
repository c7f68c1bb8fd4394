import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_switch_language_and_sign_in(page, paris):
    user = make_user(email="amina@example.org")
    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert axe_violations(page) == []
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Français").click()
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.locator(".account-nav").get_by_role("link", name="Mon compte").is_visible()


def sign_in(page, user):
    page.goto(page.base_url + "/compte/connexion/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/")


def test_account_map_picker_sets_the_home_neighbourhood(page, paris):
    user = make_user(email="carte@example.org")
    sign_in(page, user)
    page.goto(page.base_url + "/compte/")
    page.wait_for_selector("#home-map.leaflet-container")
    assert axe_violations(page) == []
    page.locator("#home-map").click()  # in the middle of the map, which opens on the city hall
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    lat = float(page.locator("#id_home_lat").input_value())
    lon = float(page.locator("#id_home_lon").input_value())
    assert abs(lat - 48.8566) < 0.003
    assert abs(lon - 2.3522) < 0.003
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Profil enregistré.")
    user.refresh_from_db()
    assert user.home_district.code == "4"
    assert user.home_neighbourhood.name == "Saint-Merri"
    # Back on the page, the marker stands where the home is.
    page.goto(page.base_url + "/compte/")
    page.wait_for_selector("#home-map .leaflet-marker-icon")
    assert axe_violations(page) == []


def test_account_without_map_chooses_from_the_list(page, paris):
    user = make_user()
    sign_in(page, user)
    page.goto(page.base_url + "/compte/")
    page.get_by_label("Mon quartier").select_option(label="Goutte-d'Or")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Profil enregistré.")
    user.refresh_from_db()
    assert user.home_neighbourhood.name == "Goutte-d'Or"


def test_moderation_queue_hides_a_flagged_contribution(page, paris):
    from parvis.core.moderation import flag_create
    from tests.core.conftest import Contribution
    from tests.factories import make_moderator

    contribution = Contribution.objects.create(text="Message injurieux rue de Rivoli")
    kept = Contribution.objects.create(text="Un avis tranché mais correct")
    for target in (contribution, kept):
        flag_create(reporter=make_user(), target=target, reason="abuse")
    moderator = make_moderator()
    sign_in(page, moderator)
    page.get_by_role("link", name="Modération").click()
    page.wait_for_selector("h1:has-text('File de modération')")
    assert axe_violations(page) == []
    section = page.locator("section", has_text="Message injurieux")
    section.get_by_label("Motif public (pour masquer)").fill("Propos injurieux")
    section.get_by_role("button", name="Masquer").click()
    page.wait_for_selector("text=Contenu masqué.")
    page.locator("section", has_text="Un avis tranché").get_by_role("button", name="Conserver").click()
    page.wait_for_selector("text=Rien à modérer pour l'instant.")
    assert axe_violations(page) == []
    contribution.refresh_from_db()
    kept.refresh_from_db()
    assert contribution.is_hidden
    assert contribution.hidden_reason == "Propos injurieux"
    assert not kept.is_hidden


def test_territories_and_preferences_pages_are_accessible(page, paris):
    page.goto(page.base_url + "/territoires/")
    page.wait_for_selector("#territories-map path.leaflet-interactive")
    assert page.locator("#territories-map path.leaflet-interactive").count() == 20
    # The PARVIS_TILE_ATTRIBUTION setting reaches every map through <body data-map-attribution>.
    attribution = page.locator(".leaflet-control-attribution a[href*='openstreetmap.org/copyright']")
    assert attribution.count() == 1
    assert axe_violations(page) == []
    page.get_by_label("Adresse ou lieu").fill("Hôtel de Ville")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_selector("dd:has-text('Saint-Merri')")
    sign_in(page, make_user())
    page.goto(page.base_url + "/compte/notifications/preferences/")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_core_pages_pass_the_accessibility_check(page, paris):
    from tests.core.conftest import Contribution

    for path in [
        "/compte/connexion/",
        "/compte/inscription/",
        "/compte/mot-de-passe/",
        "/mentions-legales/",
        "/accessibilite/",
    ]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path
    page.goto(page.base_url + "/compte/inscription/")
    page.get_by_role("button", name="Créer mon compte").click()  # errors shown, still accessible
    expect(page.locator(".error").first).to_be_visible()  # waits for the answer to the submission
    assert axe_violations(page) == []
    contribution = Contribution.objects.create(text="Un banc cassé")
    sign_in(page, make_user())
    for path in [
        f"/signaler/core/contribution/{contribution.pk}/",
        "/compte/notifications/",
        "/compte/supprimer/",
    ]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path


def test_map_picker_works_with_the_keyboard(page, paris):
    user = make_user()
    sign_in(page, user)
    page.goto(page.base_url + "/compte/")
    page.wait_for_selector("#home-map.leaflet-container")
    page.locator("#home-map").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#home-map .leaflet-marker-icon")).to_have_count(1)
    assert page.locator("#home-map-status").text_content().startswith("Domicile placé")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("text=Profil enregistré.")
    assert page.get_by_text("Votre quartier :").is_visible()
    user.refresh_from_db()
    assert user.home_district.code == "4"


def test_account_page_fits_a_360px_phone(page, paris):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, make_user())
    page.goto(page.base_url + "/compte/")
    page.get_by_label("Nom du jeton").fill("mon téléphone")
    # measured once the new page has loaded: before its stylesheet, the token is one unbroken line
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Créer un jeton").click()
    page.wait_for_selector("code:has-text('pvs_')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(page.base_url + "/territoires/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []


def test_api_documentation_works_offline_under_the_csp(page):
    """Swagger UI comes from the site's static files: it renders with every outside request blocked."""
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(page.base_url + "/api/docs", wait_until="commit")
    # Swagger UI's bundle is 1.4 MB: a loaded machine takes a while to serve and run it.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Parvis API", timeout=90_000)
    refused = [text for text in messages if "Content Security Policy" in text]
    assert page.locator("html").get_attribute("lang") == "fr"
    assert refused == []
