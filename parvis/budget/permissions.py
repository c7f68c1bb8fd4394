"""Who may do what in a campaign, in which phase: the single place that decides.

An action is allowed when the person's role is among the action's roles *and* the campaign's open
phase is among the action's phases. Object rules (only the author edits their idea, a reviewer
reviews only what is assigned to their service) come on top. Eligibility to vote (residence, age)
is a separate, pluggable layer: see ``eligibility.py``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import PhaseKind

ANONYMOUS, RESIDENT, MEDIATOR, AGENT, MODERATOR, ADMIN = (
    "anonymous",
    "resident",
    "mediator",
    "agent",
    "moderator",
    "admin",
)
ROLES = (ANONYMOUS, RESIDENT, MEDIATOR, AGENT, MODERATOR, ADMIN)
SIGNED_IN = frozenset({RESIDENT, MEDIATOR, AGENT, MODERATOR, ADMIN})
STAFF = frozenset({AGENT, ADMIN})

IDEAS, COCONSTRUCTION, REVIEW, VOTE, RESULTS, FOLLOWUP = (k.value for k in PhaseKind)
#: No phase open (before the campaign, between two phases, after the last one).
CLOSED = "closed"
PHASES = (CLOSED, IDEAS, COCONSTRUCTION, REVIEW, VOTE, RESULTS, FOLLOWUP)

#: action -> (roles allowed, phases in which it is allowed)
RULES: dict[str, tuple[frozenset, frozenset]] = {
    "propose": (SIGNED_IN, frozenset({IDEAS})),
    "propose_assisted": (frozenset({MEDIATOR, ADMIN}), frozenset({IDEAS})),
    "edit": (SIGNED_IN, frozenset({IDEAS, COCONSTRUCTION})),
    "comment": (SIGNED_IN, frozenset({IDEAS, COCONSTRUCTION})),
    "support": (SIGNED_IN, frozenset({COCONSTRUCTION})),
    "assign_service": (frozenset({ADMIN}), frozenset({IDEAS, COCONSTRUCTION, REVIEW})),
    "merge": (STAFF, frozenset({COCONSTRUCTION, REVIEW})),
    "review": (STAFF, frozenset({REVIEW})),
    "publish_reviews": (frozenset({ADMIN}), frozenset({REVIEW, VOTE})),
    "vote": (SIGNED_IN, frozenset({VOTE})),
    "enter_paper": (STAFF, frozenset({VOTE, RESULTS})),
    "compute_results": (frozenset({ADMIN}), frozenset({RESULTS, FOLLOWUP})),
    "override": (frozenset({ADMIN}), frozenset({RESULTS})),
    "followup": (STAFF, frozenset({RESULTS, FOLLOWUP})),
}
ACTIONS = tuple(RULES)


def role_of(user) -> str:
    """The person's role for this module; blocked or deleted accounts act as anonymous."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_blocked or user.deleted_at:
        return ANONYMOUS
    if user.is_city_admin:
        return ADMIN
    role = user.role
    return role if role in ROLES else RESIDENT


def current_phase(campaign, now=None) -> str:
    """The kind of the campaign's open phase, or ``CLOSED``. Uses prefetched phases when present."""
    now = now or timezone.now()
    for phase in campaign.phases.all():
        if phase.is_open(now):
            return phase.kind
    return CLOSED


def allowed(role: str, phase: str, action: str) -> bool:
    """The matrix itself: role × phase × action."""
    roles, phases = RULES[action]
    return role in roles and phase in phases


def _object_problem(user, action: str, obj) -> str | None:
    if obj is None:
        return None
    if action == "edit":
        if obj.author_id != user.pk and not user.is_city_admin:
            return _("Seul l'auteur de l'idée peut la modifier.")
        if obj.status != "submitted":
            return _("Cette idée ne peut plus être modifiée : elle a déjà été étudiée.")
    if action == "review" and not user.is_city_admin:
        if obj.service_id is None or not user.services.filter(pk=obj.service_id).exists():
            return _("Ce projet n'est pas confié à votre service.")
    if action in {"support", "comment"} and obj.status in {"merged", "split", "withdrawn"}:
        return _(
            "Cette idée a été fusionnée, scindée ou retirée : "
            "soutenez ou commentez le projet qui la remplace."
        )
    return None


PHASE_MESSAGES = {
    "propose": gettext_lazy("Le dépôt des idées n'est pas ouvert."),
    "propose_assisted": gettext_lazy("Le dépôt des idées n'est pas ouvert."),
    "edit": gettext_lazy("Les idées ne peuvent plus être modifiées à cette étape de la campagne."),
    "comment": gettext_lazy("Les commentaires sont fermés à cette étape de la campagne."),
    "support": gettext_lazy("Les soutiens ne sont ouverts que pendant la co-construction."),
    "vote": gettext_lazy("Le vote n'est pas ouvert."),
    "enter_paper": gettext_lazy("La saisie des bulletins papier n'est pas ouverte."),
}


def ensure(user, action: str, campaign, *, obj=None, now=None) -> None:
    """Raise ``PermissionDenied`` with a French message saying why, or return."""
    role = role_of(user)
    phase = current_phase(campaign, now)
    roles, phases = RULES[action]
    if role not in roles:
        if role == ANONYMOUS:
            raise PermissionDenied(_("Connectez-vous pour continuer."))
        raise PermissionDenied(_("Votre rôle ne permet pas cette action."))
    if phase not in phases:
        raise PermissionDenied(
            str(
                PHASE_MESSAGES.get(action, _("Cette action n'est pas possible à cette étape de la campagne."))
            )
        )
    problem = _object_problem(user, action, obj)
    if problem:
        raise PermissionDenied(problem)


def can(user, action: str, campaign, *, obj=None, now=None) -> bool:
    try:
        ensure(user, action, campaign, obj=obj, now=now)
    except PermissionDenied:
        return False
    return True
