"""One API shape for every module (decision 0141): every operation declares in OpenAPI the error statuses it
can return, lists are paginated by ninja's limit/offset, missing or bad credentials answer 401, every write
is rate limited, hidden content answers 404; and real responses only use declared statuses."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from parvis.core.api_schema import MAX_LIMIT
from parvis.core.tokens import token_create
from tests.factories import make_service

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema():
    import json

    from parvis.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))  # as served: status keys are text


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_every_operation_declares_its_errors(schema):
    missing = []
    for path, method, op in operations(schema):
        declared = set(op["responses"])
        expected = set()
        if op.get("security"):
            expected |= {"401", "403"}
        parsed = [
            p for p in op.get("parameters", []) if p["in"] != "path" or p["schema"].get("type") != "string"
        ]
        if op.get("requestBody") or parsed:  # a text path parameter cannot be malformed
            expected.add("422")
        if method in WRITES:
            expected |= {"401", "403", "422", "429"}
        if expected - declared:
            missing.append(f"{method.upper()} {path}: {sorted(expected - declared)}")
    assert not missing, "\n".join(missing)


def test_every_error_has_the_one_error_schema(schema):
    wrong = []
    for path, method, op in operations(schema):
        for status, response in op["responses"].items():
            if status.startswith("4"):
                ref = response["content"]["application/json"]["schema"].get("$ref", "")
                if not ref.endswith("/ErrorOut"):
                    wrong.append(f"{method.upper()} {path} {status}: {ref}")
    assert not wrong, "\n".join(wrong)
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]


def _resolve(schema, node):
    ref = node.get("$ref")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else node


def test_every_list_is_paginated_the_same_way(schema):
    lists = []
    for path, method, op in operations(schema):
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if not ok:
            continue
        body = _resolve(schema, ok["schema"])
        assert body.get("type") != "array", f"{method.upper()} {path} answers a bare list"
        if set(body.get("properties", {})) == {"items", "count"}:
            params = {p["name"]: p for p in op.get("parameters", [])}
            assert params["limit"]["schema"]["maximum"] == MAX_LIMIT, path
            assert params["offset"]["schema"]["minimum"] == 0, path
            assert "page" not in params, path
            lists.append(path)
    for path in (
        "/api/ideas/consultations",
        "/api/ideas/consultations/{slug}/ideas",
        "/api/ideas/ideas/{idea_id}/comments",
        "/api/budget/campaigns",
        "/api/budget/campaigns/{slug}/projects",
        "/api/budget/campaigns/{slug}/results",
        "/api/reports/categories",
        "/api/reports/reports",
        "/api/reports/duplicates",
        "/api/account/notifications",
    ):
        assert path in lists


# --- Real responses against the declared statuses ---------------------------------------------------


def declared_statuses(schema, method: str, url: str) -> set[str]:
    path = url.split("?", 1)[0]
    for template, item in schema["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and method in item:
            return set(item[method]["responses"])
    raise AssertionError(f"no operation for {method.upper()} {path}")


@pytest.fixture
def world(paris):
    from tests.budget.factories import make_campaign, make_envelope, make_project, make_voter
    from tests.ideas.factories import make_consultation, make_idea
    from tests.reports.factories import make_report, make_tree

    consultation = make_consultation(slug="contrat")
    idea = make_idea(consultation=consultation)
    hidden_idea = make_idea(consultation=consultation)
    campaign = make_campaign(open_phase="vote", slug="bp-contrat")
    envelope = make_envelope(campaign, slug="paris")
    project = make_project(envelope, cost=1000)
    hidden_project = make_project(envelope, cost=1000)
    leaf = make_tree(service=make_service())[2]
    report = make_report(category=leaf)
    hidden_report = make_report(category=leaf)
    now = timezone.now()
    for obj in (hidden_idea, hidden_project, hidden_report):
        type(obj).objects.filter(pk=obj.pk).update(hidden_at=now, hidden_reason="Propos injurieux")
    user = make_voter()
    _t, key = token_create(user=user, name="contrat")
    return {
        "idea": idea,
        "hidden_idea": hidden_idea,
        "project": project,
        "hidden_project": hidden_project,
        "report": report,
        "hidden_report": hidden_report,
        "leaf": leaf,
        "user": user,
        "bearer": {"HTTP_AUTHORIZATION": f"Bearer {key}"},
    }


def _check(schema, response, method, url, expected):
    assert response.status_code == expected, (method, url, response.status_code, response.content[:300])
    assert str(expected) in declared_statuses(schema, method, url), f"{method.upper()} {url} {expected}"
    if expected >= 400:
        assert response.json()["detail"]


def _writes(w):
    return [
        ("post", "/api/ideas/consultations/contrat/ideas", {"title": "Une idée", "body": "Une idée longue"}),
        ("post", f"/api/ideas/ideas/{w['idea'].pk}/comments", {"body": "Bien"}),
        ("put", f"/api/ideas/ideas/{w['idea'].pk}/support", None),
        ("delete", f"/api/ideas/ideas/{w['idea'].pk}/follow", None),
        ("post", "/api/budget/campaigns/bp-contrat/envelopes/paris/ballot", {"choices": [w["project"].pk]}),
        ("post", "/api/reports/reports", {"category": w["leaf"].code, "lat": 48.8675, "lon": 2.3637}),
        ("post", f"/api/reports/reports/{w['report'].pk}/follow", None),
        ("post", "/api/account/tokens", {"name": "x"}),
    ]


def _send(client, method, url, body, **extra):
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


def test_anonymous_and_bad_token_writes_answer_401_with_csrf_checks_on(schema, world):
    """A browser-like client (CSRF enforced): no credentials or a bad token is 401, not 403 "CSRF"."""
    client = Client(enforce_csrf_checks=True)
    for method, url, body in _writes(world):
        _check(schema, _send(client, method, url, body), method, url, 401)
        response = _send(client, method, url, body, HTTP_AUTHORIZATION="Bearer pvs_wrong")
        _check(schema, response, method, url, 401)


def test_signed_in_session_without_csrf_token_is_403_in_french(schema, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["user"])
    method, url, body = "post", "/api/account/tokens", {"name": "x"}
    response = _send(client, method, url, body)
    _check(schema, response, method, url, 403)
    assert "CSRF" in response.json()["detail"]
    assert "rechargez la page" in response.json()["detail"]


def test_hidden_content_is_404_in_every_api(schema, client, world):
    for url in (
        f"/api/ideas/ideas/{world['hidden_idea'].pk}",
        f"/api/ideas/ideas/{world['hidden_idea'].pk}/comments",
        f"/api/budget/projects/{world['hidden_project'].pk}",
        f"/api/reports/reports/{world['hidden_report'].pk}",
    ):
        _check(schema, client.get(url), "get", url, 404)
    url = f"/api/reports/reports/{world['hidden_report'].pk}/follow"
    _check(schema, client.post(url, **world["bearer"]), "post", url, 404)
    visible = client.get("/api/budget/campaigns/bp-contrat/projects").json()
    assert [p["id"] for p in visible["items"]] == [world["project"].pk]
    assert visible["count"] == 1


def test_sample_of_calls_uses_declared_statuses(schema, client, world):
    bearer = world["bearer"]
    calls = [
        ("get", "/api/ideas/consultations", 200),
        ("get", "/api/ideas/consultations/nope", 404),
        ("get", "/api/ideas/consultations/contrat/ideas?limit=1&offset=0", 200),
        ("get", f"/api/ideas/consultations/contrat/ideas?limit={MAX_LIMIT + 1}", 422),
        ("get", "/api/ideas/consultations/contrat/ideas?offset=-1", 422),
        ("get", f"/api/ideas/consultations/contrat/ideas?offset={2**63}", 422),
        ("get", "/api/ideas/ideas/abc", 422),
        ("get", "/api/ideas/ideas/999999", 404),
        ("get", "/api/budget/campaigns", 200),
        ("get", "/api/budget/campaigns/bp-contrat/projects?limit=0", 422),
        ("get", "/api/budget/campaigns/bp-contrat/projects?envelope=nope", 404),
        ("get", "/api/budget/campaigns/bp-contrat/results", 200),
        ("get", "/api/reports/reports?status=bogus", 400),
        ("get", "/api/reports/reports?limit=2", 200),
        ("get", "/api/reports/reports/999999", 404),
        ("get", "/api/reports/categories", 200),
        ("get", "/api/reports/duplicates?category=nope&lat=48.86&lon=2.36", 400),
        ("get", "/api/reports/map", 400),
        ("get", "/api/territories/locate?lat=x&lon=2", 400),
        ("get", "/api/account/me", 401),
        ("get", "/api/account/notifications", 401),
        ("get", "/api/reports/stats", 401),
    ]
    for method, url, expected in calls:
        _check(schema, getattr(client, method)(url), method, url, expected)
    authed = [
        ("get", "/api/account/notifications", None, 200),
        ("get", "/api/reports/stats", None, 403),
        ("post", "/api/ideas/consultations/contrat/ideas", {"title": 3}, 422),
        ("post", "/api/ideas/consultations/contrat/ideas", {"title": "x", "body": "y"}, 400),
        ("post", "/api/ideas/consultations/nope/ideas", {"title": "Une idée", "body": "Assez longue"}, 404),
        ("post", "/api/budget/campaigns/bp-contrat/envelopes/paris/ballot", {"choices": "x"}, 422),
        ("post", "/api/budget/campaigns/bp-contrat/envelopes/paris/ballot", {"choices": [10**6]}, 400),
        ("post", f"/api/reports/reports/{world['report'].pk}/status", None, 422),
        ("post", "/api/account/tokens", {"name": " "}, 400),
        ("delete", "/api/account/tokens/999999", None, 403),
    ]
    for method, url, body, expected in authed:
        _check(schema, _send(client, method, url, body, **bearer), method, url, expected)


@pytest.mark.ratelimit
def test_every_write_is_rate_limited_with_a_declared_429(schema, client, world, settings):
    settings.PARVIS_RATE_LIMITS = {
        **settings.PARVIS_RATE_LIMITS,
        "write": "1/60",
        "ideas.idea": "1/60",
        "ideas.comment": "1/60",
    }
    from django.core.cache import cache

    from parvis.core.models import RateCounter

    for method, url, body in _writes(world):
        cache.clear()  # each operation starts with a fresh window, wherever the counters are kept
        RateCounter.objects.all().delete()
        first = _send(client, method, url, body, **world["bearer"])
        assert first.status_code < 500, (url, first.content)
        response = _send(client, method, url, body, **world["bearer"])
        _check(schema, response, method, url, 429)
        assert int(response["Retry-After"]) > 0


def test_hidden_content_pages_answer_410_with_the_public_reason(client, world):
    """Pages say that the content was hidden and why, with one status in every module (decision 0141)."""
    for obj in (world["hidden_idea"], world["hidden_project"], world["hidden_report"]):
        url = obj.get_absolute_url()
        response = client.get(url)
        assert response.status_code == 410, url
        page = response.content.decode()
        assert "Propos injurieux" in page
        assert "masqué" in page
    from tests.factories import make_moderator

    client.force_login(make_moderator())
    assert client.get(world["hidden_report"].get_absolute_url()).status_code == 200


@pytest.mark.ratelimit
def test_one_key_for_pages_and_api_of_every_module(client, world, settings):
    """A signed-in person's writes count once per scope whatever the module or the channel (page, API)."""
    from parvis.budget.models import Comment as ProjectComment
    from tests.budget.factories import set_phase

    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "1/60"}
    set_phase(world["project"].campaign, "ideas")
    client.force_login(world["user"])
    assert client.post("/api/account/notifications/read").status_code == 200
    response = client.post(
        f"{world['project'].get_absolute_url()}commenter/", {"body": "Un commentaire utile"}, follow=True
    )
    assert "Trop de tentatives" in response.content.decode()
    assert not ProjectComment.objects.exists()
