"""Who may do what with citizen cards: the module's table on core's permissions contract."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from parvis.core import permissions as core
from parvis.core.permissions import Level, Role, Rule


class Action:
    CARD_REQUEST = "card_request"
    CARD_DESK = "card_desk"
    CARD_MANAGE = "card_manage"
    CARD_CHECK = "card_check"


AGENTS_ONLY = _("Seuls les agents de la ville traitent les cartes citoyennes.")

RULES: dict[str, Rule] = {
    # Asking for one's own card or a child's: an account with a confirmed e-mail (not a contribution).
    Action.CARD_REQUEST: Rule(level=Level.EMAIL_CONFIRMED),
    # At a town-hall desk, an agent makes and activates the card of the person in front of them.
    Action.CARD_DESK: Rule(roles=frozenset({Role.AGENT}), role_message=AGENTS_ONLY),
    # Check the proof of residence, activate, renew, suspend, revoke.
    Action.CARD_MANAGE: Rule(roles=frozenset({Role.AGENT}), role_message=AGENTS_ONLY),
    # Anyone may check whether a number is valid (the API answers only valid or not).
    Action.CARD_CHECK: Rule(level=Level.ANONYMOUS),
}


def can(user, action: str, obj=None) -> core.Decision:
    return core.evaluate(RULES, user, action, obj=obj)


def ensure(user, action: str, obj=None) -> None:
    core.ensure(can(user, action, obj))
