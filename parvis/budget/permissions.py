"""Who may do what in a campaign, in which phase: the single place that decides.

A table of action × role or participation level × phase (``RULES``), evaluated by core's permissions
contract; object rules (only the author edits their idea, a reviewer reviews only what is assigned to
their service) come on top. Contributions need a confirmed e-mail address like everywhere else, and the
vote the campaign's eligibility (``Campaign.eligibility_checks`` and ``min_age``, names in core's
eligibility registry).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parvis.core import permissions as core
from parvis.core.permissions import CONFIGURED, Decision, Role, Rule

from .models import PhaseKind

IDEAS, COCONSTRUCTION, REVIEW, VOTE, RESULTS, FOLLOWUP = (k.value for k in PhaseKind)
#: No phase open (before the campaign, between two phases, after the last one).
CLOSED = "closed"
PHASES = (CLOSED, IDEAS, COCONSTRUCTION, REVIEW, VOTE, RESULTS, FOLLOWUP)
ANY_PHASE = None


class Action:
    PROPOSE = "propose"
    PROPOSE_ASSISTED = "propose_assisted"
    EDIT = "edit"
    COMMENT = "comment"
    SUPPORT = "support"
    ASSIGN_SERVICE = "assign_service"
    MERGE = "merge"
    REVIEW = "review"
    REVIEW_QUEUE = "review_queue"
    PUBLISH_REVIEWS = "publish_reviews"
    VOTE = "vote"
    ENTER_PAPER = "enter_paper"
    COMPUTE_RESULTS = "compute_results"
    OVERRIDE = "override"
    FOLLOWUP = "followup"
    SEE_HIDDEN = "see_hidden"


def _author_edits(context) -> str | None:
    project = context.obj
    if project is None:
        return None
    if project.author_id != context.user.pk and not core.is_city_admin(context.user):
        return _("Seul l'auteur de l'idée peut la modifier.")
    if project.status != "submitted":
        return _("Cette idée ne peut plus être modifiée : elle a déjà été étudiée.")
    return None


def _live_project(context) -> str | None:
    if context.obj is not None and context.obj.status in {"merged", "split", "withdrawn"}:
        return _(
            "Cette idée a été fusionnée, scindée ou retirée : "
            "soutenez ou commentez le projet qui la remplace."
        )
    return None


def _assigned_service(context) -> str | None:
    if context.obj is not None and not core.is_agent_of(context.user, context.obj.service_id):
        return _("Ce projet n'est pas confié à votre service.")
    return None


def _phases(*kinds) -> frozenset:
    return frozenset(kinds)


PROPOSALS_CLOSED = _("Le dépôt des idées n'est pas ouvert.")
AGENTS = frozenset({Role.AGENT})
ADMINS = frozenset({Role.ADMIN})

RULES: dict[str, Rule] = {
    Action.PROPOSE: Rule(phases=_phases(IDEAS), contribution=True, phase_message=PROPOSALS_CLOSED),
    Action.PROPOSE_ASSISTED: Rule(
        roles=frozenset({Role.MEDIATOR}),
        phases=_phases(IDEAS),
        contribution=True,
        phase_message=PROPOSALS_CLOSED,
        role_message=core.MEDIATORS_ONLY,
    ),
    Action.EDIT: Rule(
        phases=_phases(IDEAS, COCONSTRUCTION),
        contribution=True,
        check=_author_edits,
        phase_message=_("Les idées ne peuvent plus être modifiées à cette étape de la campagne."),
    ),
    Action.COMMENT: Rule(
        phases=_phases(IDEAS, COCONSTRUCTION),
        contribution=True,
        check=_live_project,
        phase_message=_("Les commentaires sont fermés à cette étape de la campagne."),
    ),
    Action.SUPPORT: Rule(
        phases=_phases(COCONSTRUCTION),
        contribution=True,
        check=_live_project,
        phase_message=_("Les soutiens ne sont ouverts que pendant la co-construction."),
    ),
    Action.ASSIGN_SERVICE: Rule(roles=ADMINS, phases=_phases(IDEAS, COCONSTRUCTION, REVIEW)),
    Action.MERGE: Rule(roles=AGENTS, phases=_phases(COCONSTRUCTION, REVIEW)),
    Action.REVIEW: Rule(roles=AGENTS, phases=_phases(REVIEW), check=_assigned_service),
    Action.REVIEW_QUEUE: Rule(roles=AGENTS, phases=ANY_PHASE, role_message=core.AGENTS_ONLY),
    Action.PUBLISH_REVIEWS: Rule(roles=ADMINS, phases=_phases(REVIEW, VOTE)),
    Action.VOTE: Rule(
        phases=_phases(VOTE),
        contribution=True,
        eligibility=("min_age", CONFIGURED),
        phase_message=_("Le vote n'est pas ouvert."),
    ),
    Action.ENTER_PAPER: Rule(
        roles=AGENTS,
        phases=_phases(VOTE, RESULTS),
        phase_message=_("La saisie des bulletins papier n'est pas ouverte."),
    ),
    Action.COMPUTE_RESULTS: Rule(roles=ADMINS, phases=_phases(RESULTS, FOLLOWUP)),
    Action.OVERRIDE: Rule(roles=ADMINS, phases=_phases(RESULTS)),
    Action.FOLLOWUP: Rule(roles=AGENTS, phases=_phases(RESULTS, FOLLOWUP)),
    Action.SEE_HIDDEN: Rule(roles=frozenset({Role.MODERATOR}), phases=ANY_PHASE),
}
ACTIONS = tuple(RULES)


def current_phase(campaign, now=None) -> str:
    """The kind of the campaign's open phase, or ``CLOSED``. Uses prefetched phases when present."""
    now = now or timezone.now()
    for phase in campaign.phases.all():
        if phase.is_open(now):
            return phase.kind
    return CLOSED


def can(user, action: str, campaign, *, obj=None, now=None) -> Decision:
    """May ``user`` do ``action`` in ``campaign`` (on ``obj``, a project) now? With the reason if not."""
    phase = current_phase(campaign, now) if RULES[action].phases is not ANY_PHASE else None
    return core.evaluate(RULES, user, action, scope=campaign, obj=obj, phase=phase, now=now)


def ensure(user, action: str, campaign, *, obj=None, now=None) -> None:
    """Raise ``PermissionDenied`` (core's ``Refused``) with a French message saying why, or return."""
    core.ensure(can(user, action, campaign, obj=obj, now=now))


def vote_problems(user, campaign) -> list[str]:
    """What a signed-in person must fix before voting, whatever the phase (shown on the vote page)."""
    if core.is_anonymous(user):
        return []
    problem = core.contribution_problem(user, action=Action.VOTE, scope=campaign)
    eligibility = core.eligibility_problems(user, campaign, RULES[Action.VOTE].eligibility)
    return ([problem] if problem else []) + eligibility


def reviews_every_service(user) -> bool:
    """City administrators see every project to review; agents only those of their services."""
    return core.is_city_admin(user)
