"""Who may vote: one check per rule, chosen per campaign (as Decidim's authorizations).

A campaign lists the names of its checks in ``Campaign.eligibility_checks``. Each check returns
``None`` when the person passes, or a French message saying what to do. A later module (the verified
citizen card) registers its own check with ``register``; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

Check = Callable[[object, object], "str | None"]
CHECKS: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    CHECKS[name] = check


def _resident(user, campaign) -> str | None:
    """Declared address in the city: a district or neighbourhood set on the account."""
    if user.home_district_id or user.home_neighbourhood_id:
        return None
    return _("Pour voter, indiquez votre adresse dans la ville dans « Mon compte ».")


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _min_age(user, campaign) -> str | None:
    if not campaign.min_age:
        return None
    if user.birth_date is None:
        return _(
            "Pour voter, indiquez votre date de naissance dans « Mon compte » (âge minimum : %(age)s ans)."
        ) % {"age": campaign.min_age}
    if _age(user.birth_date, timezone.localdate()) < campaign.min_age:
        return _("Ce vote est ouvert à partir de %(age)s ans.") % {"age": campaign.min_age}
    return None


register("resident", _resident)
register("min_age", _min_age)


def eligibility_problems(user, campaign) -> list[str]:
    """Messages for every check the person fails (empty: they may vote). Unknown names fail closed."""
    problems = []
    names = list(campaign.eligibility_checks or [])
    if campaign.min_age and "min_age" not in names:
        names.append("min_age")
    for name in names:
        check = CHECKS.get(name)
        if check is None:
            problems.append(_("Condition de vote inconnue : %(name)s.") % {"name": name})
            continue
        message = check(user, campaign)
        if message:
            problems.append(message)
    return problems
