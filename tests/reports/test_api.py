"""The reports routes of Parvis's own JSON API."""

import pytest

from parvis.core.tokens import token_create
from parvis.reports.models import Report
from tests.factories import make_agent, make_service, make_user

from .factories import OUTSIDE, REPUBLIQUE, make_question, make_report, make_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaf(paris):
    return make_tree(service=make_service())[2]


def auth(user):
    _t, key = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_categories_and_list(client, leaf):
    make_question(category=leaf, code="v", kind="text")
    cats = client.get("/api/reports/categories").json()
    assert [c for c in cats if c["code"] == leaf.code][0]["questions"][0]["code"] == "v"
    report = make_report(category=leaf)
    data = client.get("/api/reports/reports?status=open").json()
    assert data["count"] == 1
    assert data["results"][0]["service_request_id"] == str(report.pk)
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
    assert [d["id"] for d in dups.json()] == [report.pk]
    assert client.get("/api/reports/map?bbox=2.2,48.8,2.5,48.95").json()["features"][0]["id"] == report.pk
    assert client.get("/api/reports/map").status_code == 400
    assert client.get("/api/reports/stats", **auth(make_user())).status_code == 403
    rows = client.get("/api/reports/stats", **auth(make_agent())).json()
    assert rows[0]["total"] == 1
