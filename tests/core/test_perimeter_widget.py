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
    page.goto(page.base_url + "/admin/login/?next=/admin/ideas/consultation/add/")
    page.fill("#id_username", admin.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
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
