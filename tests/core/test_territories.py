"""Territories: official import (idempotent, replaces the demo shapes in place), point lookup, bad files."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from parvis.core import territories
from parvis.core.models import Territory, TerritoryLevel
from tests.conftest import shared_file
from tests.factories import make_territory, square

pytestmark = pytest.mark.django_db

HOTEL_DE_VILLE = ("48.8566", "2.3522")


def import_official():
    districts = shared_file("geo", "paris_arrondissements.geojson")
    quartiers = shared_file("geo", "paris_quartiers_administratifs.geojson")
    call_command(
        "import-territories",
        str(districts),
        "--level",
        "district",
        "--code-field",
        "c_ar",
        "--name-field",
        "l_aroff",
        stdout=open("/dev/null", "w"),
    )  # noqa: SIM115
    call_command(
        "import-territories",
        str(quartiers),
        "--level",
        "neighbourhood",
        "--code-field",
        "c_quinsee",
        "--name-field",
        "l_qu",
        "--parent-field",
        "c_ar",
        stdout=open("/dev/null", "w"),
    )  # noqa: SIM115


def counts():
    return (
        Territory.objects.filter(level=TerritoryLevel.DISTRICT).count(),
        Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).count(),
    )


def snapshot():
    return sorted(Territory.objects.values_list("level", "code", "name", "parent_id", "approximate"))


def fold(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def test_import_official_files_loads_20_and_80_and_locates_hotel_de_ville(client):
    import_official()
    assert counts() == (20, 80)
    data = client.get("/api/territories/locate", {"lat": HOTEL_DE_VILLE[0], "lon": HOTEL_DE_VILLE[1]}).json()
    assert data["district"] == {"code": "4", "name": "Hôtel-de-Ville"}
    assert data["neighbourhood"] == {"code": "7510401", "name": "Saint-Merri"}
    saint_merri = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7510401")
    assert saint_merri.parent.code == "4"
    assert not Territory.objects.filter(approximate=True).exists()


def test_reimport_updates_without_duplicates():
    import_official()
    Territory.objects.filter(level=TerritoryLevel.DISTRICT, code="4").update(name="renamed")
    ids = set(Territory.objects.values_list("id", flat=True))
    import_official()
    assert counts() == (20, 80)
    assert set(Territory.objects.values_list("id", flat=True)) == ids
    assert Territory.objects.get(level=TerritoryLevel.DISTRICT, code="4").name == "Hôtel-de-Ville"


def test_import_replaces_the_demo_territories_code_for_code(paris):
    demo = {
        (t.level, t.code): (t.id, t.name) for t in Territory.objects.exclude(level=TerritoryLevel.PRIORITY)
    }
    assert len(demo) == 100  # the demo ships every official code
    assert Territory.objects.filter(approximate=True).count() == Territory.objects.count()
    import_official()
    assert counts() == (20, 80)
    after = {
        (t.level, t.code): (t.id, t.name) for t in Territory.objects.exclude(level=TerritoryLevel.PRIORITY)
    }
    assert set(after) == set(demo)
    for key, (pk, name) in after.items():
        assert demo[key][0] == pk, key  # same row, updated in place: users' home territory is kept
        if key[0] == TerritoryLevel.NEIGHBOURHOOD:
            assert fold(demo[key][1]) == fold(name), key  # the demo carries the official names
    assert not Territory.objects.exclude(level=TerritoryLevel.PRIORITY).filter(approximate=True).exists()


def test_notice_goes_once_official_boundaries_are_imported(client, paris):
    assert "Contours approximatifs" in client.get("/territoires/").content.decode()
    import_official()
    html = client.get("/territoires/").content.decode()
    assert "Contours approximatifs" not in html
    assert "Hôtel-de-Ville" in html
    assert "Saint-Merri" in html


def test_import_keeps_users_home_neighbourhood(paris):
    from tests.factories import make_user

    saint_merri = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7510401")
    user = make_user(home_neighbourhood=saint_merri, home_district=saint_merri.parent)
    import_official()
    user.refresh_from_db()
    assert user.home_neighbourhood.name == "Saint-Merri"
    assert user.home_district.code == "4"


def test_locate_index_follows_an_import(client, paris, django_capture_on_commit_callbacks):
    before = client.get("/api/territories/locate", {"lat": "48.8584", "lon": "2.2945"}).json()  # Tour Eiffel
    assert before["district"]["code"] == "15"  # the demo's Voronoi cells are only approximate
    with django_capture_on_commit_callbacks(execute=True):
        import_official()
    after = client.get("/api/territories/locate", {"lat": "48.8584", "lon": "2.2945"}).json()
    assert after["district"] == {"code": "7", "name": "Palais-Bourbon"}
    assert after["neighbourhood"]["name"] == "Gros-Caillou"


# --- Point lookup over HTTP ------------------------------------------------------------------------


def test_locate_demo_hotel_de_ville(client, paris):
    data = client.get("/api/territories/locate", {"lat": HOTEL_DE_VILLE[0], "lon": HOTEL_DE_VILLE[1]}).json()
    assert data["district"]["code"] == "4"
    assert data["neighbourhood"]["name"] == "Saint-Merri"
    assert data["priority_area"] is None


def test_locate_priority_area(client, paris):
    data = client.get("/api/territories/locate", {"lat": "48.8855", "lon": "2.3535"}).json()
    assert data["priority_area"]["code"] == "DEMO-QPV-02"


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        ("abc", "2.35"),
        ("48.85", ""),
        ("91", "2.35"),
        ("48.85", "181"),
        ("nan", "2.35"),
        ("48,85", "2,35"),
        ("inf", "2.35"),
    ],
)
def test_locate_malformed_coordinates(client, paris, lat, lon):
    response = client.get("/api/territories/locate", {"lat": lat, "lon": lon})
    assert response.status_code in (400, 422)
    assert "Coordonnées invalides" in response.json()["detail"]


def test_locate_missing_parameter(client, paris):
    response = client.get("/api/territories/locate", {"lat": "48.85"})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_locate_outside_the_city(client, paris):
    response = client.get("/api/territories/locate", {"lat": "48.8049", "lon": "2.1204"})  # Versailles
    assert response.status_code == 404
    assert response.json() == {"detail": "Ce point est en dehors du territoire de la ville."}


def test_locate_without_any_territory(client, db):
    response = client.get("/api/territories/locate", {"lat": HOTEL_DE_VILLE[0], "lon": HOTEL_DE_VILLE[1]})
    assert response.status_code == 404


def test_locate_in_english(client, paris):
    response = client.get("/api/territories/locate", {"lat": "0", "lon": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["detail"] == "This point is outside the city's territory."


def test_territory_list_geojson(client, paris, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        data = client.get("/api/territories/", {"level": "neighbourhood"}).json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 80
    first = data["features"][0]["properties"]
    assert first["approximate"] is True
    assert first["parent"]


def test_territory_list_unknown_level(client, paris):
    response = client.get("/api/territories/", {"level": "galaxy"})
    assert response.status_code == 400
    assert "Niveau inconnu" in response.json()["detail"]


def test_service_helpers(paris):
    assert territories.validate_coordinates("48.85", 2.35) == (48.85, 2.35)
    with pytest.raises(ValidationError):
        territories.validate_coordinates(None, 2)
    fourth = Territory.objects.get(level=TerritoryLevel.DISTRICT, code="4")
    assert territories.territory_contains(fourth, 48.8566, 2.3522)
    assert not territories.territory_contains(fourth, 48.8584, 2.2945)
    min_lon, min_lat, max_lon, max_lat = territories.city_bounds()
    assert 2.2 < min_lon < 2.26
    assert 2.46 < max_lon < 2.5
    assert 48.8 < min_lat < max_lat < 48.91


def test_city_bounds_without_territories(db):
    assert territories.city_bounds() is None


# --- Bad files: a clear error and nothing changed --------------------------------------------------

FEATURE = {
    "type": "Feature",
    "properties": {"code": "X1", "name": "Quartier X"},
    "geometry": square(2.30, 48.85),
}


def run_import(path, *extra):
    call_command(
        "import-territories",
        str(path),
        "--level",
        "district",
        "--code-field",
        "code",
        "--name-field",
        "name",
        *extra,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"type": "FeatureCollection", "features": []}, "aucune entité"),
        ({"type": "FeatureCollection"}, "aucune entité"),
        ([1, 2], "aucune entité"),
        ("{not json", "pas du GeoJSON valide"),
        (
            {
                "type": "FeatureCollection",
                "features": [{**FEATURE, "geometry": {"type": "Point", "coordinates": [2.3, 48.8]}}],
            },
            "doit être un polygone",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {**FEATURE, "geometry": {"type": "LineString", "coordinates": [[2.3, 48.8], [2.4, 48.9]]}}
                ],
            },
            "doit être un polygone",
        ),
        ({"type": "FeatureCollection", "features": [{**FEATURE, "geometry": None}]}, "pas de géométrie"),
        (
            {"type": "FeatureCollection", "features": [{**FEATURE, "geometry": {"type": "Polygon"}}]},
            "géométrie illisible",
        ),
        (
            {"type": "FeatureCollection", "features": [{**FEATURE, "properties": {"name": "Sans code"}}]},
            "« code » est absent",
        ),
        (
            {"type": "FeatureCollection", "features": [{**FEATURE, "properties": {"code": "X1"}}]},
            "« name » est absent",
        ),
        ({"type": "FeatureCollection", "features": [FEATURE, FEATURE]}, "apparaît deux fois"),
        ({"type": "FeatureCollection", "features": [FEATURE, "oops"]}, "entité 2"),
    ],
)
def test_bad_geojson_changes_nothing(paris, write_geojson, content, message):
    before = snapshot()
    path = write_geojson(content)
    with pytest.raises(CommandError, match=message):
        run_import(path)
    assert snapshot() == before


def test_one_bad_feature_after_good_ones_changes_nothing(paris, write_geojson):
    before = snapshot()
    good = {**FEATURE, "properties": {"code": "4", "name": "Nouveau nom"}}
    bad = {
        **FEATURE,
        "properties": {"code": "5", "name": "Point"},
        "geometry": {"type": "Point", "coordinates": [2.3, 48.8]},
    }
    with pytest.raises(CommandError, match="entité 2"):
        run_import(write_geojson({"type": "FeatureCollection", "features": [good, bad]}))
    assert snapshot() == before


def test_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable"):
        run_import(tmp_path / "absent.geojson")


def test_unknown_parent_changes_nothing(db, write_geojson):
    make_territory(code="1")
    before = snapshot()
    feature = {**FEATURE, "properties": {"code": "N1", "name": "Quartier", "ar": "99"}}
    path = write_geojson({"type": "FeatureCollection", "features": [feature]})
    with pytest.raises(ValidationError, match="parents inconnus : 99"):
        territories.import_geojson(
            path, level="neighbourhood", code_field="code", name_field="name", parent_field="ar"
        )
    assert snapshot() == before


def test_unknown_level(db, write_geojson):
    path = write_geojson({"type": "FeatureCollection", "features": [FEATURE]})
    with pytest.raises(ValidationError, match="Niveau inconnu"):
        territories.import_geojson(path, level="city", code_field="code", name_field="name")
    assert not Territory.objects.exists()


def test_bad_population_value(db, write_geojson):
    feature = {**FEATURE, "properties": {"code": "X1", "name": "X", "pop": "beaucoup"}}
    path = write_geojson({"type": "FeatureCollection", "features": [feature]})
    with pytest.raises(ValidationError, match="population"):
        territories.import_geojson(
            path, level="district", code_field="code", name_field="name", population_field="pop"
        )
    assert not Territory.objects.exists()


def test_neighbourhood_without_parent_field_finds_its_district(db, write_geojson):
    district = make_territory(code="1", geometry=square(2.30, 48.85, 0.05))
    feature = {
        **FEATURE,
        "properties": {"code": "N1", "name": "Q", "pop": 1200},
        "geometry": square(2.31, 48.86, 0.005),
    }
    path = write_geojson({"type": "FeatureCollection", "features": [feature]})
    result = territories.import_geojson(
        path, level="neighbourhood", code_field="code", name_field="name", population_field="pop"
    )
    assert (result.created, result.updated) == (1, 0)
    n = Territory.objects.get(code="N1")
    assert n.parent == district
    assert n.population == 1200


def test_import_command_reports_counts(db, write_geojson, capsys):
    path = write_geojson({"type": "FeatureCollection", "features": [FEATURE]})
    call_command(
        "import-territories", str(path), "--level", "district", "--code-field", "code", "--name-field", "name"
    )
    assert "1 créés, 0 mis à jour" in capsys.readouterr().out


def test_lookup_sees_a_change_made_by_another_process(paris, monkeypatch):
    """With a per-process cache, the tree is compared with the database every DB_CHECK_SECONDS."""
    assert territories.locate(48.8566, 2.3522).district.name == "4e arrondissement"
    # Another process (no shared cache) renames the district: our cache counter does not move.
    district = Territory.objects.get(level=TerritoryLevel.DISTRICT, code="4")
    district.name = "Hôtel-de-Ville"
    district.save()
    monkeypatch.setattr(territories, "DB_CHECK_SECONDS", 3600)
    assert territories.locate(48.8566, 2.3522).district.name == "4e arrondissement"  # not checked yet
    monkeypatch.setattr(territories, "DB_CHECK_SECONDS", 0)
    assert territories.locate(48.8566, 2.3522).district.name == "Hôtel-de-Ville"


def test_codes_typed_as_text_or_float_match(db, write_geojson):
    make_territory(code="4", geometry=square(2.30, 48.85, 0.05))
    features = [
        {**FEATURE, "properties": {"code": 7510401.0, "name": "Saint-Merri", "ar": 4.0}},
        {**FEATURE, "properties": {"code": " 7510402 ", "name": "Saint-Gervais", "ar": "4"}},
    ]
    path = write_geojson({"type": "FeatureCollection", "features": features})
    territories.import_geojson(
        path, level="neighbourhood", code_field="code", name_field="name", parent_field="ar"
    )
    assert sorted(Territory.objects.filter(parent__code="4").values_list("code", flat=True)) == [
        "7510401",
        "7510402",
    ]
