"""JSON API of the participatory budget: campaigns, envelopes, projects, results, ballot submission,
and the staff actions (feasibility review, merge, split, paper ballots, overrides, follow-up)."""

import json
from datetime import date as date_type
from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import ValidationError as PydanticValidationError

from parvis.core.api_auth import api_auth
from parvis.core.api_schema import READ, WRITE, Rows, errors, paginated
from parvis.core.ratelimit import check_rate

from . import permissions, selectors, services
from .models import Ballot, Envelope, Project

router = Router(tags=["Budget participatif"])


class PhaseOut(Schema):
    kind: str
    starts_at: datetime
    ends_at: datetime | None


class EnvelopeOut(Schema):
    slug: str
    name: str
    district_code: str | None
    amount: int
    reserved_amount: int
    ballot_style: str
    max_choices: int | None
    min_choices: int
    min_spend_percent: int


class CampaignOut(Schema):
    slug: str
    title: str
    description: str
    rule: str
    current_phase: str
    allow_ballot_change: bool
    phases: list[PhaseOut]
    envelopes: list[EnvelopeOut]
    url: str


class ProjectOut(Schema):
    id: int
    title: str
    body: str
    envelope: str
    status: str
    theme: str
    cost: int | None
    estimated_cost: int | None
    lat: float | None
    lon: float | None
    neighbourhood: str | None
    priority_area: bool
    assisted: bool
    implementation: str
    supports: int
    url: str


class BallotIn(Schema):
    choices: list[int] | dict[str, int | None]


class BallotOut(Schema):
    envelope: str
    choices: list[int] | dict[str, int]
    created_at: datetime
    updated_at: datetime


class ProjectResultOut(Schema):
    project_id: int
    title: str
    cost: int
    votes: int
    funded: bool
    reason: str
    stage: str
    priority_area: bool


class OverrideOut(Schema):
    project_id: int
    decision: str
    justification: str


class EnvelopeResultOut(Schema):
    envelope: str
    amount: int
    reserved_amount: int
    total_cost: int
    online_ballots: int
    paper_ballots: int
    computed_at: datetime
    projects: list[ProjectResultOut]
    overrides: list[OverrideOut]
    pabulib_url: str


def _envelope_out(e: Envelope) -> dict:
    return {
        "slug": e.slug,
        "name": e.name,
        "district_code": e.territory.code if e.territory_id else None,
        "amount": e.amount,
        "reserved_amount": e.reserved_amount,
        "ballot_style": e.ballot_style,
        "max_choices": e.max_choices,
        "min_choices": e.min_choices,
        "min_spend_percent": e.min_spend_percent,
    }


def _campaign_out(c) -> dict:
    return {
        "slug": c.slug,
        "title": c.title,
        "description": c.description,
        "rule": c.rule,
        "current_phase": permissions.current_phase(c),
        "allow_ballot_change": c.allow_ballot_change,
        "phases": [{"kind": p.kind, "starts_at": p.starts_at, "ends_at": p.ends_at} for p in c.phases.all()],
        "envelopes": [_envelope_out(e) for e in selectors.envelopes(c)],
        "url": c.get_absolute_url(),
    }


def _project_out(p: Project) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "body": p.body,
        "envelope": p.envelope.slug,
        "status": p.status,
        "theme": p.theme,
        "cost": p.cost if p.review_published_at else None,
        "estimated_cost": p.estimated_cost,
        "lat": p.lat,
        "lon": p.lon,
        "neighbourhood": p.neighbourhood.name if p.neighbourhood_id else None,
        "priority_area": p.priority_area_id is not None,
        "assisted": p.assisted_by_id is not None,
        "implementation": p.implementation,
        "supports": getattr(p, "support_count", 0),
        "url": p.get_absolute_url(),
    }


@router.get("/campaigns", response={200: list[CampaignOut], **READ}, summary="Campagnes")
@paginated
def campaign_list(request):
    return Rows(selectors.campaigns(), _campaign_out)


@router.get(
    "/campaigns/{slug}",
    response={200: CampaignOut, **errors(404)},
    summary="Une campagne, ses phases et ses enveloppes",
)
def campaign_detail(request, slug: str):
    return _campaign_out(selectors.campaign_get(slug))


@router.get(
    "/campaigns/{slug}/projects",
    response={200: list[ProjectOut], **errors(404, 422)},
    summary="Idées et projets d'une campagne",
)
@paginated
def project_list(
    request,
    slug: str,
    envelope: str = "",
    on_ballot: bool = False,
    funded: bool = False,
    q: str = "",
):
    campaign = selectors.campaign_get(slug)
    env = get_object_or_404(campaign.envelopes, slug=envelope) if envelope else None
    qs = selectors.projects(
        campaign, envelope=env, on_ballot_only=on_ballot, funded_only=funded, query=q[:100]
    )
    return Rows(qs, _project_out)


@router.get("/projects/{project_id}", response={200: ProjectOut, **errors(404, 422)}, summary="Un projet")
def project_detail(request, project_id: int):
    qs = Project.objects.filter(hidden_at__isnull=True).select_related(
        "envelope", "neighbourhood", "campaign"
    )
    project = get_object_or_404(qs, pk=project_id)
    project.support_count = project.supports.count()
    return _project_out(project)


@router.get(
    "/campaigns/{slug}/results",
    response={200: list[EnvelopeResultOut], **errors(404, 422)},
    summary="Résultats par enveloppe",
)
@paginated
def results(request, slug: str):
    campaign = selectors.campaign_get(slug)

    def result_out(result) -> dict:
        env = result.envelope
        names = dict(Project.objects.filter(envelope=env).values_list("pk", "title"))
        return {
            "envelope": env.slug,
            "amount": env.amount,
            "reserved_amount": env.reserved_amount,
            "total_cost": result.data.get("total_cost", 0),
            "online_ballots": result.online_ballots,
            "paper_ballots": result.paper_ballots,
            "computed_at": result.computed_at,
            "projects": [
                {
                    "project_id": int(p["project_id"]),
                    "title": names.get(int(p["project_id"]), ""),
                    "cost": p["cost"],
                    "votes": p["votes"],
                    "funded": p["funded"],
                    "reason": p["reason"],
                    "stage": p["stage"],
                    "priority_area": p["priority_area"],
                }
                for p in result.data.get("projects", {}).values()
            ],
            "overrides": [
                {"project_id": o.project_id, "decision": o.decision, "justification": o.justification}
                for o in env.overrides.all()
            ],
            "pabulib_url": f"/budget/{campaign.slug}/resultats/{env.slug}.pb",
        }

    return Rows(selectors.results(campaign), result_out)


def _envelope(slug: str, envelope: str) -> Envelope:
    env = get_object_or_404(Envelope.objects.select_related("campaign"), campaign__slug=slug, slug=envelope)
    env.campaign = selectors.campaign_get(slug)
    return env


def _ballot_out(b: Ballot, env: Envelope) -> dict:
    return {
        "envelope": env.slug,
        "choices": b.choices,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


class ResultComputedOut(Schema):
    envelope: str
    online_ballots: int
    paper_ballots: int
    computed_at: datetime
    funded: list[int]


class ResultsComputedOut(Schema):
    envelopes: list[ResultComputedOut]


@router.post(
    "/campaigns/{slug}/results",
    auth=api_auth,
    response={200: ResultsComputedOut, **WRITE},
    summary="Calculer les résultats (toutes les enveloppes, ou une seule)",
)
def results_compute(request, slug: str, envelope: str = ""):
    """The results page's button: same service and permission (administrators, once the vote is closed).
    ``envelope``: one envelope's slug; without it, every envelope of the campaign, all or none."""
    check_rate(request, "write")
    campaign = selectors.campaign_get(slug)
    if envelope:
        target = get_object_or_404(campaign.envelopes, slug=envelope)
        target.campaign = campaign
        computed = [services.results_compute(actor=request.auth, envelope=target)]
    else:
        computed = services.campaign_results_compute(actor=request.auth, campaign=campaign)
    return {
        "envelopes": [
            {
                "envelope": r.envelope.slug,
                "online_ballots": r.online_ballots,
                "paper_ballots": r.paper_ballots,
                "computed_at": r.computed_at,
                "funded": sorted(r.funded.values_list("pk", flat=True)),
            }
            for r in computed
        ]
    }


@router.post(
    "/campaigns/{slug}/envelopes/{envelope}/ballot",
    auth=api_auth,
    response={201: BallotOut, **WRITE},
    summary="Voter (ou modifier son vote) dans une enveloppe",
)
def ballot_submit(request, slug: str, envelope: str, payload: BallotIn):
    """``choices``: a list of project ids (approval, knapsack) or ``{project_id: grade 1–4}`` (grades)."""
    env, costs = selectors.vote_target(slug, envelope)
    check_rate(request, "write")
    ballot = services.ballot_submit(voter=request.auth, envelope=env, choices=payload.choices, costs=costs)
    return Status(201, _ballot_out(ballot, env))


@router.get(
    "/campaigns/{slug}/envelopes/{envelope}/ballot",
    auth=api_auth,
    response={200: BallotOut, **errors(401, 403, 404)},
    summary="Mon vote dans une enveloppe",
)
def ballot_get(request, slug: str, envelope: str):
    env = _envelope(slug, envelope)
    ballot = get_object_or_404(Ballot, envelope=env, voter=request.auth)
    return _ballot_out(ballot, env)


# ---------------------------------------------------------------------------------------------------------
# Staff actions: feasibility review, merge, split, paper ballots, overrides, follow-up.
# Each endpoint only parses its input and calls the service; ``permissions.py`` (through the service)
# decides who may act and when, and the services validate the data (French messages, 400/403).


class ReviewQueueOut(Schema):
    id: int
    title: str
    envelope: str
    service: str | None
    feasibility: str
    cost: int | None
    url: str


class ReviewIn(Schema):
    feasibility: str
    reason: str = ""
    cost: int | str | None = None
    duration_months: int | str | None = None


class ReviewOut(Schema):
    id: int
    status: str
    feasibility: str
    reason: str
    cost: int | None
    duration_months: int | None
    reviewed_at: datetime | None
    published: bool


class MergeIn(Schema):
    project_ids: list[int]
    title: str
    body: str


class SplitPartIn(Schema):
    title: str
    body: str


class SplitIn(Schema):
    parts: list[SplitPartIn]


class SplitOut(Schema):
    id: int
    status: str
    parts: list[ProjectOut]


class PaperIn(Schema):
    polling_place: str
    mode: str
    data: dict | list


class PaperOut(Schema):
    envelope: str
    polling_place: str
    mode: str
    state: str
    entries: int
    accepted_at: datetime | None


class OverrideIn(Schema):
    project_id: int
    decision: str
    justification: str


class FollowUpIn(Schema):
    status: str
    body: str
    date: date_type | None = None


class FollowUpOut(Schema):
    id: int
    project_id: int
    status: str
    body: str
    date: date_type
    photo: str | None
    photo_alt: str


#: The follow-up endpoint takes JSON (no photo) or a multipart form with the same fields and one photo.
FOLLOWUP_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": FollowUpIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["status", "body"],
                "properties": {
                    "status": {"type": "string", "enum": ["studies", "works", "delivered"]},
                    "body": {"type": "string"},
                    "date": {"type": "string", "format": "date"},
                    "photo": {
                        "type": "string",
                        "format": "binary",
                        "description": "une image (ré-encodée en JPEG sans EXIF ni GPS)",
                    },
                    "photo_alt": {
                        "type": "string",
                        "maxLength": 200,
                        "description": "ce que montre la photo (texte alternatif)",
                    },
                },
            }
        },
    },
}


def _followup_input(request) -> tuple[FollowUpIn, object, str]:
    """The fields, the photo and its description, from a JSON body or a multipart form."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        photos = request.FILES.getlist("photo")
        if len(photos) > 1 or set(request.FILES) - {"photo"}:
            raise ValidationError(_("Une seule photo par étape du suivi (champ « photo »)."))
        raw = {k: v for k in ("status", "body", "date") if (v := request.POST.get(k)) is not None}
        if not raw.get("date"):
            raw.pop("date", None)  # an empty date field: today
        photo, alt = (photos[0] if photos else None), request.POST.get("photo_alt", "")
    else:
        try:
            raw = json.loads(request.body or b"{}")
        except ValueError:
            raise ValidationError(
                _("Corps de requête illisible : du JSON ou un formulaire multipart est attendu.")
            )
        if not isinstance(raw, dict):
            raise ValidationError(
                _("Corps de requête illisible : du JSON ou un formulaire multipart est attendu.")
            )
        photo, alt = None, ""
    try:
        payload = FollowUpIn.model_validate(raw)
    except PydanticValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        raise ValidationError(
            _("Champs manquants ou invalides : %(fields)s (date au format AAAA-MM-JJ).")
            % {"fields": ", ".join(fields)}
        )
    return payload, photo, alt


def _review_out(p: Project) -> dict:
    return {
        "id": p.pk,
        "status": p.status,
        "feasibility": p.feasibility,
        "reason": p.review_reason,
        "cost": p.cost,
        "duration_months": p.duration_months,
        "reviewed_at": p.reviewed_at,
        "published": p.review_published_at is not None,
    }


@router.get(
    "/campaigns/{slug}/reviews",
    auth=api_auth,
    response={200: list[ReviewQueueOut], **errors(401, 403, 404, 422)},
    summary="Idées à étudier confiées à mon service",
)
@paginated
def review_queue(request, slug: str):
    """Only what is assigned to the caller's services (everything, for an administrator)."""
    campaign = selectors.campaign_get(slug)
    return Rows(
        selectors.review_queue(request.auth).filter(campaign=campaign),
        lambda p: {
            "id": p.pk,
            "title": p.title,
            "envelope": p.envelope.slug,
            "service": p.service.name if p.service_id else None,
            "feasibility": p.feasibility,
            "cost": p.cost,
            "url": p.get_absolute_url(),
        },
    )


@router.post(
    "/projects/{project_id}/review",
    auth=api_auth,
    response={200: ReviewOut, **WRITE},
    summary="Rendre l'avis de faisabilité d'une idée confiée à mon service",
)
def project_review(request, project_id: int, payload: ReviewIn):
    """``feasibility``: ``feasible`` (cost required), ``unfeasible`` (public reason required, e-mailed to
    the author on publication) or ``to_merge``. The review stays private until published."""
    check_rate(request, "write")
    project = get_object_or_404(Project, pk=project_id)
    project = services.project_review(
        reviewer=request.auth,
        project=project,
        feasibility=payload.feasibility,
        reason=payload.reason,
        cost=payload.cost,
        duration_months=payload.duration_months,
    )
    return _review_out(project)


@router.post(
    "/campaigns/{slug}/merge",
    auth=api_auth,
    response={201: ProjectOut, **WRITE},
    summary="Fusionner des idées en un projet",
)
def projects_merge(request, slug: str, payload: MergeIn):
    """Every source idea's author is credited and notified; supports stay on the source ideas."""
    check_rate(request, "write")
    merged = services.projects_merge_ids(
        actor=request.auth,
        campaign=selectors.campaign_get(slug),
        project_ids=payload.project_ids,
        title=payload.title,
        body=payload.body,
    )
    return Status(201, _project_out(merged))


@router.post(
    "/projects/{project_id}/split",
    auth=api_auth,
    response={201: SplitOut, **WRITE},
    summary="Scinder une idée en plusieurs projets",
)
def project_split(request, project_id: int, payload: SplitIn):
    """``parts``: two to four ``{"title", "body"}``; each part becomes an idea still under study, with
    the author and the place of the original, whose author is notified. Agents and administrators,
    during co-construction and review, as on the split page; a bad part changes nothing."""
    check_rate(request, "write")
    project = get_object_or_404(Project.objects.select_related("campaign"), pk=project_id)
    parts = services.project_split(
        actor=request.auth, project=project, parts=[part.model_dump() for part in payload.parts]
    )
    project.refresh_from_db(fields=["status"])
    return Status(
        201, {"id": project.pk, "status": project.status, "parts": [_project_out(p) for p in parts]}
    )


@router.post(
    "/campaigns/{slug}/envelopes/{envelope}/paper",
    auth=api_auth,
    response={200: PaperOut, **WRITE},
    summary="Saisir les résultats d'un bureau de vote (bulletins papier)",
)
def paper_entry(request, slug: str, envelope: str, payload: PaperIn):
    """One agent's entry for a polling place. ``mode`` ``counts`` (approval or knapsack ballots, greedy
    rule): ``data`` is ``{"ballots": n, "counts": {project_id: votes}}``; ``grade_counts`` (grade ballots,
    majority judgment or greedy): ``{"ballots": n, "grades": {project_id: {"4": n4, "3": n3, "2": n2,
    "1": n1}}}``, how many of the box's ballots gave the project each mention (1 pas convaincu·e … 4 coup
    de cœur; a ballot that left it ungraded counts as 1, so a project's counts add up to at most n);
    ``ballots``: a list of ballots as online. Per-project counts are refused under the Method of Equal
    Shares, which needs whole ballots. The batch counts (``state`` ``accepted``) once two different
    agents' entries agree exactly."""
    check_rate(request, "write")
    env = _envelope(slug, envelope)
    batch = services.paper_entry_submit(
        agent=request.auth,
        envelope=env,
        polling_place=payload.polling_place,
        mode=payload.mode,
        data=payload.data,
    )
    return {
        "envelope": env.slug,
        "polling_place": batch.polling_place,
        "mode": batch.mode,
        "state": services.paper_batch_state(batch),
        "entries": batch.entries.count(),
        "accepted_at": batch.accepted_at,
    }


@router.post(
    "/campaigns/{slug}/envelopes/{envelope}/overrides",
    auth=api_auth,
    response={201: OverrideOut, **WRITE},
    summary="Décision motivée d'un administrateur sur un projet (publique)",
)
def override_create(request, slug: str, envelope: str, payload: OverrideIn):
    """``decision``: ``exclude`` or ``fund``; the public justification is required. Results are
    recomputed."""
    check_rate(request, "write")
    env = _envelope(slug, envelope)
    project = get_object_or_404(Project, pk=payload.project_id, campaign=env.campaign)
    override = services.override_create(
        actor=request.auth,
        envelope=env,
        project=project,
        decision=payload.decision,
        justification=payload.justification,
    )
    return Status(
        201,
        {
            "project_id": override.project_id,
            "decision": override.decision,
            "justification": override.justification,
        },
    )


@router.post(
    "/projects/{project_id}/followup",
    auth=api_auth,
    response={201: FollowUpOut, **WRITE},
    summary="Publier une étape du suivi d'un projet lauréat (JSON, ou multipart avec une photo)",
    openapi_extra={"requestBody": FOLLOWUP_BODY},
)
def followup_add(request, project_id: int):
    """``status``: ``studies``, ``works`` or ``delivered``; ``body``; ``date`` (AAAA-MM-JJ, today by
    default). As a multipart form, the same fields plus ``photo`` (one image, re-encoded without EXIF,
    within the core image limits) and ``photo_alt`` (what the photo shows, its alternative text on the
    project page), as on the project page. A bad photo is refused and nothing is published."""
    check_rate(request, "write")
    project = get_object_or_404(Project.objects.select_related("campaign"), pk=project_id)
    payload, photo, photo_alt = _followup_input(request)
    update = services.followup_add(
        actor=request.auth,
        project=project,
        status=payload.status,
        body=payload.body,
        photo=photo,
        photo_alt=photo_alt,
        date=payload.date,
    )
    return Status(
        201,
        {
            "id": update.pk,
            "project_id": project.pk,
            "status": update.status,
            "body": update.body,
            "date": update.date,
            "photo": update.photo.url if update.photo else None,
            "photo_alt": update.photo_alt,
        },
    )
