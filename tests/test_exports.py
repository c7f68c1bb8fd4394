"""Every export of every module goes through core's export service: a CSV opens in a spreadsheet with its
accents intact (UTF-8 byte-order mark) and a cell that would start a formula is shown as text; GeoJSON and
JSON keep accents unescaped. Text from rich fields is exported as text, not HTML."""

import pytest
from django.urls import reverse

from parvis.core import exports
from parvis.core.models import TerritoryLevel
from parvis.core.richtext import plain_text
from parvis.reports.models import Contribution
from tests.downloads import body, csv_rows, json_body
from tests.factories import make_agent, make_service, make_territory, make_user

FORMULA = '=HYPERLINK("http://example.org/vol","Réclamez ici")'
SHOWN = "'" + FORMULA
ACCENTS = "Éloïse a trouvé ça génial à l'œil"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcaché", "'\tcaché"),
        ("\rretour", "'\rretour"),
        ("Tom & Jerry", "Tom & Jerry"),
        ("a=b", "a=b"),
        (-2.35, -2.35),
        (12, 12),
        (None, None),
        ("", ""),
    ],
)
def test_neutralise(value, shown):
    assert exports.neutralise(value) == shown


def test_csv_lines_header_first_with_bom_and_mappings():
    lines = list(exports.csv_lines(["a", "b"], [{"a": "=x", "b": "é"}, ["1", None], {"b": 2}]))
    assert lines == ["\ufeffa,b\r\n", "'=x,é\r\n", "1,\r\n", ",2\r\n"]


def test_plain_text_is_text_not_html():
    assert plain_text("<p>Tom &amp; Jerry</p>") == "Tom & Jerry"
    assert plain_text("<p>a &lt;b&gt; <script>alert(1)</script><em>é</em></p>") == "a <b> é"
    assert plain_text("") == ""
    assert plain_text(None) == ""


def _check_csv(response, *, column: str, formula: str = SHOWN, accents: str = ACCENTS):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = csv_rows(response)
    cells = [row[rows[0].index(column)] for row in rows[1:]]
    assert formula in cells
    assert any(accents in cell for cell in rows_text(rows))


def rows_text(rows):
    return [cell for row in rows for cell in row]


@pytest.fixture
def ideas_data(db):
    from tests.ideas.factories import make_comment, make_consultation, make_idea

    consultation = make_consultation(slug="export-idees")
    idea = make_idea(consultation=consultation, title=FORMULA, body=f"<p>{ACCENTS} &amp; Tom</p>")
    make_comment(idea=idea, body=FORMULA)
    make_comment(idea=idea, body=ACCENTS)
    return consultation


def test_ideas_csv(client, ideas_data):
    response = client.get(reverse("ideas:export", args=[ideas_data.slug, "csv"]))
    _check_csv(response, column="title")
    rows = csv_rows(response)
    assert rows[1][rows[0].index("body")] == f"{ACCENTS} & Tom"


def test_ideas_comments_csv(client, ideas_data):
    response = client.get(reverse("ideas:export", args=[ideas_data.slug, "commentaires.csv"]))
    _check_csv(response, column="body")


def test_ideas_json(client, ideas_data):
    response = client.get(reverse("ideas:export", args=[ideas_data.slug, "json"]))
    assert response["Content-Disposition"] == 'attachment; filename="idees-export-idees.json"'
    assert ACCENTS.encode() in body(response)  # not \u-escaped
    data = json_body(response)
    assert data["ideas"][0]["title"] == FORMULA  # JSON is not a spreadsheet: kept as written
    assert data["ideas"][0]["body"] == f"{ACCENTS} & Tom"


@pytest.fixture
def report_tree(paris):
    from tests.reports.factories import make_tree

    service = make_service(name="=Voirie et déplacements")
    return service, make_tree(service=service)[2]


def test_reports_csv_and_geojson(client, report_tree):
    from tests.reports.factories import make_report

    _service, leaf = report_tree
    make_report(category=leaf, description=FORMULA)
    make_report(category=leaf, description=ACCENTS)
    _check_csv(client.get("/signalements/export.csv"), column="description")
    response = client.get("/signalements/export.geojson")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    assert ACCENTS.encode() in body(response)
    geo = json_body(response)
    assert {f["properties"]["description"] for f in geo["features"]} == {FORMULA, ACCENTS}
    assert geo["features"][0]["geometry"]["type"] == "Point"


def test_reports_statistics_csv(client, report_tree):
    from tests.reports.factories import make_report

    service, leaf = report_tree
    make_report(category=leaf)
    client.force_login(make_agent(service=service))
    response = client.get("/signalements/agents/statistiques/?by=service&format=csv")
    _check_csv(response, column="nom", formula="'=Voirie et déplacements", accents="déplacements")


def test_reports_campaign_csv_and_geojson(client, paris):
    from tests.reports.factories import REPUBLIQUE, make_campaign

    campaign = make_campaign(slug="export-campagne")
    for title in (FORMULA, ACCENTS[:140]):
        Contribution.objects.create(
            campaign=campaign, author=make_user(), title=title, lat=REPUBLIQUE[0], lon=REPUBLIQUE[1]
        )
    _check_csv(client.get(f"/signalements/campagnes/{campaign.slug}/export.csv"), column="title")
    geo = json_body(client.get(f"/signalements/campagnes/{campaign.slug}/export.geojson"))
    assert {f["properties"]["title"] for f in geo["features"]} == {FORMULA, ACCENTS}
    assert geo["features"][0]["geometry"]["coordinates"] == [REPUBLIQUE[1], REPUBLIQUE[0]]


def test_budget_inclusion_csv_and_geojson(client, db):
    from tests.budget.factories import make_campaign

    campaign = make_campaign(slug="export-bp")
    district = make_territory(name="18e arrondissement")
    make_territory(level=TerritoryLevel.NEIGHBOURHOOD, name="=Goutte-d'Or", parent=district, population=10)
    make_territory(level=TerritoryLevel.NEIGHBOURHOOD, name="Clignancourt-Épinettes", parent=district)
    url = reverse("budget:inclusion", args=[campaign.slug])
    _check_csv(
        client.get(url, {"format": "csv"}), column="name", formula="'=Goutte-d'Or", accents="Épinettes"
    )
    geo = json_body(client.get(url, {"format": "geojson"}))
    assert len(geo["features"]) == 2
    assert "Épinettes".encode() in body(client.get(url, {"format": "geojson"}))
