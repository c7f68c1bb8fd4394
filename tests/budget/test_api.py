"""The JSON API: read endpoints, ballot submission by token, errors, OpenAPI documentation."""

import pytest

from parvis.budget import services
from parvis.budget.models import Ballot, BallotStyle
from parvis.core.tokens import token_create
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.factories import make_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    campaign = make_campaign(open_phase="vote", slug="bp-api")
    city = make_envelope(
        campaign, slug="paris", amount=300_000, ballot_style=BallotStyle.APPROVAL, max_choices=2
    )
    d = make_envelope(campaign, territory=make_district(), slug="d1", amount=100_000)
    ps = [make_project(city, cost=100_000) for _ in range(3)]
    dp = make_project(d, cost=50_000)
    voter = make_voter()
    _token, key = token_create(user=voter, name="test")
    return {
        "campaign": campaign,
        "city": city,
        "ps": ps,
        "dp": dp,
        "voter": voter,
        "auth": {"HTTP_AUTHORIZATION": f"Bearer {key}"},
    }


def test_campaign_and_projects(client, setup):
    data = client.get("/api/budget/campaigns/bp-api").json()
    assert data["current_phase"] == "vote"
    assert [e["slug"] for e in data["envelopes"]] == ["paris", "d1"]
    assert client.get("/api/budget/campaigns").json()["count"] == 1
    projects = client.get("/api/budget/campaigns/bp-api/projects", {"envelope": "paris"}).json()
    assert len(projects["items"]) == projects["count"] == 3
    assert client.get(f"/api/budget/projects/{setup['ps'][0].pk}").json()["cost"] == 100_000
    assert client.get("/api/budget/campaigns/nope").status_code == 404


def test_ballot_submission_by_token(client, setup):
    url = "/api/budget/campaigns/bp-api/envelopes/paris/ballot"
    ps = setup["ps"]
    r = client.post(url, {"choices": [ps[0].pk]}, content_type="application/json", **setup["auth"])
    assert r.status_code == 201, r.content
    assert r.json()["choices"] == [ps[0].pk]
    r = client.post(url, {"choices": [p.pk for p in ps]}, content_type="application/json", **setup["auth"])
    assert r.status_code == 400
    assert "au plus" in r.json()["detail"]
    r = client.post(url, {"choices": [setup["dp"].pk]}, content_type="application/json", **setup["auth"])
    assert r.status_code == 400
    assert "ne fait pas partie" in r.json()["detail"]
    assert Ballot.objects.get().choices == [ps[0].pk]
    assert client.get(url, **setup["auth"]).json()["choices"] == [ps[0].pk]
    assert client.post(url, {"choices": [ps[0].pk]}, content_type="application/json").status_code == 401


def test_vote_closed_is_403(client, setup):
    set_phase(setup["campaign"], "results")
    r = client.post(
        "/api/budget/campaigns/bp-api/envelopes/paris/ballot",
        {"choices": [setup["ps"][0].pk]},
        content_type="application/json",
        **setup["auth"],
    )
    assert r.status_code == 403
    assert "pas ouvert" in r.json()["detail"]


def test_results(client, setup):
    services.ballot_submit(voter=setup["voter"], envelope=setup["city"], choices=[setup["ps"][1].pk])
    campaign = set_phase(setup["campaign"], "results")
    env = setup["city"]
    env.campaign = campaign
    services.results_compute(actor=make_admin(), envelope=env)
    data = client.get("/api/budget/campaigns/bp-api/results").json()["items"]
    assert data[0]["envelope"] == "paris"
    funded = {p["project_id"] for p in data[0]["projects"] if p["funded"]}
    assert setup["ps"][1].pk in funded
    assert data[0]["pabulib_url"].endswith("paris.pb")


def test_openapi_documents_budget(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/budget/campaigns/{slug}/envelopes/{envelope}/ballot" in schema["paths"]


def test_vote_target_cache_keeps_closing_time(client, setup, settings):
    """With the cache on, a ballot needs no query for the envelope, yet the vote still closes on time."""
    settings.PARVIS_BUDGET_CACHE_SECONDS = 60
    url = "/api/budget/campaigns/bp-api/envelopes/paris/ballot"
    body = {"choices": [setup["ps"][0].pk]}
    assert client.post(url, body, content_type="application/json", **setup["auth"]).status_code == 201
    from datetime import timedelta

    from django.utils import timezone

    phase = setup["campaign"].phases.get(kind="vote")
    # Close the vote by moving the cached phase's end into the past (the cache holds the same dates).
    from parvis.budget import selectors

    env, _costs = selectors.vote_target("bp-api", "paris")
    cached = next(p for p in env.campaign.phases.all() if p.kind == "vote")
    assert cached.pk == phase.pk
    cached.ends_at = timezone.now() - timedelta(seconds=1)
    r = client.post(url, body, content_type="application/json", **setup["auth"])
    assert r.status_code == 403
