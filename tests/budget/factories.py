"""Factories for the budget tests: a campaign with its phases placed so that one is open now."""

import itertools
from datetime import timedelta

from django.utils import timezone

from parvis.budget.models import (
    PHASE_ORDER,
    BallotStyle,
    Campaign,
    Envelope,
    Feasibility,
    Phase,
    Project,
    Status,
)
from parvis.core.models import Territory, TerritoryLevel
from tests.factories import make_territory, make_user, square

_seq = itertools.count(1)


def set_phase(campaign: Campaign, open_phase: str | None) -> Campaign:
    """Re-date the campaign's phases so that ``open_phase`` is open now (``None``: all in the future)."""
    now = timezone.now()
    campaign.phases.all().delete()
    index = PHASE_ORDER.index(open_phase) if open_phase else -1
    for i, kind in enumerate(PHASE_ORDER):
        offset = (i - index) * 10
        start = now + timedelta(days=offset, hours=-1 if i == index else 0)
        end = None if kind == "followup" else start + timedelta(days=10, hours=1 if i == index else 0)
        if open_phase is None:
            start, end = (
                now + timedelta(days=10 * (i + 1)),
                (now + timedelta(days=10 * (i + 2)) if kind != "followup" else None),
            )
        Phase.objects.create(campaign=campaign, kind=kind, starts_at=start, ends_at=end)
    return Campaign.objects.prefetch_related("phases").get(pk=campaign.pk)


def make_campaign(*, open_phase: str | None = "ideas", **kw) -> Campaign:
    n = next(_seq)
    kw.setdefault("slug", f"bp-{n}")
    kw.setdefault("title", f"Budget participatif {2026 + n}")
    kw.setdefault("eligibility_checks", ["resident"])
    campaign = Campaign.objects.create(**kw)
    return set_phase(campaign, open_phase)


def make_envelope(campaign, *, territory=None, amount=1_000_000, **kw) -> Envelope:
    n = next(_seq)
    kw.setdefault("slug", f"env-{n}")
    kw.setdefault("name", territory.name if territory else "Tout Paris")
    kw.setdefault("ballot_style", BallotStyle.KNAPSACK)
    return Envelope.objects.create(campaign=campaign, territory=territory, amount=amount, **kw)


def make_district(code=None, **kw) -> Territory:
    n = next(_seq)
    return make_territory(
        level=TerritoryLevel.DISTRICT,
        code=code or f"D{n}",
        name=kw.pop("name", f"{n}e"),
        geometry=kw.pop("geometry", square(2.30 + 0.01 * (n % 5), 48.85)),
        **kw,
    )


def make_voter(**kw):
    district = kw.pop("district", None) or make_district()
    return make_user(home_district=district, **kw)


def make_project(envelope, *, cost=100_000, feasible=True, author=None, priority_area=None, **kw) -> Project:
    n = next(_seq)
    kw.setdefault("title", f"Projet numéro {n}")
    kw.setdefault("body", "Une description suffisamment longue du projet.")
    if feasible:
        kw.setdefault("status", Status.FEASIBLE)
        kw.setdefault("feasibility", Feasibility.FEASIBLE)
        kw.setdefault("review_published_at", timezone.now())
    return Project.objects.create(
        campaign=envelope.campaign,
        envelope=envelope,
        cost=cost if feasible else None,
        author=author or make_user(),
        priority_area=priority_area,
        **kw,
    )
