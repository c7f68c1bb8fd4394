"""Home neighbourhood from an address: offline geocoder, optional BAN/Nominatim backends (never called)."""

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from parvis.core import geocoding
from parvis.core.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(url, timeout):
        raise AssertionError(f"network call in a test: {url}")

    monkeypatch.setattr(geocoding, "_urlopen", refuse)


@pytest.mark.parametrize(
    ("query", "district", "neighbourhood"),
    [
        ("Hôtel de Ville", "4", "Saint-Merri"),
        ("12 rue Oberkampf, 75011 Paris", "11", None),
        ("Quartier Saint-Merri", "4", "Saint-Merri"),
        ("la goutte d'or", "18", "Goutte-d'Or"),
        ("75011", "11", None),
        ("75116", "16", None),
        ("20e arrondissement", "20", None),
        ("1er", "1", None),
        ("GARE DU NORD", "10", None),
    ],
)
def test_offline_geocoder_finds_the_territory(paris, query, district, neighbourhood):
    from parvis.core.territories import locate

    found = geocoding.geocode(query)
    assert found is not None, query
    location = locate(found.lat, found.lon)
    assert location.district.code == district, (query, location)
    if neighbourhood:
        assert location.neighbourhood.name == neighbourhood


@pytest.mark.parametrize("query", ["", "   ", "xyz", "Lyon 69003", "99e arrondissement", "75099"])
def test_offline_geocoder_unknown(paris, query):
    assert geocoding.geocode(query) is None


def test_normalise():
    assert geocoding.normalise("L'Hôtel-de-Ville  ÉTÉ") == "l hotel de ville ete"


def fake_urlopen(payload_file, seen):
    def urlopen(url, timeout):
        seen.append(url)
        return io.BytesIO((FIXTURES / payload_file).read_bytes())

    return urlopen


def test_ban_backend_with_recorded_answer(paris, settings, monkeypatch):
    settings.PARVIS_GEOCODER = "ban"
    seen = []
    monkeypatch.setattr(geocoding, "_urlopen", fake_urlopen("ban_search.json", seen))
    found = geocoding.geocode("12 rue Oberkampf Paris")
    assert found == geocoding.GeocodeResult(48.864923, 2.367544, "12 Rue Oberkampf 75011 Paris", "ban")
    url = urlparse(seen[0])
    assert url.netloc == "api-adresse.data.gouv.fr"
    assert parse_qs(url.query) == {"q": ["12 rue Oberkampf Paris"], "limit": ["1"]}


def test_nominatim_backend_with_recorded_answer(paris, settings, monkeypatch):
    settings.PARVIS_GEOCODER = "nominatim"
    settings.PARVIS_GEOCODER_URL = "https://nominatim.example.org/search"
    seen = []
    monkeypatch.setattr(geocoding, "_urlopen", fake_urlopen("nominatim_search.json", seen))
    found = geocoding.geocode("Hôtel de Ville, Paris")
    assert (found.lat, found.lon, found.source) == (48.8565918, 2.3521436, "nominatim")
    assert found.label.startswith("Hôtel de Ville")
    assert seen[0].startswith("https://nominatim.example.org/search?")
    assert parse_qs(urlparse(seen[0]).query)["format"] == ["jsonv2"]


def test_remote_failure_falls_back_to_offline(paris, settings, monkeypatch):
    settings.PARVIS_GEOCODER = "ban"

    def down(url, timeout):
        raise OSError("network unreachable")

    monkeypatch.setattr(geocoding, "_urlopen", down)
    found = geocoding.geocode("place de la République")
    assert found.source == "landmark"


def test_remote_garbage_falls_back_to_offline(paris, settings, monkeypatch):
    settings.PARVIS_GEOCODER = "ban"
    monkeypatch.setattr(geocoding, "_urlopen", lambda url, timeout: io.BytesIO(b"<html>error</html>"))
    assert geocoding.geocode("75011").source == "territory"


def test_remote_empty_answer_falls_back_to_offline(paris, settings, monkeypatch):
    settings.PARVIS_GEOCODER = "ban"
    monkeypatch.setattr(
        geocoding, "_urlopen", lambda url, timeout: io.BytesIO(json.dumps({"features": []}).encode())
    )
    assert geocoding.geocode("xyz") is None


def test_profile_home_from_address(client, paris):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/compte/",
        {
            "display_name": "N",
            "preferred_language": "fr",
            "home_address": "3 rue de la Goutte d'Or",
            "neighbourhood": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.home_neighbourhood.name == "Goutte-d'Or"
    assert user.home_district.code == "18"
    assert user.home_address == "3 rue de la Goutte d'Or"


def test_profile_unknown_address_changes_nothing(client, paris):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/compte/",
        {
            "display_name": "Changé",
            "preferred_language": "fr",
            "home_address": "nulle part",
            "neighbourhood": "",
        },
    )
    assert response.status_code == 200
    assert "Adresse introuvable" in response.content.decode()
    user = User.objects.get(pk=user.pk)
    assert user.home_address == ""
    assert user.display_name != "Changé"
    assert user.home_neighbourhood is None


def test_profile_map_point_wins_over_address(client, paris):
    user = make_user()
    client.force_login(user)
    client.post(
        "/compte/",
        {
            "display_name": "N",
            "preferred_language": "fr",
            "home_address": "75018",
            "home_lat": "48.8566",
            "home_lon": "2.3522",
            "neighbourhood": "",
        },
    )
    user.refresh_from_db()
    assert user.home_district.code == "4"


def test_geocode_api(client, paris):
    data = client.get("/api/territories/geocode", {"q": "Hôtel de Ville"}).json()
    assert data["location"]["district"]["code"] == "4"
    assert data["source"] == "landmark"
    response = client.get("/api/territories/geocode", {"q": "nulle part"})
    assert response.status_code == 404
    assert "Lieu introuvable" in response.json()["detail"]
    assert client.get("/api/territories/geocode", {"q": " "}).status_code == 400


def test_territories_page(client, paris, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        html = client.get("/territoires/").content.decode()
    assert "Contours approximatifs" in html
    assert "parvis import-territories arrondissements.geojson --level district --code-field c_ar" in html
    assert "Saint-Merri" in html
    assert "data-map-view" in html
    html = client.get("/territoires/", {"adresse": "Hôtel de Ville"}).content.decode()
    assert "<dt>Quartier</dt><dd>Saint-Merri</dd>" in html
    html = client.get("/territoires/", {"adresse": "Lyon"}).content.decode()
    assert "Lieu introuvable" in html


def test_home_says_territories_are_approximate(client, paris):
    from parvis.core.models import Territory

    assert "Contours approximatifs" in client.get("/").content.decode()
    Territory.objects.update(approximate=False)
    html = client.get("/").content.decode()
    assert "Contours approximatifs" not in html
    assert "/territoires/" in html


def test_profile_save_rule(paris):
    """What changed wins: a new point, else a newly chosen neighbourhood, else a new address."""
    from parvis.core.accounts import profile_save

    user = make_user()
    base = {"display_name": "N", "preferred_language": "fr"}
    profile_save(user=user, **base, home_address="75018", neighbourhood_code="")
    assert user.home_district.code == "18"
    profile_save(user=user, **base, home_address="75018", neighbourhood_code="7510401")  # new choice wins
    assert user.home_neighbourhood.name == "Saint-Merri"
    profile_save(user=user, **base, home_address="75018", neighbourhood_code="7510401")  # nothing changed
    assert user.home_neighbourhood.name == "Saint-Merri"
    profile_save(user=user, **base, home_address="place de la Nation", neighbourhood_code="7510401")
    assert user.home_district.code in {"11", "12", "20"}
