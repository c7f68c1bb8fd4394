"""Use cases that change reports: create, confirm, route, follow up, merge, follow, thank."""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from parvis.core import attachments, places, territories
from parvis.core.audit import audit_record
from parvis.core.dates import format_when
from parvis.core.images import process_image
from parvis.core.models import Service, Territory, TerritoryLevel, User
from parvis.core.notifications import notify
from parvis.core.richtext import plain_text
from parvis.core.tasks import send_email
from parvis.core.texts import SystemText, texts_data, texts_source

from . import rules
from .models import (
    OPEN_STATUSES,
    Category,
    EventKind,
    Follow,
    Open311Key,
    PhotoKind,
    Question,
    QuestionKind,
    Report,
    ReportEvent,
    ReportPhoto,
    RoutingRule,
    Source,
    Status,
    Thanks,
)
from .permissions import (
    can_be_assigned,
    ensure_back_office,
    ensure_can_configure_categories,
    ensure_can_manage,
    ensure_can_participate,
)

MAX_PHOTOS = 3
MAX_DESCRIPTION = 4000
CONFIRM_SALT = "parvis.reports.confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7
FOLLOWUP_SALT = "parvis.reports.followup"
FOLLOWUP_MAX_AGE = 60 * 60 * 24 * 365


# --- Categories, questions, routing ----------------------------------------------------------------


def category_chain(category: Category) -> list[int]:
    """The category's id then its ancestors' (sub-type → type → family)."""
    chain, seen, node = [], set(), category
    while node is not None and node.pk not in seen:
        chain.append(node.pk)
        seen.add(node.pk)
        node = node.parent
    return chain


def category_for_reporting(code: str) -> Category:
    category = Category.objects.select_related("parent__parent").filter(code=(code or "").strip()).first()
    if category is None or not category.is_active:
        raise ValidationError(_("Catégorie inconnue : « %(code)s ».") % {"code": (code or "")[:64]})
    if Category.objects.filter(parent=category, is_active=True).exists():
        raise ValidationError(
            _("Choisissez une catégorie plus précise que « %(name)s ».") % {"name": category.name}
        )
    return category


def route(category: Category, location: territories.Location) -> int | None:
    """The service for a category at a place (rules in ``rules.choose_service``); one query."""
    chain_nodes, node = [], category
    while node is not None and node not in chain_nodes:
        chain_nodes.append(node)
        node = node.parent
    chain = [c.pk for c in chain_nodes]
    rule_rows = [
        rules.Rule(r.category_id, r.territory_id, r.service_id)
        for r in RoutingRule.objects.filter(category_id__in=chain)
    ]
    return rules.choose_service(
        rule_rows,
        chain,
        district_id=location.district.id if location.district else None,
        priority_area_id=location.priority_area.id if location.priority_area else None,
        fallback={c.pk: c.service_id for c in chain_nodes},
    )


def clean_answers(questions: list[Question], raw: dict) -> dict:
    """Check the answers to a category's (or campaign's) questions; return them keyed by code."""
    raw = raw or {}
    cleaned = {}
    for q in questions:
        value = raw.get(q.code)
        if isinstance(value, list) and q.kind != QuestionKind.MULTIPLE:
            value = value[0] if value else None
        empty = value in (None, "", []) or (isinstance(value, str) and not value.strip())
        if empty:
            if q.required:
                raise ValidationError(_("Répondez à la question « %(label)s ».") % {"label": q.label})
            continue
        where = {"label": q.label}
        if q.kind == QuestionKind.TEXT:
            value = str(value).strip()
            if len(value) > 500:
                raise ValidationError(
                    _("Réponse trop longue à « %(label)s » (500 caractères au plus).") % where
                )
        elif q.kind == QuestionKind.NUMBER:
            try:
                value = float(str(value).replace(",", "."))
            except ValueError:
                raise ValidationError(_("« %(label)s » attend un nombre.") % where)
            if value != value or abs(value) > 1e9:
                raise ValidationError(_("« %(label)s » attend un nombre.") % where)
            value = int(value) if value.is_integer() else value
        elif q.kind == QuestionKind.DATE:
            try:
                value = dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
            except ValueError:
                raise ValidationError(_("« %(label)s » attend une date (AAAA-MM-JJ).") % where)
        else:
            codes = {c for c, _label in q.choice_pairs}
            values = value if isinstance(value, list) else [value]
            if len(values) > len(codes):
                raise ValidationError(_("Trop de choix pour « %(label)s ».") % where)
            values = list(dict.fromkeys(str(v) for v in values))
            bad = [v for v in values if v not in codes]
            if bad:
                raise ValidationError(
                    _("Choix inconnu pour « %(label)s » : %(value)s.")
                    % {"label": q.label, "value": bad[0][:50]}
                )
            value = values if q.kind == QuestionKind.MULTIPLE else values[0]
        cleaned[q.code] = value
    return cleaned


# --- Where: a point, or an address / a territory for people who cannot use the map -----------------


def _place(draft) -> places.Place:
    """A point on the map, else the neighbourhood chosen in the list, else the typed address, through
    core's resolver; a report always gets a point (approximate for a territory or an address)."""
    territory = None
    if draft.territory_code:
        territory = (
            Territory.objects.filter(
                code=draft.territory_code, level__in=[TerritoryLevel.NEIGHBOURHOOD, TerritoryLevel.DISTRICT]
            )
            .select_related("parent")
            .first()
        )
        if territory is None:
            raise ValidationError(_("Quartier inconnu."))
    has_point = draft.lat not in (None, "") and draft.lon not in (None, "")
    if not has_point and territory is None and not (draft.address or "").strip():
        raise ValidationError(
            _("Indiquez où se trouve l'anomalie : placez un point sur la carte ou saisissez une adresse.")
        )
    return places.resolve(
        lat=draft.lat if has_point else None,
        lon=draft.lon if has_point else None,
        territory=territory,
        address=draft.address,
        point_required=True,
    )


# --- Category settings and routing rules (city admins, from the back office) -----------------------

#: (lowest, highest) accepted for each setting a city admin may change from the back office.
CATEGORY_SETTING_LIMITS = {
    "target_hours": (1, 24 * 365),
    "duplicate_radius_m": (0, 1000),
    "resolved_visible_days": (0, 365),
}


def _setting_value(raw, label: str, low: int, high: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("« %(label)s » attend un nombre entier.") % {"label": label})
    if not low <= value <= high:
        raise ValidationError(
            _("« %(label)s » doit être compris entre %(low)d et %(high)d.")
            % {"label": label, "low": low, "high": high}
        )
    return value


@transaction.atomic
def category_update_settings(
    *, actor: User, category: Category, target_hours, duplicate_radius_m, resolved_visible_days
) -> Category:
    """Change a category's target time, duplicate radius and map visibility once resolved (all or nothing)."""
    ensure_can_configure_categories(actor)
    category = Category.objects.select_for_update().get(pk=category.pk)
    raw = {
        "target_hours": target_hours,
        "duplicate_radius_m": duplicate_radius_m,
        "resolved_visible_days": resolved_visible_days,
    }
    values = {
        name: _setting_value(raw[name], str(Category._meta.get_field(name).verbose_name), *limits)
        for name, limits in CATEGORY_SETTING_LIMITS.items()
    }
    previous = {name: getattr(category, name) for name in values}
    for name, value in values.items():
        setattr(category, name, value)
    category.save(update_fields=list(values))
    audit_record(
        actor=actor, action="reports.category_settings", target=category, previous=previous, **values
    )
    return category


def _rule_where(territory: Territory | None) -> str:
    return territory.name if territory is not None else _("partout (règle par défaut)")


@transaction.atomic
def routing_rule_add(*, actor: User, category: Category, service_id, territory_id=None) -> RoutingRule:
    """Route a category (and the sub-categories without their own rule) to a service, at a place or by
    default. Only reports created or re-qualified afterwards follow the new rule."""
    ensure_can_configure_categories(actor)
    try:
        service = Service.objects.filter(pk=int(service_id)).first() if service_id not in (None, "") else None
    except (TypeError, ValueError):
        service = None
    if service is None:
        raise ValidationError(_("Choisissez le service qui traitera ces signalements."))
    territory = None
    if territory_id not in (None, ""):
        try:
            territory = Territory.objects.filter(pk=int(territory_id)).first()
        except (TypeError, ValueError):
            territory = None
        if territory is None or territory.level not in (TerritoryLevel.DISTRICT, TerritoryLevel.PRIORITY):
            raise ValidationError(
                _("Une règle vaut pour un arrondissement, un quartier prioritaire ou toute la ville.")
            )
    exists = _("Une règle existe déjà pour « %(category)s », %(where)s : retirez-la d'abord.") % {
        "category": category.name,
        "where": _rule_where(territory),
    }
    if RoutingRule.objects.filter(category=category, territory=territory).exists():
        raise ValidationError(exists)
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(category=category, territory=territory, service=service)
    except IntegrityError:  # the same rule added at the same moment by another admin
        raise ValidationError(exists)
    audit_record(
        actor=actor,
        action="reports.routing_add",
        target=category,
        territory=territory.code if territory else None,
        service=service.code,
    )
    return rule


@transaction.atomic
def routing_rule_remove(*, actor: User, category: Category, rule_id) -> None:
    ensure_can_configure_categories(actor)
    try:
        rule = (
            RoutingRule.objects.select_related("territory", "service")
            .filter(pk=int(rule_id), category=category)
            .first()
        )
    except (TypeError, ValueError):
        rule = None
    if rule is None:
        raise ValidationError(_("Cette règle d'aiguillage n'existe pas (ou plus)."))
    audit_record(
        actor=actor,
        action="reports.routing_remove",
        target=category,
        territory=rule.territory.code if rule.territory else None,
        service=rule.service.code,
    )
    rule.delete()


# --- Creating a report -----------------------------------------------------------------------------


@dataclass
class ReportDraft:
    category_code: str
    lat: float | str | None = None
    lon: float | str | None = None
    address: str = ""
    territory_code: str = ""
    description: str = ""
    answers: dict = field(default_factory=dict)
    photos: list = field(default_factory=list)
    photo_alt: str = ""
    email: str = ""
    name: str = ""
    phone: str = ""
    client_token: str | None = None
    media_url: str = ""


def _clean_description(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            _("La description est trop longue : %(n)d caractères (%(max)d au plus).")
            % {"n": len(text), "max": MAX_DESCRIPTION}
        )
    if "<" in text and ">" in text:
        text = plain_text(text).strip()
    return text


def _clean_media_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(_("Lien de photo invalide (media_url) : une adresse http(s) est attendue."))
    if len(url) > 500:
        raise ValidationError(_("Lien de photo trop long (500 caractères au plus)."))
    return url


def _clean_token(token) -> str | None:
    token = (token or "").strip()
    if not token:
        return None
    if len(token) > 64 or not all(c.isalnum() or c in "-_" for c in token):
        raise ValidationError(_("Jeton de soumission invalide."))
    return token


def report_create(
    *,
    draft: ReportDraft,
    author: User | None = None,
    source: str = Source.WEB,
    agent: User | None = None,
    open311_key: Open311Key | None = None,
    campaign=None,
    category: Category | None = None,
    token_is_new: bool = False,
) -> tuple[Report, bool]:
    """Create a report, or return the one already created with the same client token.

    Everything is checked (category, point, answers, photos) before anything is written, so a bad
    input changes nothing. Returns (report, created).
    """
    token = _clean_token(draft.client_token)
    if token and not token_is_new:
        existing = Report.objects.filter(client_token=token).first()
        if existing is not None:
            return existing, False
    if campaign is not None:
        if campaign.kind != campaign.Kind.INFORMATION or campaign.category is None:
            raise ValidationError(_("Cette campagne ne reçoit pas de signalements."))
        category = campaign.category
    elif category is None:
        category = category_for_reporting(draft.category_code)
    place = _place(draft)
    if campaign is not None:
        from .campaigns import campaign_contains, ensure_campaign_open

        ensure_campaign_open(campaign)
        if not campaign_contains(campaign, place.lat, place.lon):
            raise ValidationError(_("Ce point est en dehors du périmètre de la campagne."))
        questions = list(campaign.questions.all())
    else:
        questions = list(category.questions.all())
    answers = clean_answers(questions, draft.answers)
    description = _clean_description(draft.description)
    email = (draft.email or "").strip().lower()
    if author is None and agent is None and open311_key is None and not email:
        raise ValidationError(
            _("Indiquez votre adresse e-mail pour confirmer le signalement, ou connectez-vous.")
        )
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(_("Adresse e-mail invalide."))
    if author is not None and author.is_blocked:
        raise ValidationError(_("Votre compte est bloqué : vous ne pouvez plus faire de signalement."))
    photos = [p for p in (draft.photos or []) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("Trois photos au plus."))
    # One description for the photos sent together (required: the pages give it as their alt text).
    prepared = attachments.prepare([(p, draft.photo_alt) for p in photos], alt_required=True)

    now = timezone.now()
    confirmed = (
        agent is not None or open311_key is not None or (author is not None and author.email_confirmed)
    )
    report = Report(
        category=category,
        service_id=route(category, place.location),
        **place.fields(),
        description=description,
        answers=answers,
        media_url=_clean_media_url(draft.media_url),
        author=author if author is not None else (agent if not email else None),
        author_email=email if author is None else "",
        author_name=(draft.name or "").strip()[:120],
        author_phone=(draft.phone or "").strip()[:40],
        confirmed_at=now if confirmed else None,
        client_token=token,
        source=Source.AGENT if agent is not None else source,
        open311_key=open311_key,
        campaign=campaign,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            report.save()
            attachments.attach(ReportPhoto, prepared, report=report, kind=PhotoKind.BEFORE)
            ReportEvent.objects.create(
                report=report,
                kind=EventKind.CREATED,
                status=Status.NEW,
                created_at=now,
                actor=agent,
                actor_is_staff=agent is not None,
                message=texts_data(
                    [SystemText(gettext_noop("Signalement fait par un agent sur le terrain."))]
                )
                if agent
                else [],
            )
            if report.author_id and report.author_id != getattr(agent, "pk", None):
                Follow.objects.create(report=report, user_id=report.author_id)
            if agent is not None:
                audit_record(actor=agent, action="reports.create_on_behalf", target=report)
    except IntegrityError:
        if token:
            existing = Report.objects.filter(client_token=token).first()
            if existing is not None:
                return existing, False
        raise
    if report.confirmed_at is None:
        _send_confirmation(report)
    else:
        _notify_service_new(report)
    return report, True


def confirmation_token(report: Report) -> str:
    return signing.dumps({"r": report.pk, "e": report.author_email}, salt=CONFIRM_SALT)


def _send_confirmation(report: Report) -> None:
    link = settings.PARVIS_SITE_URL + reverse("reports:confirm", args=[confirmation_token(report)])
    body = _(
        "Bonjour,\n\nMerci pour votre signalement « %(category)s ». Pour le transmettre aux services de la "
        "ville, confirmez-le en ouvrant ce lien :\n%(link)s\n\nCe lien est valable 7 jours."
    ) % {"category": report.category.name, "link": link}
    body += "\n\n" + _followup_text(report)
    email = report.author_email
    transaction.on_commit(lambda: send_email.enqueue([email], _("Confirmez votre signalement"), body))


@transaction.atomic
def report_confirm(token: str) -> Report:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("Ce lien de confirmation a expiré : faites un nouveau signalement."))
    except signing.BadSignature:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide."))
    report = Report.objects.select_for_update().filter(pk=data.get("r"), author_email=data.get("e")).first()
    if report is None:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide."))
    if report.confirmed_at is None:
        report.confirmed_at = timezone.now()
        report.save(update_fields=["confirmed_at"])
        _notify_service_new(report)
    return report


def _service_members(service_id):
    if not service_id:
        return []
    return list(User.objects.filter(services__id=service_id, is_active=True))


def _notify_service_new(report: Report) -> None:
    from .tasks import notify_service_of_new_report

    report_id = report.pk
    transaction.on_commit(lambda: notify_service_of_new_report.enqueue(report_id))


def notify_service_new(report: Report) -> None:
    """The agents read what, where and when in the message itself, before they open the link."""
    notify(
        recipients=_service_members(report.service_id),
        kind="reports.new",
        title=SystemText(gettext_noop("Nouveau signalement : %(category)s"), category=report.category.name),
        body=_new_report_summary(report),
        url=reverse("reports:manage", args=[report.pk]),
    )


def _new_report_summary(report: Report) -> str:
    places = [t.name for t in (report.neighbourhood, report.district) if t is not None]
    where = report.address or _("point %(lat).5f, %(lon).5f") % {"lat": report.lat, "lon": report.lon}
    if places:
        where += f" ({', '.join(places)})"
    lines = [
        _("Quoi : %(category)s (n°%(number)d)") % {"category": report.category.name, "number": report.pk},
        _("Où : %(place)s") % {"place": where},
        _("Quand : signalé le %(date)s") % {"date": format_when(report.created_at)},
    ]
    if report.due_at:
        lines.append(_("Échéance : %(date)s") % {"date": format_when(report.due_at)})
    if report.description:
        lines += ["", report.description[:500]]
    return "\n".join(lines)


def _notify_followers(
    report: Report, title, body="", exclude: User | None = None, email_author: bool = True
) -> None:
    """``title`` and ``body`` as ``notify`` takes them (``SystemText`` shown in each reader's language)."""
    followers = User.objects.filter(pk__in=Follow.objects.filter(report=report).values("user_id"))
    notify(
        recipients=followers,
        kind="reports.update",
        title=title,
        body=body,
        url=report.get_absolute_url(),
        exclude=exclude,
    )
    if email_author and report.author_id is None and report.author_email and report.confirmed_at:
        if not report.author_updates:
            return
        email = report.author_email
        title, body = texts_source([title]), texts_source(body if isinstance(body, list) else [body])
        text = f"{title}\n\n{body}\n\n{settings.PARVIS_SITE_URL}{report.get_absolute_url()}"
        text += "\n\n" + _followup_text(report)
        transaction.on_commit(lambda: send_email.enqueue([email], title, text))


# --- Anonymous authors: a signed follow-up link, no account needed -------------------------------------


def followup_token(report: Report) -> str:
    return signing.dumps({"r": report.pk, "e": report.author_email}, salt=FOLLOWUP_SALT)


def followup_url(report: Report) -> str:
    return settings.PARVIS_SITE_URL + reverse("reports:followup", args=[followup_token(report)])


def _followup_text(report: Report) -> str:
    return _(
        "Suivre votre signalement, dire s'il est réglé ou non, ou ne plus recevoir de nouvelles "
        "(lien personnel, valable un an) :\n%(link)s"
    ) % {"link": followup_url(report)}


def report_for_followup(token: str) -> Report:
    """The anonymous author's report behind a signed follow-up link (raises ValidationError otherwise)."""
    try:
        data = signing.loads(token, salt=FOLLOWUP_SALT, max_age=FOLLOWUP_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("Ce lien de suivi a expiré : retrouvez votre signalement sur la carte ou créez un compte.")
        )
    except signing.BadSignature:
        raise ValidationError(_("Ce lien de suivi n'est pas valide."))
    report = (
        Report.objects.select_related("category")
        .filter(pk=data.get("r"), author__isnull=True, author_email=data.get("e") or "-")
        .first()
    )
    if report is None:
        raise ValidationError(_("Ce lien de suivi n'est pas valide."))
    return report


@transaction.atomic
def report_anonymous_feedback(*, token: str, fixed: bool, note: str = "") -> Report:
    """The anonymous author says "it is fixed" or "it is not fixed" (reopened for review) through the link."""
    report = _locked(report_for_followup(token))
    if report.confirmed_at is None:
        raise ValidationError(_("Confirmez d'abord votre signalement (lien reçu par e-mail)."))
    _apply_feedback(report, actor=None, fixed=fixed, note=note)
    return report


@transaction.atomic
def report_anonymous_updates(*, token: str, subscribe: bool) -> Report:
    """Stop (or start again) the e-mail updates sent to the anonymous author."""
    report = _locked(report_for_followup(token))
    report.author_updates = subscribe
    report.save(update_fields=["author_updates"])
    return report


# --- Follow-up -------------------------------------------------------------------------------------


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("category").get(pk=report.pk)


def _set_status(
    report: Report,
    *,
    actor: User | None,
    status: str,
    note: str = "",
    staff: bool = True,
    kind: str = EventKind.STATUS,
    message: list | None = None,
) -> ReportEvent:
    """Write the new status and the fields that go with it, and the timeline entry."""
    now = timezone.now()
    report.status = status
    report.updated_at = now
    if status in OPEN_STATUSES:
        report.closed_at = None
        report.resolved_at = None
        if status != Status.SCHEDULED:
            report.planned_for = None
    elif report.closed_at is None:
        report.closed_at = now
    if status == Status.DONE:
        report.resolved_at = now
    if status != Status.DUPLICATE:
        report.duplicate_of = None
    if status != Status.REJECTED:
        report.public_reason = ""
    report.save()
    return ReportEvent.objects.create(
        report=report,
        kind=kind,
        status=status,
        note=note,
        message=message or [],
        actor=actor,
        actor_is_staff=staff,
        created_at=now,
    )


@transaction.atomic
def report_set_status(
    *,
    report: Report,
    actor: User,
    status: str,
    note: str = "",
    planned_for: dt.date | None = None,
    public_reason: str = "",
    duplicate_of: Report | None = None,
    after_photo=None,
) -> Report:
    """An agent moves a report along the workflow; every change is a public timeline entry."""
    report = _locked(report)
    ensure_can_manage(actor, report)
    if status not in Status.values:
        raise ValidationError(_("Statut inconnu : « %(status)s ».") % {"status": str(status)[:30]})
    if not rules.can_transition(report.status, status):
        raise ValidationError(
            _("Passage impossible de « %(from)s » à « %(to)s ».")
            % {"from": Status(report.status).label, "to": Status(status).label}
        )
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError(_("Le message est trop long (2 000 caractères au plus)."))
    if after_photo and status != Status.DONE:
        raise ValidationError(_("La photo « après » accompagne seulement le passage à « Résolu »."))
    processed = process_image(after_photo, name="apres") if after_photo else None
    if status == Status.SCHEDULED:
        if planned_for is None:
            raise ValidationError(_("Indiquez la date d'intervention prévue."))
        if planned_for < timezone.localdate() - dt.timedelta(days=1):
            raise ValidationError(_("La date d'intervention prévue est déjà passée."))
    if status == Status.REJECTED and not (public_reason or "").strip():
        raise ValidationError(_("Indiquez le motif du rejet : il sera public."))
    if status == Status.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError(_("Indiquez le signalement dont celui-ci est le doublon."))
        if duplicate_of.pk == report.pk:
            raise ValidationError(_("Un signalement ne peut pas être le doublon de lui-même."))
        if duplicate_of.status == Status.DUPLICATE:
            duplicate_of = duplicate_of.duplicate_of or duplicate_of
        if duplicate_of.pk == report.pk:
            raise ValidationError(_("Un signalement ne peut pas être le doublon de lui-même."))
    previous = report.status
    if status == Status.DUPLICATE:
        report.duplicate_of = duplicate_of
    if status == Status.REJECTED:
        report.public_reason = public_reason.strip()[:1000]
    event_note = note
    system: list = []
    if status == Status.SCHEDULED:
        report.planned_for = planned_for
        system = [SystemText(gettext_noop("Intervention prévue le %(date)s."), date=planned_for)]
    if status == Status.REJECTED:
        event_note = report.public_reason + ("\n" + note if note else "")
    _set_status(report, actor=actor, status=status, note=event_note, message=texts_data(system))
    if status == Status.DUPLICATE:
        _move_followers(report, duplicate_of)
        ReportEvent.objects.create(
            report=duplicate_of,
            kind=EventKind.MERGED,
            status=duplicate_of.status,
            actor=actor,
            actor_is_staff=True,
            message=texts_data(
                [SystemText(gettext_noop("Le signalement n°%(n)d a été rattaché à celui-ci."), n=report.pk)]
            ),
        )
    if processed is not None:
        ReportPhoto.objects.filter(report=report, kind=PhotoKind.AFTER).delete()
        ReportPhoto.objects.create(
            report=report,
            kind=PhotoKind.AFTER,
            position=3,
            image=processed.image,
            thumbnail=processed.thumbnail,
            width=processed.width,
            height=processed.height,
        )
    audit_record(actor=actor, action="reports.status", target=report, previous=previous, status=status)
    _notify_followers(
        report,
        SystemText(
            gettext_noop("Signalement n°%(n)d : %(status)s"), n=report.pk, status=Status(status).label
        ),
        body=[*system, event_note],
        exclude=actor,
    )
    return report


def _move_followers(duplicate: Report, original: Report) -> None:
    already = set(Follow.objects.filter(report=original).values_list("user_id", flat=True))
    for follow in Follow.objects.filter(report=duplicate):
        if follow.user_id not in already:
            Follow.objects.create(report=original, user_id=follow.user_id)
    Follow.objects.filter(report=duplicate).delete()


@transaction.atomic
def report_bulk_status(
    *,
    report_ids: list[int],
    actor: User,
    status: str,
    note: str = "",
    planned_for=None,
    public_reason: str = "",
) -> int:
    """All or nothing: one report the agent may not change, or may not move there, and none changes."""
    ensure_back_office(actor)
    ids = sorted({int(i) for i in report_ids})
    if not ids:
        raise ValidationError(_("Cochez au moins un signalement."))
    if status == Status.DUPLICATE:
        raise ValidationError(_("Pour les doublons, utilisez « Fusionner »."))
    reports = list(Report.objects.filter(pk__in=ids).order_by("pk"))
    if len(reports) != len(ids):
        raise ValidationError(_("Certains signalements n'existent pas."))
    for report in reports:
        report_set_status(
            report=report,
            actor=actor,
            status=status,
            note=note,
            planned_for=planned_for,
            public_reason=public_reason,
        )
    return len(reports)


@transaction.atomic
def report_merge(*, original: Report, duplicates: list[Report], actor: User) -> Report:
    """Mark several reports as duplicates of one; their followers move to the original."""
    original = _locked(original)
    ensure_can_manage(actor, original)
    if original.status == Status.DUPLICATE:
        raise ValidationError(_("Le signalement gardé est lui-même un doublon : choisissez l'original."))
    others = [d for d in duplicates if d.pk != original.pk]
    if not others:
        raise ValidationError(_("Choisissez au moins un autre signalement à rattacher."))
    for dup in others:
        report_set_status(report=dup, actor=actor, status=Status.DUPLICATE, duplicate_of=original)
    return original


@transaction.atomic
def report_reroute(
    *,
    report: Report,
    actor: User,
    category: Category | None = None,
    service: Service | None = None,
    note: str = "",
) -> Report:
    """Re-qualify a report: a new category (routed again) and/or another service."""
    report = _locked(report)
    ensure_can_manage(actor, report)
    if category is None and service is None:
        raise ValidationError(_("Choisissez une autre catégorie ou un autre service."))
    if category is not None:
        category = category_for_reporting(category.code)
        report.category = category
    if service is not None:
        report.service = service
    elif category is not None:
        location = territories.locate(report.lat, report.lon)
        report.service_id = route(category, location)
    report.updated_at = timezone.now()
    report.save()
    ReportEvent.objects.create(
        report=report,
        kind=EventKind.REROUTED,
        status=report.status,
        actor=actor,
        actor_is_staff=True,
        message=texts_data(
            [
                SystemText(
                    gettext_noop("Requalifié : %(category)s, %(service)s."),
                    category=report.category.name,
                    service=report.service.name if report.service else "—",
                )
            ]
        ),
        note=note.strip() if note else "",
    )
    audit_record(
        actor=actor,
        action="reports.reroute",
        target=report,
        category=report.category.code,
        service=report.service_id,
    )
    _notify_service_new(report)
    return report


@transaction.atomic
def report_assign(*, report: Report, actor: User, agent: User | None) -> Report:
    report = _locked(report)
    ensure_can_manage(actor, report)
    if agent is not None:
        if not can_be_assigned(agent, report):
            raise ValidationError(_("Cette personne n'est pas agent du service chargé du signalement."))
    report.assigned_to = agent
    report.updated_at = timezone.now()
    if report.status == Status.NEW:
        report.status = Status.TO_HANDLE
    report.save()
    ReportEvent.objects.create(
        report=report,
        kind=EventKind.ASSIGNED,
        status=report.status,
        actor=actor,
        actor_is_staff=True,
        public=True,
        message=texts_data(
            [
                SystemText(gettext_noop("Pris en charge par le service."))
                if agent
                else SystemText(gettext_noop("Remis dans la file."))
            ]
        ),
    )
    if agent is not None and agent.pk != actor.pk:
        notify(
            recipients=[agent],
            kind="reports.assigned",
            title=SystemText(gettext_noop("Signalement n°%(n)d vous est confié"), n=report.pk),
            url=reverse("reports:manage", args=[report.pk]),
        )
    return report


@transaction.atomic
def report_comment(*, report: Report, actor: User, note: str) -> ReportEvent:
    report = _locked(report)
    ensure_can_manage(actor, report)
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Le message est vide."))
    if len(note) > 2000:
        raise ValidationError(_("Le message est trop long (2 000 caractères au plus)."))
    report.updated_at = timezone.now()
    report.save(update_fields=["updated_at"])
    event = ReportEvent.objects.create(
        report=report,
        kind=EventKind.COMMENT,
        status=report.status,
        note=note,
        actor=actor,
        actor_is_staff=True,
    )
    _notify_followers(
        report,
        SystemText(gettext_noop("Signalement n°%(n)d : message de la ville"), n=report.pk),
        body=note,
        exclude=actor,
    )
    return event


# --- Residents -------------------------------------------------------------------------------------


def report_follow(*, report: Report, user: User) -> bool:
    ensure_can_participate(user)
    if not report.is_public:
        raise ValidationError(_("Ce signalement n'est pas encore public."))
    target = report.duplicate_of if report.status == Status.DUPLICATE and report.duplicate_of else report
    try:
        with transaction.atomic():
            Follow.objects.create(report=target, user=user)
    except IntegrityError:
        return False
    return True


def report_unfollow(*, report: Report, user: User) -> None:
    Follow.objects.filter(report=report, user=user).delete()


def report_thank(*, report: Report, user: User) -> bool:
    ensure_can_participate(user)
    report = Report.objects.get(pk=report.pk)
    if report.status != Status.DONE:
        raise ValidationError(_("On remercie les agents une fois le signalement résolu."))
    try:
        with transaction.atomic():
            Thanks.objects.create(report=report, user=user)
            ReportEvent.objects.create(report=report, kind=EventKind.THANKS, status=report.status, actor=user)
    except IntegrityError:
        return False
    notify(
        recipients=_service_members(report.service_id),
        kind="reports.thanks",
        title=SystemText(
            gettext_noop("Un habitant remercie le service pour le signalement n°%(n)d"), n=report.pk
        ),
        url=report.get_absolute_url(),
    )
    return True


@transaction.atomic
def report_resident_feedback(*, report: Report, user: User, fixed: bool, note: str = "") -> Report:
    """A resident says "it is fixed" (open report) or "it is not fixed" (resolved: reopened for review)."""
    ensure_can_participate(user)
    report = _locked(report)
    _apply_feedback(report, actor=user, fixed=fixed, note=note)
    if not Follow.objects.filter(report=report, user=user).exists():
        Follow.objects.create(report=report, user=user)
    return report


def _apply_feedback(report: Report, *, actor: User | None, fixed: bool, note: str) -> None:
    """Shared by residents with an account and anonymous authors (``actor`` None); report locked."""
    if not report.is_public:
        raise ValidationError(_("Ce signalement n'est pas encore public."))
    note = (note or "").strip()[:2000]
    if fixed:
        if report.status not in OPEN_STATUSES:
            raise ValidationError(_("Ce signalement est déjà clos."))
        ReportEvent.objects.create(
            report=report, kind=EventKind.FIXED, status=report.status, actor=actor, note=note
        )
        notify(
            recipients=_service_members(report.service_id),
            kind="reports.feedback",
            title=SystemText(
                gettext_noop("Signalement n°%(n)d : un habitant indique que c'est réglé"), n=report.pk
            ),
            url=reverse("reports:manage", args=[report.pk]),
        )
    else:
        if report.status != Status.DONE:
            raise ValidationError(_("On ne peut rouvrir qu'un signalement résolu."))
        _set_status(
            report, actor=actor, status=Status.TO_HANDLE, note=note, staff=False, kind=EventKind.NOT_FIXED
        )
        _notify_followers(
            report,
            SystemText(gettext_noop("Signalement n°%(n)d rouvert : « ce n'est pas réglé »"), n=report.pk),
            body=note,
            exclude=actor,
            email_author=actor is not None,
        )
        notify(
            recipients=_service_members(report.service_id),
            kind="reports.feedback",
            title=SystemText(gettext_noop("Signalement n°%(n)d rouvert par un habitant"), n=report.pk),
            url=reverse("reports:manage", args=[report.pk]),
        )


# --- Personal data ---------------------------------------------------------------------------------


def export_user(user: User) -> dict:
    return {
        "reports": [
            {
                "id": r.pk,
                "category": r.category.code,
                "created_at": r.created_at.isoformat(),
                "status": r.status,
                "description": r.description,
                "address": r.address,
            }
            for r in Report.objects.filter(author=user).select_related("category")
        ],
        "followed": list(Follow.objects.filter(user=user).values_list("report_id", flat=True)),
    }


def anonymise_user(user: User) -> None:
    Report.objects.filter(author=user).update(author_name="", author_phone="", author_email="")
    Follow.objects.filter(user=user).delete()


# --- Open311 keys ----------------------------------------------------------------------------------

OPEN311_PREFIX = "o311_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open311_key_create(*, name: str) -> tuple[Open311Key, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Donnez un nom à la clé (le nom de l'application cliente)."))
    if len(name) > 100:
        raise ValidationError(_("Le nom de la clé ne doit pas dépasser 100 caractères."))
    if Open311Key.objects.filter(name=name).exists():
        raise ValidationError(_("Une clé porte déjà ce nom : « %(name)s ».") % {"name": name})
    key = OPEN311_PREFIX + secrets.token_urlsafe(24)
    return Open311Key.objects.create(name=name, prefix=key[:12], key_hash=_hash(key)), key


def open311_key_check(key: str) -> Open311Key | None:
    if not key or not key.startswith(OPEN311_PREFIX) or len(key) > 100:
        return None
    return Open311Key.objects.filter(key_hash=_hash(key), revoked_at__isnull=True).first()
