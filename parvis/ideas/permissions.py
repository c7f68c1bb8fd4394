"""Who may do what on a consultation, in which phase: the single place that decides.

A table of action × role or participation level × phase (``RULES``), evaluated by core's permissions
contract. Views, the API and services ask ``can(...)`` (to show or hide a button with its reason) or
``ensure(...)`` (raises core's ``Refused``, a ``PermissionDenied`` with a French message and a status).
Contributions need a confirmed e-mail address and the consultation's eligibility (minimum age,
residence in the consultation's area), both from core's registries.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parvis.core import permissions as core
from parvis.core.permissions import Level, Role, Rule

from .models import Consultation, Idea, Phase


class Action:
    PROPOSE = "propose"
    PROPOSE_ASSISTED = "propose_assisted"
    EDIT = "edit"
    COMMENT = "comment"
    SUPPORT = "support"
    FOLLOW = "follow"
    ANSWER = "answer"
    MODERATE = "moderate"
    STATEMENT = "statement"
    VOTE = "vote"

    ALL = (PROPOSE, PROPOSE_ASSISTED, EDIT, COMMENT, SUPPORT, FOLLOW, ANSWER, MODERATE, STATEMENT, VOTE)


def _phase_message(context) -> str:
    if context.phase == Phase.UPCOMING:
        return _("La consultation n'est pas encore ouverte.")
    if context.action in {Action.PROPOSE, Action.PROPOSE_ASSISTED}:
        return _("Le dépôt des idées est terminé.")
    if context.action == Action.EDIT:
        return _("Les idées ne peuvent plus être modifiées : la discussion est terminée.")
    return _("La discussion est terminée.")


def _author_edits(context) -> str | None:
    if context.obj is None or context.obj.author_id != context.user.pk:
        return _("Seule la personne qui a déposé cette idée peut la modifier.")
    return None


def _support_open(context) -> str | None:
    idea = context.obj
    if idea is not None and idea.threshold_deadline is not None and context.now >= idea.threshold_deadline:
        return _("Le délai pour soutenir cette idée est écoulé.")
    return None


def _opinion_map(context) -> str | None:
    if not context.scope.opinion_map_enabled:
        return _("Cette consultation n'a pas de carte des opinions.")
    return None


OPEN = frozenset({Phase.IDEAS, Phase.DISCUSSION})
AFTER_START = frozenset({Phase.IDEAS, Phase.DISCUSSION, Phase.CLOSED, Phase.ANSWER})
ELIGIBILITY = ("min_age", "territory")


def _contribution(phases, **rule) -> Rule:
    return Rule(phases=phases, contribution=True, phase_message=_phase_message, **rule)


RULES: dict[str, Rule] = {
    Action.PROPOSE: _contribution(frozenset({Phase.IDEAS}), eligibility=ELIGIBILITY),
    Action.PROPOSE_ASSISTED: _contribution(
        frozenset({Phase.IDEAS}),
        roles=frozenset({Role.MEDIATOR}),
        role_message=core.MEDIATORS_ONLY,
    ),
    Action.EDIT: _contribution(OPEN, check=_author_edits),
    Action.COMMENT: _contribution(OPEN, eligibility=ELIGIBILITY),
    Action.SUPPORT: _contribution(OPEN, eligibility=ELIGIBILITY, check=_support_open),
    Action.STATEMENT: _contribution(OPEN, eligibility=ELIGIBILITY, check=_opinion_map),
    Action.VOTE: _contribution(OPEN, eligibility=ELIGIBILITY, check=_opinion_map),
    Action.FOLLOW: Rule(level=Level.REGISTERED, phases=AFTER_START, phase_message=_phase_message),
    Action.ANSWER: Rule(
        roles=frozenset({Role.AGENT}),
        phases=AFTER_START,
        phase_message=_phase_message,
        role_message=gettext_lazy("Seuls les agents de la ville peuvent répondre."),
    ),
    Action.MODERATE: Rule(roles=frozenset({Role.MODERATOR}), role_message=core.MODERATORS_ONLY),
}


def can(user, action: str, consultation: Consultation | None = None, idea: Idea | None = None, *, now=None):
    """May ``user`` do ``action`` in ``consultation`` (on ``idea``) now? A ``Decision`` with the reason.
    Actions open in every phase (moderation) need no consultation."""
    rule = RULES[action]
    phase = consultation.phase_at(now) if rule.phases is not None else None
    return core.evaluate(RULES, user, action, scope=consultation, obj=idea, phase=phase, now=now)


def ensure(user, action: str, consultation: Consultation | None = None, idea: Idea | None = None) -> None:
    core.ensure(can(user, action, consultation, idea))


def missing_profile_field(user, consultation: Consultation) -> str | None:
    """The account's profile field this consultation needs and the person has not filled in, or None:
    pages link to it (``/compte/#id_<field>``) beside the reason ``can`` gives."""
    return core.missing_profile_field(user, consultation, ELIGIBILITY)


def sees_pending(user) -> bool:
    """Moderators see contributions awaiting moderation everywhere; others only their own."""
    return bool(can(user, Action.MODERATE))


def proposes_for_others(user) -> bool:
    """Mediators get the fields to submit an idea for someone met in person (the phase is for ``can``)."""
    return core.is_mediator(user)


def sees_answer_queue(user) -> bool:
    """The list of ideas waiting for the city's answer, for agents."""
    return core.is_agent(user)


def can_see_idea(user, idea: Idea) -> bool:
    """Pending or rejected ideas are seen by their author and moderators; hidden ones show their reason."""
    if idea.status == "published":
        return True
    if core.is_anonymous(user):
        return False
    return core.is_moderator(user) or idea.author_id == user.pk

