"""The citizen card's public check: ``GET /api/cards/{number}/check`` answers valid or not, nothing else.

Why nothing else: a partner (a museum, a sports hall) only needs to know that the card is valid; the
holder's name or status would let anyone who guesses numbers learn who holds a card. Rate limited per
client, and the check digit rejects most guesses before any lookup.
"""

from django.core.exceptions import ValidationError
from ninja import Router, Schema

from parvis.core.api_schema import errors
from parvis.core.ratelimit import check_rate

from . import services
from .permissions import Action, ensure

cards_router = Router(tags=["cartes citoyennes"])


class CardCheckOut(Schema):
    valid: bool


@cards_router.get(
    "/{number}/check",
    response={200: CardCheckOut, **errors(400, 422, 429)},
    summary="Vérifier une carte citoyenne",
    description='`{"valid": true}` pour une carte active et en cours de validité, `false` sinon. '
    "400 pour un numéro mal formé ou dont la clé de contrôle est fausse.",
)
def card_check(request, number: str):
    ensure(request.user, Action.CARD_CHECK)
    check_rate(request, "cards.check")
    problem = services.card_number_problem(number)
    if problem:
        raise ValidationError(problem)
    return {"valid": services.card_is_valid(number)}
