"""Who may do what with reports: the single place that decides.

A table of action × role or participation level (``RULES``), evaluated by core's permissions contract.
Reports have no phases (a campaign's dates are checked by ``campaigns.ensure_campaign_open``); the
object rule is the service: an agent handles the reports of their services (or those without one),
a city administrator every report. Following, thanking, saying fixed or not, supporting and
commenting are contributions: a confirmed, unblocked account, as in every module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from parvis.core import permissions as core
from parvis.core.permissions import Decision, Role, Rule

from .models import OPEN_STATUSES, Status


class Action:
    BACK_OFFICE = "back_office"
    REPORT_ON_BEHALF = "report_on_behalf"
    MANAGE = "manage"
    PARTICIPATE = "participate"
    MANAGE_CAMPAIGN = "manage_campaign"
    CONFIGURE_CATEGORIES = "configure_categories"


SERVICE_ONLY = _("Seuls les agents du service chargé de ce signalement peuvent le traiter.")


def _in_charge(context) -> str | None:
    report = context.obj
    if report is not None and not core.is_agent_of(context.user, report.service_id, unassigned=True):
        return SERVICE_ONLY
    return None


AGENTS = frozenset({Role.AGENT})

RULES: dict[str, Rule] = {
    Action.BACK_OFFICE: Rule(roles=AGENTS, role_message=core.AGENTS_ONLY),
    Action.REPORT_ON_BEHALF: Rule(roles=AGENTS, role_message=core.AGENTS_ONLY),
    Action.MANAGE: Rule(roles=AGENTS, role_message=SERVICE_ONLY, check=_in_charge),
    Action.PARTICIPATE: Rule(contribution=True),
    Action.MANAGE_CAMPAIGN: Rule(
        roles=AGENTS, role_message=_("Seuls les agents de la ville publient le bilan d'une campagne.")
    ),
    Action.CONFIGURE_CATEGORIES: Rule(
        roles=frozenset({Role.ADMIN}),
        role_message=_(
            "Seuls les administrateurs de la ville peuvent régler les catégories et l'aiguillage."
        ),
    ),
}


def can(user, action: str, report=None) -> Decision:
    return core.evaluate(RULES, user, action, obj=report)


def ensure(user, action: str, report=None) -> None:
    core.ensure(can(user, action, report))


def can_use_back_office(user) -> bool:
    return bool(can(user, Action.BACK_OFFICE))


def ensure_back_office(user) -> None:
    ensure(user, Action.BACK_OFFICE)


def can_manage(user, report) -> bool:
    """Agents of the report's service (or of any service when it has none) and city admins."""
    return bool(can(user, Action.MANAGE, report))


def ensure_can_manage(user, report) -> None:
    ensure(user, Action.MANAGE, report)


def ensure_can_participate(user) -> None:
    """Follow, thank, say fixed/not fixed, support, comment: a confirmed, unblocked account."""
    ensure(user, Action.PARTICIPATE)


def can_manage_campaign(user) -> bool:
    return bool(can(user, Action.MANAGE_CAMPAIGN))


def ensure_can_manage_campaign(user) -> None:
    ensure(user, Action.MANAGE_CAMPAIGN)


def can_configure_categories(user) -> bool:
    """Category settings and routing rules: city administrators only (agents handle, admins configure)."""
    return bool(can(user, Action.CONFIGURE_CATEGORIES))


def ensure_can_configure_categories(user) -> None:
    ensure(user, Action.CONFIGURE_CATEGORIES)


def can_see(user, report) -> bool:
    """Public once confirmed and not hidden; its author, the agents in charge and moderators see it before."""
    if report.is_public:
        return True
    if core.is_anonymous(user):
        return False
    return report.author_id == user.pk or can_manage(user, report) or core.is_moderator(user)


def can_be_assigned(agent, report) -> bool:
    """Whom a report may be assigned to: an agent of its service (any agent when it has none)."""
    if not core.is_agent(agent):
        return False
    return report.service_id is None or report.service_id in core.service_ids(agent)


def sees_every_service(user) -> bool:
    """City administrators filter the agents' queue by any service; agents by theirs."""
    return core.is_city_admin(user)


@dataclass(frozen=True)
class Feedback:
    """What a report's author (or any resident, on the public page) may say about it now."""

    fixed: bool
    not_fixed: bool


def feedback_open(report) -> Feedback:
    """"It is fixed" while the report is open; "it is not fixed" (reopening) once it is done."""
    public = report.is_public
    return Feedback(
        fixed=public and report.status in OPEN_STATUSES, not_fixed=public and report.status == Status.DONE
    )
