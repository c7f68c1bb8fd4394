"""Read-only queries for the budget pages and API."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from parvis.core.collation import french_sort_key
from parvis.core.models import Territory, TerritoryLevel, User

from . import permissions
from .models import (
    Ballot,
    Campaign,
    DistrictChoice,
    Envelope,
    PaperBatch,
    PaperMode,
    Phase,
    Project,
    Result,
    Status,
    Support,
)


def campaigns():
    return Campaign.objects.prefetch_related("phases").order_by("-created_at")


def campaign_get(slug: str) -> Campaign:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Campaign.objects.prefetch_related("phases"), slug=slug)


def current_campaign() -> Campaign | None:
    """The campaign with an open phase (latest start), else the most recent one."""
    now = timezone.now()
    phase = (
        Phase.objects.filter(starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exclude(kind="followup")
        .order_by("-starts_at")
        .first()
    )
    qs = Campaign.objects.prefetch_related("phases")
    if phase is not None:
        return qs.get(pk=phase.campaign_id)
    return qs.first()


def envelopes(campaign: Campaign) -> list[Envelope]:
    """City-wide envelope first, then districts in their set order (position), then in French reading
    order of their names ("1er, 2e, … 10e")."""
    return sorted(
        campaign.envelopes.select_related("territory"),
        key=lambda e: (e.territory_id is not None, e.position, french_sort_key(e.name)),
    )


def projects(
    campaign: Campaign,
    *,
    envelope: Envelope | None = None,
    theme: str = "",
    query: str = "",
    on_ballot_only: bool = False,
    status: str = "",
    funded_only: bool = False,
):
    qs = (
        Project.objects.filter(campaign=campaign, hidden_at__isnull=True)
        .select_related("envelope", "neighbourhood", "priority_area", "author", "campaign")
        .annotate(support_count=Count("supports", distinct=True))
    )
    if envelope is not None:
        qs = qs.filter(envelope=envelope)
    if theme:
        qs = qs.filter(theme=theme)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(body__icontains=query))
    if on_ballot_only:
        qs = qs.filter(status=Status.FEASIBLE, review_published_at__isnull=False)
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status__in=[Status.MERGED, Status.SPLIT, Status.WITHDRAWN])
    if funded_only:
        qs = qs.filter(pk__in=Result.funded.through.objects.values("project_id"))
    return qs.order_by("-created_at")


def ballot_projects(envelope: Envelope):
    return list(
        Project.objects.filter(
            envelope=envelope,
            status=Status.FEASIBLE,
            review_published_at__isnull=False,
            hidden_at__isnull=True,
        )
        .select_related("neighbourhood", "priority_area")
        .prefetch_related("photos")
        .order_by("title")
    )


def project_credits(project: Project) -> list[User]:
    """The author and the authors of every idea merged into the project (recursively), once each."""
    seen: dict[int, User] = {}
    stack = [project]
    while stack:
        current = stack.pop()
        if current.author_id and current.author_id not in seen:
            seen[current.author_id] = current.author
        stack.extend(current.merged_sources.select_related("author"))
    return list(seen.values())


def source_supports(project: Project) -> int:
    """Supports given to the ideas merged into this project (kept on the source ideas)."""
    return Support.objects.filter(project__merged_into=project).count()


def user_ballots(user, campaign: Campaign) -> dict[int, Ballot]:
    if not user.is_authenticated:
        return {}
    return {b.envelope_id: b for b in Ballot.objects.filter(voter=user, envelope__campaign=campaign)}


def home_district_envelope(user, district_envelopes: list[Envelope]) -> Envelope | None:
    """The district envelope of where this person lives (their district, or their neighbourhood's):
    the "arrondissement de cœur" offered first."""
    if not user.is_authenticated:
        return None
    home = user.home_district_id
    if home is None and user.home_neighbourhood_id is not None:
        home = user.home_neighbourhood.parent_id
    return next((e for e in district_envelopes if home is not None and e.territory_id == home), None)


def district_choice(user, campaign: Campaign) -> DistrictChoice | None:
    if not user.is_authenticated:
        return None
    return DistrictChoice.objects.filter(campaign=campaign, voter=user).select_related("envelope").first()


def review_queue(user):
    """What a reviewer sees: only projects assigned to their services (all, for an administrator)."""
    qs = Project.objects.filter(status=Status.SUBMITTED).select_related("campaign", "service", "envelope")
    if not permissions.reviews_every_service(user):
        qs = qs.filter(service__members=user)
    return qs.prefetch_related(Prefetch("campaign__phases")).order_by("campaign", "title")


def results(campaign: Campaign):
    return (
        Result.objects.filter(envelope__campaign=campaign)
        .select_related("envelope")
        .order_by("envelope__position", "envelope__name")
    )


def paper_batch_ballots(mode: str, data) -> int:
    """How many ballots an accepted polling place's entry holds, whatever the way it was typed."""
    if mode == PaperMode.BALLOTS:
        return len(data)
    return data["ballots"]


def participation(campaign: Campaign) -> dict:
    """Live figures, as the vote goes: online voters and the ballots of every polling place whose two
    entries agree (a batch waiting for its second entry, or whose entries differ, does not count)."""
    voters = Ballot.objects.filter(envelope__campaign=campaign).values("voter").distinct().count()
    batches = PaperBatch.objects.filter(envelope__campaign=campaign, accepted_at__isnull=False)
    paper = sum(paper_batch_ballots(mode, data) for mode, data in batches.values_list("mode", "data"))
    return {"online_voters": voters, "paper_ballots": paper}


def inclusion(campaign: Campaign) -> list[dict]:
    """Ideas, supports and voters per neighbourhood, per 1,000 inhabitants where populations are known.

    A project counts in the neighbourhood where it lies; a supporter or voter in their declared home
    neighbourhood. Priority areas are flagged when any project or resident of the neighbourhood lies
    in one, and the share of assisted ideas is given."""
    neighbourhoods = list(
        Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD)
        .select_related("parent")
        .order_by("parent__code", "code")
    )
    # Residents' contributions only: not the parts of a split nor the projects agents made by merging.
    made_by_agents = Project.objects.filter(merged_into__isnull=False).values("merged_into")
    contributions = (
        Project.objects.filter(campaign=campaign, neighbourhood__isnull=False, split_from__isnull=True)
        .exclude(status=Status.WITHDRAWN)
        .exclude(pk__in=made_by_agents)
    )
    ideas = dict(contributions.values_list("neighbourhood").annotate(n=Count("id")))
    assisted = dict(
        contributions.filter(assisted_by__isnull=False).values_list("neighbourhood").annotate(n=Count("id"))
    )
    priority = set(
        Project.objects.filter(
            campaign=campaign, priority_area__isnull=False, neighbourhood__isnull=False
        ).values_list("neighbourhood", flat=True)
    )
    priority |= _neighbourhoods_with_priority_areas()
    supports = dict(
        Support.objects.filter(project__campaign=campaign, user__home_neighbourhood__isnull=False)
        .values_list("user__home_neighbourhood")
        .annotate(n=Count("user", distinct=True))
    )
    voters = dict(
        Ballot.objects.filter(envelope__campaign=campaign, voter__home_neighbourhood__isnull=False)
        .values_list("voter__home_neighbourhood")
        .annotate(n=Count("voter", distinct=True))
    )
    rows = []
    for t in neighbourhoods:
        row = {
            "id": t.pk,
            "code": t.code,
            "name": t.name,
            "district": t.parent.name if t.parent else "",
            "population": t.population,
            "ideas": ideas.get(t.pk, 0),
            "assisted": assisted.get(t.pk, 0),
            "supporters": supports.get(t.pk, 0),
            "voters": voters.get(t.pk, 0),
            "priority": t.pk in priority,
        }
        for key in ("ideas", "supporters", "voters"):
            row[f"{key}_per_1000"] = round(row[key] * 1000 / t.population, 2) if t.population else None
        row["assisted_share"] = round(100 * row["assisted"] / row["ideas"], 1) if row["ideas"] else None
        rows.append(row)
    return rows


def _neighbourhoods_with_priority_areas() -> set[int]:
    """Neighbourhoods that intersect a priority area (by geometry, computed once per call)."""
    from shapely.geometry import shape

    areas = [shape(t.geometry) for t in Territory.objects.filter(level=TerritoryLevel.PRIORITY)]
    if not areas:
        return set()
    out = set()
    for t in Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).only("id", "geometry"):
        geom = shape(t.geometry)
        if any(geom.intersects(a) for a in areas):
            out.add(t.pk)
    return out


def phase_label(campaign: Campaign) -> str:
    return permissions.current_phase(campaign)


_VOTE_TARGETS: dict[tuple[str, str], tuple[float, Envelope, dict[int, int]]] = {}


def _cache_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "PARVIS_BUDGET_CACHE_SECONDS", 0 if settings.TESTING else 5))


def vote_target(campaign_slug: str, envelope_slug: str) -> tuple[Envelope, dict[int, int]]:
    """The envelope (with its campaign and phases) and its ballot's project costs, kept in the process
    for a few seconds (``PARVIS_BUDGET_CACHE_SECONDS``, default 5) so that casting a ballot needs no
    query for them. Phases are dates compared with the clock at each request, so the vote opens and
    closes on time whatever the cache; a project published or hidden reaches the ballot within the
    delay. Raises Http404."""
    import time

    from django.http import Http404

    from .services import ballot_costs

    key = (campaign_slug, envelope_slug)
    now = time.monotonic()
    hit = _VOTE_TARGETS.get(key)
    if hit is not None and hit[0] > now:
        return hit[1], hit[2]
    envelope = (
        Envelope.objects.select_related("campaign", "territory")
        .filter(campaign__slug=campaign_slug, slug=envelope_slug)
        .first()
    )
    if envelope is None:
        raise Http404("Enveloppe inconnue.")
    envelope.campaign = Campaign.objects.prefetch_related("phases").get(pk=envelope.campaign_id)
    costs = ballot_costs(envelope)
    seconds = _cache_seconds()
    if seconds > 0:
        _VOTE_TARGETS[key] = (now + seconds, envelope, costs)
    return envelope, costs


def vote_targets_clear() -> None:
    _VOTE_TARGETS.clear()
