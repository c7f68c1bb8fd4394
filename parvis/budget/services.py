"""Use cases of the participatory budget: one function per verb, each in a transaction.

Each validates (permissions.ensure, then the data), locks what it must, writes, then notifies.
"""

from __future__ import annotations

import json
from datetime import UTC

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parvis.core import attachments as core_attachments
from parvis.core import places
from parvis.core.audit import audit_record
from parvis.core.images import process_image
from parvis.core.models import Territory, User
from parvis.core.notifications import notify
from parvis.core.richtext import plain_text
from parvis.core.texts import SystemText

from . import ballots as ballot_rules
from . import permissions, selectors, tally, tally_pool
from .models import (
    Ballot,
    BallotStyle,
    Campaign,
    Comment,
    DistrictChoice,
    Envelope,
    Feasibility,
    FollowUpUpdate,
    Grade,
    Implementation,
    Override,
    OverrideDecision,
    PaperBatch,
    PaperEntry,
    PaperMode,
    Phase,
    PhaseKind,
    Project,
    ProjectPhoto,
    Result,
    Rule,
    Status,
    Support,
    Theme,
)

MAX_PHOTOS = 4
MAX_SPLIT_PARTS = 4


# ---------------------------------------------------------------------------------------------------------
# Campaigns


def campaign_with_open_phase(kind: str, now=None) -> Campaign | None:
    """The campaign whose phase ``kind`` is open now (the most recent if several)."""
    now = now or timezone.now()
    phase = (
        Phase.objects.filter(kind=kind, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("campaign")
        .order_by("-starts_at")
        .first()
    )
    return phase.campaign if phase else None


# ---------------------------------------------------------------------------------------------------------
# Ideas and projects


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    if len(title) < 5:
        raise ValidationError(_("Le titre doit compter au moins 5 caractères."))
    if len(title) > 200:
        raise ValidationError(_("Le titre doit compter au plus 200 caractères."))
    if len(plain_text(body)) < 20:
        raise ValidationError(_("Décrivez votre idée en au moins 20 caractères."))
    if len(body) > 10000:
        raise ValidationError(_("La description doit compter au plus 10 000 caractères."))
    return title, body


def _place(campaign: Campaign, *, lat, lon, territory: Territory | None, citywide: bool):
    """Where an idea lies (``core.places``) and hence its envelope: its district's, or the city-wide one."""
    place = places.resolve(lat=lat, lon=lon, territory=territory)
    envelopes = list(campaign.envelopes.all())
    envelope = None
    if not citywide and place.district_id is not None:
        envelope = next((e for e in envelopes if e.territory_id == place.district_id), None)
    if envelope is None:
        envelope = next((e for e in envelopes if e.territory_id is None), None)
    if envelope is None:
        raise ValidationError(_("Cette campagne n'a pas d'enveloppe pour ce lieu."))
    return place, envelope


def _cost(value, label) -> int | None:
    if value in (None, ""):
        return None
    try:
        cost = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_("%(label)s : un montant entier en euros est attendu.") % {"label": label})
    if cost < 0 or cost > 10**11:
        raise ValidationError(_("%(label)s : le montant doit être positif et réaliste.") % {"label": label})
    return cost


def _clean_alt(alt) -> str:
    alt = " ".join((alt or "").split())
    if len(alt) > 200:
        raise ValidationError(_("La description d'une photo doit compter au plus 200 caractères."))
    return alt


def _photo_pairs(photos) -> list[tuple]:
    """Photos as ``(upload, alt)`` pairs; a bare upload has no description (the page then uses the
    project's title as the image's alternative text)."""
    pairs = []
    for item in photos or ():
        upload, alt = item if isinstance(item, tuple | list) else (item, "")
        pairs.append((upload, _clean_alt(alt)))
    return pairs


@transaction.atomic
def project_create(
    *,
    author: User,
    campaign: Campaign,
    title: str,
    body: str,
    theme: str = "",
    lat=None,
    lon=None,
    territory: Territory | None = None,
    citywide: bool = False,
    estimated_cost=None,
    association_name: str = "",
    photos=(),
    source_url: str = "",
    resident_name: str = "",
    consent: bool = False,
) -> Project:
    """Submit an idea; a mediator passing ``resident_name`` submits on behalf of someone met in person,
    which needs the person's recorded consent and marks the contribution *assisted*."""
    permissions.ensure(author, "propose", campaign)
    assisted = bool((resident_name or "").strip())
    if assisted:
        permissions.ensure(author, "propose_assisted", campaign)
        if not consent:
            raise ValidationError(
                _("Le consentement de la personne rencontrée doit être recueilli avant de déposer son idée.")
            )
    title, body = _clean_text(title, body)
    if theme and theme not in Theme.values:
        raise ValidationError(_("Thème inconnu."))
    photos = _photo_pairs(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("%(n)s photos au plus.") % {"n": MAX_PHOTOS})
    prepared = core_attachments.prepare(photos, alt_required=False, name="budget")
    place, envelope = _place(campaign, lat=lat, lon=lon, territory=territory, citywide=citywide)
    project = Project.objects.create(
        campaign=campaign,
        envelope=envelope,
        title=title,
        body=body,
        theme=theme or "",
        **place.fields(),
        estimated_cost=_cost(estimated_cost, _("Coût estimé")),
        author=author,
        association_name=(association_name or "").strip()[:200],
        assisted_by=author if assisted else None,
        resident_name=(resident_name or "").strip()[:200],
        consent_recorded_at=timezone.now() if assisted else None,
        source_url=(source_url or "")[:500],
    )
    core_attachments.attach(ProjectPhoto, prepared, project=project)
    return project


def proposal_create_from_idea(
    *,
    author,
    title: str,
    body: str,
    source_url: str,
    lat: float | None = None,
    lon: float | None = None,
    territory=None,
) -> Project:
    """Turn an idea from the Idées module into a budget idea of the campaign open for ideas.

    Cross-module contract: raises ``ValidationError`` (French) when no campaign takes ideas now.
    """
    campaign = campaign_with_open_phase(PhaseKind.IDEAS)
    if campaign is None:
        raise ValidationError(_("Aucune campagne du budget participatif n'accepte d'idées en ce moment."))
    if not source_url:
        raise ValidationError(_("Le lien vers l'idée d'origine est requis."))
    return project_create(
        author=author,
        campaign=campaign,
        title=title,
        body=body,
        lat=lat,
        lon=lon,
        territory=territory,
        source_url=source_url,
    )


#: Default of ``project_update``'s place arguments: keep the idea where it is.
KEEP = object()


@transaction.atomic
def project_update(
    *,
    actor: User,
    project: Project,
    title: str,
    body: str,
    theme: str = "",
    estimated_cost=None,
    lat=KEEP,
    lon=KEEP,
    territory=KEEP,
    citywide=KEEP,
    add_photos=(),
    remove_photo_ids=(),
    photo_alts: dict | None = None,
) -> Project:
    """Edit an idea while the permissions allow it: text, theme, cost, and optionally its place (a map
    point or a whole territory, which may move it to another envelope) and its photos (add, remove,
    describe), within ``MAX_PHOTOS`` in all."""
    project = Project.objects.select_for_update().select_related("campaign").get(pk=project.pk)
    permissions.ensure(actor, "edit", project.campaign, obj=project)
    project.title, project.body = _clean_text(title, body)
    if theme and theme not in Theme.values:
        raise ValidationError(_("Thème inconnu."))
    project.theme = theme or ""
    project.estimated_cost = _cost(estimated_cost, _("Coût estimé"))
    if any(v is not KEEP for v in (lat, lon, territory, citywide)):
        lat = None if lat is KEEP else lat
        lon = None if lon is KEEP else lon
        territory = None if territory is KEEP else territory
        place, envelope = _place(
            project.campaign, lat=lat, lon=lon, territory=territory, citywide=bool(citywide is True)
        )
        for name, value in place.fields().items():
            setattr(project, name, value)
        project.envelope = envelope
    existing = {ph.pk: ph for ph in project.photos.all()}
    remove = set()
    for raw in remove_photo_ids or ():
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            pk = None
        if pk not in existing:
            raise ValidationError(_("Cette photo n'appartient pas à cette idée."))
        remove.add(pk)
    alts = {}
    for raw, alt in (photo_alts or {}).items():
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            pk = None
        if pk not in existing:
            raise ValidationError(_("Cette photo n'appartient pas à cette idée."))
        alts[pk] = _clean_alt(alt)
    added = _photo_pairs(add_photos)
    if len(existing) - len(remove) + len(added) > MAX_PHOTOS:
        raise ValidationError(_("%(n)s photos au plus.") % {"n": MAX_PHOTOS})
    prepared = core_attachments.prepare(added, alt_required=False, name="budget")
    project.save()
    for pk, alt in alts.items():
        if pk not in remove and existing[pk].alt != alt:
            ProjectPhoto.objects.filter(pk=pk).update(alt=alt)
    if remove:
        files = [f for pk in remove for f in (existing[pk].image, existing[pk].thumbnail) if f]
        ProjectPhoto.objects.filter(pk__in=remove).delete()
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    last = max((ph.position for pk, ph in existing.items() if pk not in remove), default=-1)
    core_attachments.attach(ProjectPhoto, prepared, start=last + 1, project=project)
    return project


@transaction.atomic
def comment_create(*, author: User, project: Project, body: str) -> Comment:
    permissions.ensure(author, "comment", project.campaign, obj=project)
    body = (body or "").strip()
    if len(body) < 2:
        raise ValidationError(_("Le commentaire est vide."))
    if len(body) > 3000:
        raise ValidationError(_("Le commentaire doit compter au plus 3 000 caractères."))
    comment = Comment.objects.create(project=project, author=author, body=body)
    if project.author_id:
        notify(
            recipients=[project.author],
            kind="budget.comment",
            title=SystemText(gettext_noop("Nouveau commentaire sur « %(title)s »"), title=project.title),
            body=body[:500],
            url=comment.get_absolute_url(),
            exclude=author,
        )
    return comment


@transaction.atomic
def support_add(*, user: User, project: Project) -> bool:
    """Support an idea; returns False when the person already supported it (nothing changes)."""
    permissions.ensure(user, "support", project.campaign, obj=project)
    _obj, created = Support.objects.get_or_create(project=project, user=user)
    return created


@transaction.atomic
def support_remove(*, user: User, project: Project) -> bool:
    permissions.ensure(user, "support", project.campaign, obj=project)
    deleted, _d = Support.objects.filter(project=project, user=user).delete()
    return bool(deleted)


def _credited_authors(project: Project) -> list[User]:
    from .selectors import project_credits

    return project_credits(project)


MERGE_MAX_SOURCES = 50


def projects_merge_ids(
    *, actor, campaign: Campaign, project_ids: list[int], title: str, body: str
) -> Project:
    """Merge ideas given by id (the API): the caller's role is checked before any id is looked up, so
    that nobody without the right learns which ids exist."""
    permissions.ensure(actor, "merge", campaign)
    if len(project_ids) > MERGE_MAX_SOURCES:
        raise ValidationError(_("Pas plus de %(n)d idées à fusionner à la fois.") % {"n": MERGE_MAX_SOURCES})
    ids = set(project_ids)
    sources = list(Project.objects.filter(campaign=campaign, pk__in=ids))
    if len(sources) != len(ids):
        raise ValidationError(_("Une des idées n'existe pas ou n'appartient pas à cette campagne."))
    return projects_merge(actor=actor, sources=sources, title=title, body=body)


@transaction.atomic
def projects_merge(
    *,
    actor: User,
    sources: list[Project],
    title: str,
    body: str,
    lat=None,
    lon=None,
    territory: Territory | None = None,
    citywide: bool = False,
) -> Project:
    """Merge ideas into one new project. Authors of every source are credited and notified; supports
    stay on the source ideas (shown on the project page), nobody's support is moved silently."""
    if len(sources) < 2:
        raise ValidationError(_("Choisissez au moins deux idées à fusionner."))
    ids = sorted({p.pk for p in sources})
    locked = list(Project.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        raise ValidationError(_("Une des idées n'existe pas."))
    campaign = locked[0].campaign
    permissions.ensure(actor, "merge", campaign)
    if any(p.campaign_id != campaign.pk for p in locked):
        raise ValidationError(_("Les idées à fusionner doivent appartenir à la même campagne."))
    if any(p.status not in (Status.SUBMITTED,) for p in locked):
        raise ValidationError(_("Seules des idées encore à l'étude peuvent être fusionnées."))
    title, body = _clean_text(title, body)
    if lat is None and territory is None:
        first = locked[0]
        lat, lon, territory = first.lat, first.lon, first.territory
        citywide = citywide or first.envelope.is_citywide
    place, envelope = _place(campaign, lat=lat, lon=lon, territory=territory, citywide=citywide)
    merged = Project.objects.create(
        campaign=campaign,
        envelope=envelope,
        title=title,
        body=body,
        theme=locked[0].theme,
        **place.fields(),
        author=locked[0].author,
        service=locked[0].service,
        estimated_cost=sum(p.estimated_cost or 0 for p in locked) or None,
    )
    Project.objects.filter(pk__in=ids).update(
        status=Status.MERGED, merged_into=merged, feasibility=Feasibility.TO_MERGE, updated_at=timezone.now()
    )
    audit_record(actor=actor, action="budget.merge", target=merged, sources=ids)
    authors = {p.author_id: p.author for p in locked if p.author_id}
    notify(
        recipients=list(authors.values()),
        kind="budget.merged",
        title=SystemText(gettext_noop("Votre idée a été fusionnée dans « %(title)s »"), title=merged.title),
        body=SystemText(
            gettext_noop(
                "Vous êtes crédité·e comme auteur·rice du projet commun. Vos soutiens restent affichés "
                "sur l'idée d'origine."
            )
        ),
        url=merged.get_absolute_url(),
        exclude=actor,
    )
    return merged


@transaction.atomic
def project_split(*, actor: User, project: Project, parts: list[dict]) -> list[Project]:
    """Split one idea into two to ``MAX_SPLIT_PARTS`` projects (``parts``: ``{"title", "body"}``); each
    part keeps the author and place of the original. Every part is checked before anything is written."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    permissions.ensure(actor, "merge", project.campaign)
    if project.status != Status.SUBMITTED:
        raise ValidationError(_("Seule une idée encore à l'étude peut être scindée."))
    if len(parts) < 2:
        raise ValidationError(_("Une idée se scinde en au moins deux projets."))
    if len(parts) > MAX_SPLIT_PARTS:
        raise ValidationError(_("Une idée se scinde en %(n)s projets au plus.") % {"n": MAX_SPLIT_PARTS})
    texts = []
    for number, part in enumerate(parts, start=1):
        try:
            texts.append(_clean_text(part.get("title", ""), part.get("body", "")))
        except ValidationError as exc:
            raise ValidationError(
                _("Projet %(n)s : %(error)s") % {"n": number, "error": " ".join(exc.messages)}
            )
    created = []
    for title, body in texts:
        created.append(
            Project.objects.create(
                campaign=project.campaign,
                envelope=project.envelope,
                title=title,
                body=body,
                theme=project.theme,
                **places.fields_of(project),
                author=project.author,
                assisted_by=project.assisted_by,
                resident_name=project.resident_name,
                consent_recorded_at=project.consent_recorded_at,
                association_name=project.association_name,
                split_from=project,
                service=project.service,
            )
        )
    project.status = Status.SPLIT
    project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="budget.split", target=project, parts=[p.pk for p in created])
    if project.author_id:
        notify(
            recipients=[project.author],
            kind="budget.split",
            title=SystemText(gettext_noop("Votre idée « %(title)s » a été scindée"), title=project.title),
            url=project.get_absolute_url(),
            exclude=actor,
        )
    return created


# ---------------------------------------------------------------------------------------------------------
# Feasibility review


@transaction.atomic
def project_assign_service(*, actor: User, project: Project, service) -> Project:
    permissions.ensure(actor, "assign_service", project.campaign)
    project = Project.objects.select_for_update().get(pk=project.pk)
    project.service = service
    project.save(update_fields=["service", "updated_at"])
    audit_record(
        actor=actor, action="budget.assign", target=project, service=service.code if service else None
    )
    return project


@transaction.atomic
def project_review(
    *, reviewer: User, project: Project, feasibility: str, reason: str = "", cost=None, duration_months=None
) -> Project:
    """Record a service's review; it stays private until ``reviews_publish`` at the end of the phase."""
    project = Project.objects.select_for_update().select_related("campaign").get(pk=project.pk)
    permissions.ensure(reviewer, "review", project.campaign, obj=project)
    if project.status != Status.SUBMITTED:
        raise ValidationError(_("Ce projet n'est plus à l'étude."))
    if feasibility not in (Feasibility.FEASIBLE, Feasibility.UNFEASIBLE, Feasibility.TO_MERGE):
        raise ValidationError(_("Avis inconnu : faisable, non faisable ou à fusionner."))
    reason = (reason or "").strip()
    if feasibility == Feasibility.UNFEASIBLE and len(reason) < 10:
        raise ValidationError(
            _("Un motif public d'au moins 10 caractères est requis pour un avis défavorable.")
        )
    cost = _cost(cost, _("Coût"))
    if feasibility == Feasibility.FEASIBLE and not cost:
        raise ValidationError(_("Indiquez le coût estimé par le service pour un projet faisable."))
    if duration_months not in (None, ""):
        try:
            duration_months = int(duration_months)
        except (TypeError, ValueError):
            raise ValidationError(_("Durée invalide : un nombre de mois est attendu."))
        if not 0 < duration_months <= 240:
            raise ValidationError(_("Durée invalide : entre 1 et 240 mois."))
    else:
        duration_months = None
    project.feasibility = feasibility
    project.review_reason = reason
    project.cost = cost
    project.duration_months = duration_months
    project.reviewed_by = reviewer
    project.reviewed_at = timezone.now()
    project.save()
    audit_record(actor=reviewer, action="budget.review", target=project, feasibility=feasibility, cost=cost)
    end = review_phase_end(project.campaign)
    if end is not None:
        from .tasks import schedule_reviews_publication

        campaign_id = project.campaign_id
        transaction.on_commit(lambda: schedule_reviews_publication(campaign_id, end))
    return project


def _reviews_to_publish(campaign: Campaign):
    return Project.objects.filter(
        campaign=campaign,
        status=Status.SUBMITTED,
        review_published_at__isnull=True,
        feasibility__in=[Feasibility.FEASIBLE, Feasibility.UNFEASIBLE],
    )


def _publish_reviews(campaign: Campaign, actor: User | None) -> int:
    """Publish the recorded reviews; the rows are locked and re-read, so two concurrent publications
    publish each review once (the second finds nothing left) and nobody is notified twice."""
    now = timezone.now()
    reviewed = list(
        _reviews_to_publish(campaign).select_for_update(of=("self",)).select_related("author").order_by("pk")
    )
    for project in reviewed:
        project.status = Status.FEASIBLE if project.feasibility == Feasibility.FEASIBLE else Status.UNFEASIBLE
        project.review_published_at = now
        project.save(update_fields=["status", "review_published_at", "updated_at"])
        if project.status == Status.UNFEASIBLE and project.author_id:
            notify(
                recipients=[project.author],
                kind="budget.unfeasible",
                title=SystemText(
                    gettext_noop("Votre idée « %(title)s » n'a pas été retenue"), title=project.title
                ),
                body=project.review_reason,
                url=project.get_absolute_url(),
            )
        elif project.author_id:
            notify(
                recipients=[project.author],
                kind="budget.feasible",
                title=SystemText(
                    gettext_noop("Votre projet « %(title)s » sera soumis au vote"), title=project.title
                ),
                url=project.get_absolute_url(),
            )
    if reviewed or actor is not None:
        audit_record(actor=actor, action="budget.reviews_publish", target=campaign, count=len(reviewed))
    return len(reviewed)


@transaction.atomic
def reviews_publish(*, actor: User, campaign: Campaign) -> int:
    """Publish every recorded review of the campaign: feasible projects go on the ballot; authors of
    unfeasible ones get the public reason by e-mail."""
    permissions.ensure(actor, "publish_reviews", campaign)
    return _publish_reviews(campaign, actor)


def review_phase_end(campaign: Campaign):
    """When the campaign's review phase ends (None when it has no end). Uses prefetched phases."""
    return next((p.ends_at for p in campaign.phases.all() if p.kind == PhaseKind.REVIEW), None)


def reviews_publish_due(*, campaign: Campaign, now=None) -> int:
    """The automatic publication at the end of the review phase, by the worker's task and on each load
    of the campaign page. Idempotent, and cheap: no query at all before the phase has ended (phases
    prefetched), then a single ``EXISTS`` once everything is published."""
    now = now or timezone.now()
    end = review_phase_end(campaign)
    if end is None or end > now:
        return 0
    if not _reviews_to_publish(campaign).exists():
        return 0
    with transaction.atomic():
        return _publish_reviews(campaign, None)


# ---------------------------------------------------------------------------------------------------------
# Vote


def ensure_can_vote(voter: User, envelope: Envelope) -> None:
    permissions.ensure(voter, "vote", envelope.campaign)


def ballot_costs(envelope: Envelope) -> dict[int, int]:
    """Project id -> cost of every project on the envelope's ballot."""
    return dict(
        Project.objects.filter(
            envelope=envelope,
            status=Status.FEASIBLE,
            review_published_at__isnull=False,
            hidden_at__isnull=True,
        ).values_list("id", "cost")
    )


@transaction.atomic
def district_choose(*, voter: User, envelope: Envelope) -> DistrictChoice:
    """Record the voter's *arrondissement de cœur*: once per campaign, never changed."""
    if envelope.is_citywide:
        raise ValidationError(_("Choisissez un arrondissement, pas l'enveloppe de toute la ville."))
    ensure_can_vote(voter, envelope)
    User.objects.select_for_update().filter(pk=voter.pk).first()
    existing = (
        DistrictChoice.objects.filter(campaign_id=envelope.campaign_id, voter=voter)
        .select_related("envelope")
        .first()
    )
    if existing is not None:
        if existing.envelope_id == envelope.pk:
            return existing
        raise ValidationError(
            _(
                "Vous avez déjà choisi %(name)s comme arrondissement de cœur pour cette "
                "campagne ; ce choix ne peut pas être changé."
            )
            % {"name": existing.envelope.name}
        )
    return DistrictChoice.objects.create(campaign_id=envelope.campaign_id, voter=voter, envelope=envelope)


_UPSERT = (
    "INSERT INTO budget_ballot (envelope_id, voter_id, choices, created_at, updated_at) "
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (envelope_id, voter_id) "
    "DO UPDATE SET choices = excluded.choices, updated_at = excluded.updated_at "
    "RETURNING id, created_at"
)


def _district_check(voter: User, envelope: Envelope) -> None:
    """Record the district de cœur on a first district ballot, or refuse another district.

    Insert-or-ignore then read: two concurrent first ballots in two districts cannot both win, since
    the second insert waits for the first transaction and then reads the committed choice."""
    DistrictChoice.objects.bulk_create(
        [DistrictChoice(campaign_id=envelope.campaign_id, voter=voter, envelope=envelope)],
        ignore_conflicts=True,
    )
    existing = (
        DistrictChoice.objects.filter(campaign_id=envelope.campaign_id, voter=voter)
        .values_list("envelope_id", "envelope__name")
        .first()
    )
    if existing[0] != envelope.pk:
        raise ValidationError(
            _(
                "Vous avez choisi %(name)s comme arrondissement de cœur : vous ne pouvez voter "
                "que dans cet arrondissement."
            )
            % {"name": existing[1]}
        )


def _vote_accepts_ballots(campaign_id: int) -> bool:
    """Decide, inside the ballot's transaction, from what is stored now and by the database's clock
    (never a process's cached copy), that the vote is open; return whether ballots may be changed.
    The vote therefore closes at its stored instant, and "ballots may be changed" switched off applies
    to the very next ballot."""
    vote_open = Phase.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=Now()),
        campaign=OuterRef("pk"),
        kind=PhaseKind.VOTE,
        starts_at__lte=Now(),
    )
    row = (
        Campaign.objects.filter(pk=campaign_id)
        .annotate(vote_open=Exists(vote_open))
        .values_list("vote_open", "allow_ballot_change")
        .first()
    )
    if row is None or not row[0]:
        raise PermissionDenied(_("Le vote n'est pas ouvert."))
    return row[1]


@transaction.atomic
def ballot_submit(*, voter: User, envelope: Envelope, choices, costs: dict[int, int] | None = None) -> Ballot:
    """Store the voter's ballot in an envelope, or replace it if the campaign allows changes.

    One ballot per voter and envelope is a unique constraint. When changes are allowed the ballot is
    written by one atomic upsert (``INSERT … ON CONFLICT DO UPDATE``), so concurrent submissions of
    one voter leave exactly one ballot, the last one written, and none is lost; otherwise the
    voter's account row is locked so that only the first submission is stored and the others are
    refused. ``costs`` (project id -> cost of the ballot's projects) may come from a short-lived
    cache (``selectors.vote_target``)."""
    ensure_can_vote(voter, envelope)
    if costs is None:
        costs = ballot_costs(envelope)
    normalised = ballot_rules.validate_choices(ballot_rules.Spec.of(envelope), choices, costs)
    now = timezone.now()
    allow_change = _vote_accepts_ballots(envelope.campaign_id)
    if not allow_change:
        User.objects.select_for_update().filter(pk=voter.pk).values_list("pk", flat=True).first()
    if not envelope.is_citywide:
        _district_check(voter, envelope)
    if not allow_change:
        if Ballot.objects.filter(envelope=envelope, voter=voter).exists():
            raise ValidationError(
                _(
                    "Vous avez déjà voté dans cette enveloppe ; "
                    "cette campagne ne permet pas de modifier son vote."
                )
            )
        return Ballot.objects.create(
            envelope=envelope, voter=voter, choices=normalised, created_at=now, updated_at=now
        )
    field = Ballot._meta.get_field
    params = [
        envelope.pk,
        voter.pk,
        field("choices").get_db_prep_save(normalised, connection),
        field("created_at").get_db_prep_save(now, connection),
        field("updated_at").get_db_prep_save(now, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, params)
        pk, created_at = cursor.fetchone()
    if isinstance(created_at, str):  # SQLite returns text, or a naive datetime (its converter)
        created_at = parse_datetime(created_at)
    if timezone.is_naive(created_at):
        created_at = timezone.make_aware(created_at, UTC)
    return Ballot(
        pk=pk, envelope=envelope, voter=voter, choices=normalised, created_at=created_at, updated_at=now
    )


# ---------------------------------------------------------------------------------------------------------
# Paper ballots


#: More ballots than this in one polling place is a typing error (a Paris polling place counts ~1,000).
MAX_PAPER_BALLOTS = 50_000


def paper_counts_mode(envelope: Envelope) -> tuple[str | None, str]:
    """Which per-project count entry the envelope takes: ``counts`` (votes per project: approval or
    knapsack ballots counted greedily), ``grade_counts`` (per project, how many ballots gave each
    mention: grade ballots, majority judgment or greedy), or ``None`` with the reason (whole ballots
    only). See docs/decisions/0403-budget-paper-ballots.md."""
    if envelope.campaign.rule == Rule.MES:
        return None, _(
            "La méthode des parts égales a besoin des bulletins complets : elle partage l'enveloppe entre "
            "les votants selon l'ensemble des projets que chacun a choisis, ce que des totaux par projet "
            "ne disent pas. Saisissez les bulletins un par un."
        )
    if envelope.ballot_style == BallotStyle.GRADES:
        return PaperMode.GRADE_COUNTS, ""
    if envelope.campaign.rule != Rule.GREEDY:
        return None, _("Le jugement majoritaire demande un bulletin à mentions.")
    return PaperMode.COUNTS, ""


def _paper_count(value) -> int | None:
    """A typed count: a whole number (an empty field is 0); ``None`` when it is not one."""
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _paper_total(data) -> int:
    """The number of ballots in the box."""
    total = _paper_count(data.get("ballots"))
    if total is None or data.get("ballots") in (None, ""):
        raise ValidationError(_("Indiquez le nombre de bulletins dans l'urne."))
    if total < 0:
        raise ValidationError(_("Le nombre de bulletins ne peut pas être négatif."))
    if total > MAX_PAPER_BALLOTS:
        raise ValidationError(
            _("Un bureau de vote ne compte pas plus de %(max)s bulletins : vérifiez la saisie.")
            % {"max": f"{MAX_PAPER_BALLOTS:,}".replace(",", " ")}
        )
    return total


def _paper_project(raw, costs: dict[int, int]) -> int:
    pid = ballot_rules._project_id(raw)
    if pid not in costs:
        raise ValidationError(_("Le projet n°%(id)s ne fait pas partie de ce bulletin.") % {"id": pid})
    return pid


def _normalise_counts(data, costs: dict[int, int]) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("counts", {}), dict):
        raise ValidationError(_("Saisie invalide : un nombre de voix par projet est attendu."))
    total = _paper_total(data)
    counts = {}
    for raw, value in data.get("counts", {}).items():
        pid = _paper_project(raw, costs)
        count = _paper_count(value)
        if count is None:
            raise ValidationError(_("Nombre de voix invalide pour le projet n°%(id)s.") % {"id": pid})
        if count < 0 or count > total:
            raise ValidationError(
                _("Le projet n°%(id)s ne peut pas avoir plus de voix que de bulletins ni un nombre négatif.")
                % {"id": pid}
            )
        if count:
            counts[str(pid)] = count
    return {"ballots": total, "counts": dict(sorted(counts.items(), key=lambda kv: int(kv[0])))}


def _normalise_grade_counts(data, costs: dict[int, int]) -> dict:
    """``{"ballots": n, "grades": {project_id: {grade: count}}}``: per project, how many of the box's
    ballots gave it each mention; a ballot that left it ungraded gives it the lowest, so its counts add
    up to at most n (typing the lowest mention's count is optional)."""
    invalid = _("Saisie invalide : pour chaque projet, un nombre de bulletins par mention est attendu.")
    if not isinstance(data, dict) or not isinstance(data.get("grades", {}), dict):
        raise ValidationError(invalid)
    total = _paper_total(data)
    out = {}
    for raw, per_grade in data.get("grades", {}).items():
        pid = _paper_project(raw, costs)
        if not isinstance(per_grade, dict):
            raise ValidationError(
                _("Projet n°%(id)s : un nombre de bulletins par mention est attendu.") % {"id": pid}
            )
        counts = {}
        for raw_grade, value in per_grade.items():
            grade = _paper_count(raw_grade)
            if grade not in ballot_rules.GRADES:
                raise ValidationError(
                    _("Mention inconnue pour le projet n°%(id)s : de 1 (pas convaincu·e) à 4 (coup de cœur).")
                    % {"id": pid}
                )
            count = _paper_count(value)
            if count is None or count < 0:
                raise ValidationError(
                    _(
                        "Projet n°%(id)s, mention « %(grade)s » : un nombre entier de bulletins, positif ou "
                        "nul, est attendu."
                    )
                    % {"id": pid, "grade": Grade(grade).label}
                )
            if count:
                counts[str(grade)] = counts.get(str(grade), 0) + count
        graded = sum(counts.values())
        if graded > total:
            raise ValidationError(
                _(
                    "Le projet n°%(id)s a %(graded)s mentions pour %(total)s bulletins dans l'urne : un "
                    "bulletin donne au plus une mention à chaque projet."
                )
                % {"id": pid, "graded": graded, "total": total}
            )
        if counts:
            out[str(pid)] = dict(sorted(counts.items(), key=lambda kv: -int(kv[0])))
    return {"ballots": total, "grades": dict(sorted(out.items(), key=lambda kv: int(kv[0])))}


def _normalise_paper(envelope: Envelope, mode: str, data, costs: dict[int, int]):
    """Counts: ``{"ballots": n, "counts": {project_id: votes}}``; grade counts: ``{"ballots": n,
    "grades": {project_id: {grade: ballots}}}``; whole ballots: a list of ballots as the online ones."""
    if mode in (PaperMode.COUNTS, PaperMode.GRADE_COUNTS):
        allowed, reason = paper_counts_mode(envelope)
        if allowed is None:
            raise ValidationError(reason)
        if mode != allowed and allowed == PaperMode.GRADE_COUNTS:
            raise ValidationError(
                _(
                    "Ce bulletin est à mentions : pour chaque projet, saisissez le nombre de bulletins "
                    "par mention (saisie « grade_counts »), ou les bulletins un par un."
                )
            )
        if mode != allowed:
            raise ValidationError(
                _(
                    "Ce bulletin n'est pas à mentions : saisissez le nombre de voix par projet "
                    "(saisie « counts »)."
                )
            )
        if mode == PaperMode.COUNTS:
            return _normalise_counts(data, costs)
        return _normalise_grade_counts(data, costs)
    if mode == PaperMode.BALLOTS:
        if not isinstance(data, list) or not data:
            raise ValidationError(_("Saisie invalide : au moins un bulletin est attendu."))
        spec = ballot_rules.Spec.of(envelope)
        out = []
        for number, ballot in enumerate(data, start=1):
            try:
                out.append(ballot_rules.validate_choices(spec, ballot, costs))
            except ValidationError as exc:
                raise ValidationError(
                    _("Bulletin n°%(n)s : %(error)s") % {"n": number, "error": " ".join(exc.messages)}
                )
        return out
    raise ValidationError(_("Mode de saisie inconnu."))


@transaction.atomic
def paper_entry_submit(*, agent: User, envelope: Envelope, polling_place: str, mode: str, data) -> PaperBatch:
    """One agent's typing of a polling place's results; the batch counts once two different agents'
    entries agree exactly. An agent may correct their own entry until then."""
    permissions.ensure(agent, "enter_paper", envelope.campaign)
    place = (polling_place or "").strip()
    if len(place) < 2:
        raise ValidationError(_("Indiquez le bureau de vote."))
    costs = ballot_costs(envelope)
    normalised = _normalise_paper(envelope, mode, data, costs)
    batch, _created = PaperBatch.objects.get_or_create(
        envelope=envelope, polling_place=place, defaults={"mode": mode}
    )
    batch = PaperBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.accepted_at is not None:
        raise ValidationError(
            _("Les résultats de ce bureau ont déjà été validés par deux saisies concordantes.")
        )
    if batch.mode != mode:
        raise ValidationError(
            _("Ce bureau est saisi en mode « %(mode)s ».") % {"mode": batch.get_mode_display()}
        )
    PaperEntry.objects.update_or_create(
        batch=batch, agent=agent, defaults={"data": normalised, "created_at": timezone.now()}
    )
    others = [e.data for e in batch.entries.exclude(agent=agent)]
    if any(other == normalised for other in others):
        batch.accepted_at = timezone.now()
        batch.data = normalised
        batch.save(update_fields=["accepted_at", "data"])
        audit_record(actor=agent, action="budget.paper_accepted", target=batch)
    return batch


def paper_batch_state(batch: PaperBatch) -> str:
    if batch.accepted_at:
        return "accepted"
    entries = list(batch.entries.all())
    if len(entries) < 2:
        return "waiting"
    return "mismatch"


# ---------------------------------------------------------------------------------------------------------
# Results


def _envelope_choices(envelope: Envelope) -> list:
    """Every online ballot's choices, in storage order. On PostgreSQL the database aggregates them into
    one JSON document, parsed at once: ten times faster than a row per ballot for a city-wide vote."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(json_agg(choices ORDER BY id)::text, '[]') "
                "FROM budget_ballot WHERE envelope_id = %s",
                [envelope.pk],
            )
            return json.loads(cursor.fetchone()[0])
    return list(Ballot.objects.filter(envelope=envelope).order_by("pk").values_list("choices", flat=True))


def envelope_data(envelope: Envelope) -> tuple[tally.EnvelopeData, dict[str, str], int, int]:
    """Everything the tally needs for an envelope: online and accepted paper ballots, overrides."""
    campaign = envelope.campaign
    projects = list(
        Project.objects.filter(
            envelope=envelope,
            status=Status.FEASIBLE,
            review_published_at__isnull=False,
            hidden_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "cost", "priority_area_id", "title")
    )
    costs = {str(pk): cost for pk, cost, _p, _t in projects}
    grades = envelope.ballot_style == BallotStyle.GRADES
    online = _envelope_choices(envelope)
    ballots: list = [dict(c) for c in online] if grades else [c for c in online]
    paper = 0
    for batch in PaperBatch.objects.filter(envelope=envelope, accepted_at__isnull=False).order_by("pk"):
        paper += selectors.paper_batch_ballots(batch.mode, batch.data)
        if batch.mode == PaperMode.BALLOTS:
            ballots.extend(batch.data)
        elif batch.mode == PaperMode.GRADE_COUNTS:
            # Per-project grade distributions: as many anonymous ballots as the box held, with exactly
            # those distributions, which is all majority judgment and greedy look at.
            ballots.extend(tally.ballots_from_grade_counts(batch.data["ballots"], batch.data["grades"]))
        else:
            # Per-project counts (greedy only): one single-project ballot per vote, so votes add up.
            for pid, count in batch.data["counts"].items():
                ballots.extend([[int(pid)]] * count)
    overrides = list(envelope.overrides.order_by("created_at").values_list("project_id", "decision"))
    data = tally.EnvelopeData(
        costs=costs,
        budget=envelope.amount,
        ballots=ballots,
        rule=campaign.rule,
        reserved=envelope.reserved_amount,
        priority=frozenset(str(pk) for pk, _c, prio, _t in projects if prio),
        excluded=frozenset(str(p) for p, d in overrides if d == OverrideDecision.EXCLUDE),
        forced=tuple(str(p) for p, d in overrides if d == OverrideDecision.FUND),
        grades=grades,
        meta={
            "description": f"{campaign.title} — {envelope.name}",
            "unit": settings.PARVIS_CITY_NAME,
            "subunit": envelope.name,
            "instance": campaign.slug,
        },
    )
    return data, {str(pk): title for pk, _c, _p, title in projects}, len(online), paper


@transaction.atomic
def results_compute(*, actor: User | None, envelope: Envelope, check_permission: bool = True) -> Result:
    """Tally an envelope and store the outcome (replacing any earlier computation)."""
    if check_permission:
        permissions.ensure(actor, "compute_results", envelope.campaign)
    data, _names, online, paper = _tally_input(envelope)
    return _store_result(actor, envelope, tally.tally_envelope(data), online, paper)


def campaign_results_compute(
    *, actor: User | None, campaign: Campaign, check_permission: bool = True, progress=None
) -> list[Result]:
    """Tally every envelope of a campaign and store the outcomes, all or none.

    Envelopes are independent counts: a large campaign's are counted on every CPU while the next
    envelope is read (see ``tally_pool``); the outcomes are those of ``results_compute``.
    ``progress(result)``, when given, is called as each envelope's outcome is stored (the command's
    line per envelope).
    """
    if check_permission:
        permissions.ensure(actor, "compute_results", campaign)
    envelopes = list(campaign.envelopes.order_by("position", "pk"))
    pool = tally_pool.TallyPool()
    counted = []
    try:
        for envelope in envelopes:
            envelope.campaign = campaign
            data, _names, online, paper = _tally_input(envelope)
            pool.submit(data)
            counted.append((envelope, online, paper))
    except BaseException:
        pool.close()
        raise
    outcomes = pool.outcomes()
    stored = []
    with transaction.atomic():
        for (envelope, online, paper), outcome in zip(counted, outcomes, strict=True):
            stored.append(_store_result(actor, envelope, outcome, online, paper))
            if progress is not None:
                progress(stored[-1])
    return stored


def _tally_input(envelope: Envelope):
    data, names, online, paper = envelope_data(envelope)
    if data.rule == Rule.MJ and not data.grades:
        raise ValidationError(_("Le jugement majoritaire demande un bulletin à mentions."))
    return data, names, online, paper


def _store_result(actor, envelope: Envelope, outcome, online: int, paper: int) -> Result:
    result, _c = Result.objects.update_or_create(
        envelope=envelope,
        defaults={
            "computed_at": timezone.now(),
            "online_ballots": online,
            "paper_ballots": paper,
            "data": outcome.as_dict(),
        },
    )
    result.funded.set([int(p) for p in outcome.selected])
    if actor is not None:
        audit_record(actor=actor, action="budget.results", target=envelope, selected=outcome.selected)
    return result


@transaction.atomic
def override_create(
    *, actor: User, envelope: Envelope, project: Project, decision: str, justification: str
) -> Override:
    """Record a public, justified departure from the computed outcome, and recompute."""
    permissions.ensure(actor, "override", envelope.campaign)
    if project.envelope_id != envelope.pk or project.status != Status.FEASIBLE:
        raise ValidationError(_("Ce projet n'est pas sur le bulletin de cette enveloppe."))
    if decision not in OverrideDecision.values:
        raise ValidationError(_("Décision inconnue."))
    justification = (justification or "").strip()
    if len(justification) < 20:
        raise ValidationError(_("Une justification publique d'au moins 20 caractères est requise."))
    if Override.objects.filter(envelope=envelope, project=project).exists():
        raise ValidationError(_("Une décision a déjà été enregistrée pour ce projet."))
    override = Override.objects.create(
        envelope=envelope, project=project, decision=decision, justification=justification, created_by=actor
    )
    audit_record(
        actor=actor, action="budget.override", target=project, decision=decision, justification=justification
    )
    results_compute(actor=actor, envelope=envelope)
    return override


# ---------------------------------------------------------------------------------------------------------
# Follow-up


@transaction.atomic
def followup_add(
    *, actor: User, project: Project, status: str, body: str, photo=None, photo_alt: str = "", date=None
) -> FollowUpUpdate:
    """A dated update on a funded project's implementation; sets its current status. At most one photo,
    re-encoded by ``process_image`` (its size limits, no EXIF), with an optional description that becomes
    the image's alternative text (a generic one when left empty)."""
    permissions.ensure(actor, "followup", project.campaign)
    if not Result.objects.filter(funded=project).exists():
        raise ValidationError(_("Seuls les projets lauréats ont un suivi de réalisation."))
    if status not in (Implementation.STUDIES, Implementation.WORKS, Implementation.DELIVERED):
        raise ValidationError(_("Avancement inconnu : études, travaux ou livré."))
    body = (body or "").strip()
    if len(body) < 5:
        raise ValidationError(_("Décrivez l'avancement en quelques mots."))
    photo_alt = _clean_alt(photo_alt)
    if photo_alt and not photo:
        raise ValidationError(_("Une description de photo a été donnée sans photo : joignez la photo."))
    processed = process_image(photo, name="suivi") if photo else None
    update = FollowUpUpdate.objects.create(
        project=project,
        status=status,
        body=body,
        author=actor,
        date=date or timezone.localdate(),
        photo=processed.image if processed else "",
        photo_alt=photo_alt if processed else "",
    )
    Project.objects.filter(pk=project.pk).update(implementation=status)
    supporters = [s.user for s in project.supports.select_related("user")]
    notify(
        recipients=[u for u in [project.author, *supporters] if u],
        kind="budget.followup",
        title=SystemText(gettext_noop("Du nouveau sur « %(title)s »"), title=project.title),
        body=body[:500],
        url=project.get_absolute_url(),
        exclude=actor,
    )
    return update
