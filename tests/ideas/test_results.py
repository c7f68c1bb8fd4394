import csv
import io
import json

import pytest
from django.urls import reverse

from parvis.core.models import TerritoryLevel
from parvis.ideas.models import Answer, AnswerStatus, Status
from tests.factories import make_territory, make_user, square

from .factories import make_comment, make_consultation, make_idea, make_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    c = make_consultation(slug="climat")
    district = make_territory(
        level=TerritoryLevel.DISTRICT, code="75120", name="20e", geometry=square(2.39, 48.86)
    )
    qpv = make_territory(
        level=TerritoryLevel.PRIORITY,
        code="QP075001",
        name="Belleville",
        parent=district,
        geometry=square(2.39, 48.86, 0.005),
    )
    author = make_user(email="secret.person@example.org", display_name="Jeanne Secret")
    a = make_idea(
        consultation=c,
        author=author,
        title="Végétaliser les cours",
        theme="environment",
        district=district,
        priority_area=qpv,
        lat=48.862,
        lon=2.392,
    )
    b = make_idea(consultation=c, title="Plus de bus la nuit", theme="mobility")
    make_idea(consultation=c, title="Idée en attente", status=Status.PENDING)
    for _ in range(3):
        make_support(idea=a)
    make_comment(idea=a, author=author, body="Commentaire public")
    Answer.objects.create(idea=a, status=AnswerStatus.ACCEPTED, text="<p>Retenue pour 2027.</p>")
    return c, a, b


def test_results_page(client, data):
    c, a, b = data
    html = client.get(reverse("ideas:results", args=[c.slug])).content.decode()
    assert "2 idées publiées" in html
    assert "Environnement et nature en ville" in html
    assert "20e" in html
    assert html.index("Végétaliser les cours") < html.index("Plus de bus la nuit")  # most supported first
    assert "50.0 %" in html or "50,0 %" in html  # share of ideas in priority areas


def test_csv_export_has_public_ideas_and_no_personal_data(client, data):
    c, a, b = data
    response = client.get(reverse("ideas:export", args=[c.slug, "csv"]))
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    assert {r["title"] for r in rows} == {"Végétaliser les cours", "Plus de bus la nuit"}
    row = next(r for r in rows if r["id"] == str(a.pk))
    assert row["support_count"] == "3"
    assert row["answer_status"] == "accepted"
    assert row["district"] == "75120"
    assert "Secret" not in body
    assert "secret.person" not in body


def test_json_export(client, data):
    c, a, b = data
    response = client.get(reverse("ideas:export", args=[c.slug, "json"]))
    payload = json.loads(response.content)
    assert len(payload["ideas"]) == 2
    assert payload["comments"][0]["body"] == "Commentaire public"
    assert "Secret" not in response.content.decode()
    assert payload["ideas"][0]["answer_text"] in ("Retenue pour 2027.", "")


def test_comments_csv_and_unknown_format(client, data):
    c, a, b = data
    response = client.get(reverse("ideas:export", args=[c.slug, "commentaires.csv"]))
    assert "Commentaire public" in b"".join(response.streaming_content).decode()
    assert client.get(reverse("ideas:export", args=[c.slug, "xml"])).status_code == 404


def test_geojson(client, data):
    c, a, b = data
    features = client.get(reverse("ideas:geojson", args=[c.slug])).json()["features"]
    assert [f["properties"]["title"] for f in features] == ["Végétaliser les cours"]
