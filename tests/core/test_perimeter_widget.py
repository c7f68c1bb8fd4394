"""The perimeter widget: a polygon drawn on a map in the admin of campaigns and consultations."""

import json

import pytest

from tests.factories import PASSWORD, make_admin


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/ideas/consultation/add/", "/admin/reports/campaign/add/"])
def test_admin_forms_offer_the_map_with_the_text_alternative(client, url):
    client.force_login(make_admin())
    html = client.get(url).content.decode()
    assert 'data-perimeter-widget="1"' in html
    assert "core/perimeter-widget.js" in html
    assert "leaflet/leaflet.js" in html
    assert "<textarea" in html  # typing GeoJSON stays possible without the map


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_drawing_three_corners_fills_a_geojson_polygon(page, paris):
    admin = make_admin(email="admin-perimeter@example.org")
    # The admin has no login form of its own: it sends staff to the site's login, then back.
    page.goto(page.base_url + "/admin/login/?next=/admin/ideas/consultation/add/")
    page.get_by_label("Adresse e-mail").fill(admin.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/admin/ideas/consultation/add/")
    area = page.locator("textarea[data-perimeter-widget]")
    region = page.get_by_role("region", name="Carte : cliquez pour placer les coins du périmètre")
    assert area.input_value() == ""
    for x, y in [(100, 100), (250, 110), (180, 250)]:
        region.click(position={"x": x, "y": y})
    value = json.loads(area.input_value())
    assert value["type"] == "Polygon"
    ring = value["coordinates"][0]
    assert len(ring) == 4
    assert ring[0] == ring[-1]
    page.get_by_role("button", name="Effacer le périmètre").click()
    assert area.input_value() == ""
