"""GET /api/cards/{number}/check: valid or not, nothing else; 400 for a malformed number; rate limited."""

import pytest
from django.core.cache import cache

from parvis.core.models import TerritoryLevel
from parvis.workshops import services
from tests.factories import make_agent, make_territory, make_user
from tests.workshops.test_cards import holder

pytestmark = pytest.mark.django_db


@pytest.fixture
def card():
    return services.card_create_at_desk(
        agent=make_agent(),
        account=make_user(),
        proof="Facture",
        **holder(make_territory(level=TerritoryLevel.DISTRICT)),
    )


def test_a_valid_card_says_valid_and_nothing_else(client, card):
    response = client.get(f"/api/cards/{card.number}/check")
    assert response.status_code == 200
    assert response.json() == {"valid": True}


def test_a_revoked_or_unknown_card_says_not_valid(client, card):
    services.card_revoke(agent=make_agent(), card=card, reason="Perdue")
    assert client.get(f"/api/cards/{card.number}/check").json() == {"valid": False}
    from parvis.workshops import cards

    assert client.get(f"/api/cards/{cards.new_number()}/check").json() == {"valid": False}


@pytest.mark.parametrize("typed", ["1234", "abcdefghijkl", "1234567890123", "1234-5678"])
def test_malformed_numbers_answer_400_with_a_message(client, typed):
    response = client.get(f"/api/cards/{typed}/check")
    assert response.status_code == 400
    assert "mal formé" in response.json()["detail"]


def test_a_wrong_check_digit_answers_400(client, card):
    wrong = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    response = client.get(f"/api/cards/{wrong}/check")
    assert response.status_code == 400
    assert "clé de contrôle" in response.json()["detail"]


def test_the_operation_is_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/cards/{number}/check"]["get"]
    assert {"200", "400", "429"} <= set(operation["responses"])


@pytest.mark.ratelimit
def test_checks_are_rate_limited(client, card, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "cards.check": "3/60"}
    cache.clear()
    statuses = [client.get(f"/api/cards/{card.number}/check").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_a_number_too_large_to_be_one_is_refused_by_the_input_layer(client):
    response = client.get("/api/cards/12345678901234567890/check")
    assert response.status_code == 422
    assert "nombre trop grand" in response.json()["detail"]
