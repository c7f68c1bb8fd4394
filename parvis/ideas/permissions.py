"""Who may do what on a consultation, in which phase: the single place that decides.

Views, the API and services ask ``can(...)`` (to show or hide a button with its reason) or
``ensure(...)`` (raises ``PermissionDenied`` with a French message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from .models import Consultation, Idea, Participation, Phase, ScopeKind


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


#: The phases in which each action is open (besides who may do it).
OPEN_PHASES = {
    Action.PROPOSE: {Phase.IDEAS},
    Action.PROPOSE_ASSISTED: {Phase.IDEAS},
    Action.EDIT: {Phase.IDEAS, Phase.DISCUSSION},
    Action.COMMENT: {Phase.IDEAS, Phase.DISCUSSION},
    Action.SUPPORT: {Phase.IDEAS, Phase.DISCUSSION},
    Action.FOLLOW: {Phase.IDEAS, Phase.DISCUSSION, Phase.CLOSED, Phase.ANSWER},
    Action.ANSWER: {Phase.IDEAS, Phase.DISCUSSION, Phase.CLOSED, Phase.ANSWER},
    Action.MODERATE: set(Phase.values),
    Action.STATEMENT: {Phase.IDEAS, Phase.DISCUSSION},
    Action.VOTE: {Phase.IDEAS, Phase.DISCUSSION},
}

#: Actions that are contributions: they need a confirmed e-mail and the consultation's eligibility.
CONTRIBUTIONS = {Action.PROPOSE, Action.COMMENT, Action.SUPPORT, Action.STATEMENT, Action.VOTE}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


ALLOW = Decision(True)


def _phase_message(action: str, phase: str) -> str:
    if phase == Phase.UPCOMING:
        return _("La consultation n'est pas encore ouverte.")
    if action in {Action.PROPOSE, Action.PROPOSE_ASSISTED}:
        return _("Le dépôt des idées est terminé.")
    if action == Action.EDIT:
        return _("Les idées ne peuvent plus être modifiées : la discussion est terminée.")
    return _("La discussion est terminée.")


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def missing_profile_field(user, consultation: Consultation) -> str | None:
    """The account's profile field this consultation needs and the person has not filled in, or None.

    Pages link to that field (``/compte/#id_<field>``) beside the reason ``eligibility_problem`` gives.
    """
    if user is None or not user.is_authenticated:
        return None
    if consultation.min_age and user.birth_date is None:
        return "birth_date"
    if consultation.participation == Participation.RESIDENTS and consultation.scope_kind != ScopeKind.CITY:
        if consultation.scope_kind == ScopeKind.PERIMETER:
            declared = user.home_lat is not None
        else:
            declared = user.home_neighbourhood_id is not None or user.home_district_id is not None
        if not declared:
            return "home_address"
    return None


def eligibility_problem(user, consultation: Consultation) -> str | None:
    """Why this person may not take part in this consultation, or None."""
    if consultation.min_age:
        if user.birth_date is None:
            return _(
                "Cette consultation est ouverte à partir de %(age)d ans : indiquez votre date de naissance "
                "dans votre compte."
            ) % {"age": consultation.min_age}
        if age_on(user.birth_date, timezone.localdate()) < consultation.min_age:
            return _("Cette consultation est ouverte à partir de %(age)d ans.") % {
                "age": consultation.min_age
            }
    if consultation.participation == Participation.RESIDENTS and consultation.scope_kind != ScopeKind.CITY:
        if not lives_in_scope(user, consultation):
            return _(
                "Cette consultation est réservée aux habitant·es du périmètre concerné : indiquez votre "
                "quartier dans votre compte."
            )
    return None


def lives_in_scope(user, consultation: Consultation) -> bool:
    if consultation.scope_kind == ScopeKind.PERIMETER:
        if user.home_lat is None or user.home_lon is None:
            return False
        return shape(consultation.perimeter).contains(Point(user.home_lon, user.home_lat))
    ids = {t.pk for t in consultation.territories.all()}
    home = {user.home_neighbourhood_id, user.home_district_id} - {None}
    if home & ids:
        return True
    neighbourhood = user.home_neighbourhood
    return neighbourhood is not None and neighbourhood.parent_id in ids


def can(user, action: str, consultation: Consultation, idea: Idea | None = None, *, now=None) -> Decision:
    phase = consultation.phase_at(now)
    if user is None or not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour participer."))
    if user.is_blocked or user.deleted_at:
        return Decision(False, _("Votre compte est bloqué : vous ne pouvez plus contribuer."))
    if action == Action.MODERATE:
        return ALLOW if user.is_moderator else Decision(False, _("Réservé aux modérateurs."))
    if phase not in OPEN_PHASES[action]:
        return Decision(False, _phase_message(action, phase))
    if action == Action.ANSWER:
        return (
            ALLOW if user.is_agent else Decision(False, _("Seuls les agents de la ville peuvent répondre."))
        )
    if action == Action.FOLLOW:
        return ALLOW
    if not user.email_confirmed:
        return Decision(
            False,
            _(
                "Confirmez votre adresse e-mail (lien reçu à l'inscription) avant votre "
                "première contribution."
            ),
        )
    if action == Action.PROPOSE_ASSISTED:
        return (
            ALLOW
            if user.is_mediator
            else Decision(
                False, _("Seuls les médiateur·rices peuvent déposer une idée pour une autre personne.")
            )
        )
    if action == Action.EDIT:
        if idea is None or idea.author_id != user.pk:
            return Decision(False, _("Seule la personne qui a déposé cette idée peut la modifier."))
        return ALLOW
    if action in {Action.STATEMENT, Action.VOTE} and not consultation.opinion_map_enabled:
        return Decision(False, _("Cette consultation n'a pas de carte des opinions."))
    if action == Action.SUPPORT and idea is not None and idea.threshold_deadline is not None:
        if (now or timezone.now()) >= idea.threshold_deadline:
            return Decision(False, _("Le délai pour soutenir cette idée est écoulé."))
    if action in CONTRIBUTIONS:
        problem = eligibility_problem(user, consultation)
        if problem:
            return Decision(False, problem)
    return ALLOW


def ensure(user, action: str, consultation: Consultation, idea: Idea | None = None) -> None:
    decision = can(user, action, consultation, idea)
    if not decision:
        raise PermissionDenied(decision.reason)


def can_see_idea(user, idea: Idea) -> bool:
    """Pending or rejected ideas are seen by their author and moderators; hidden ones show their reason."""
    if idea.status == "published":
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.is_moderator or idea.author_id == user.pk
