"""The reports module in Parvis's own JSON API (mounted at /api/reports/), for the mobile-first pages."""

import datetime as dt
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from parvis.core.api_auth import api_auth
from parvis.core.api_schema import READ, WRITE, Rows, errors, paginated
from parvis.core.ratelimit import check_rate

from . import selectors, services
from .models import Category, Report
from .models import Status as ReportStatus
from .open311 import as_requests, public_requests
from .permissions import can_see, ensure_back_office

router = Router(tags=["signalements"])


class QuestionOut(Schema):
    code: str
    label: str
    kind: str
    required: bool
    choices: list


class CategoryOut(Schema):
    code: str
    name: str
    icon: str
    parent: str | None
    leaf: bool
    keywords: list[str]
    duplicate_radius_m: int
    questions: list[QuestionOut]


@router.get("/categories", response={200: list[CategoryOut], **READ}, summary="Arbre des catégories")
@paginated
def categories(request):
    cats = list(
        Category.objects.filter(is_active=True).select_related("parent").prefetch_related("questions")
    )
    parents = {c.parent_id for c in cats if c.parent_id}
    return Rows(
        cats,
        lambda c: {
            "code": c.code,
            "name": c.name,
            "icon": c.icon,
            "parent": c.parent.code if c.parent else None,
            "leaf": c.pk not in parents,
            "keywords": c.keyword_list,
            "duplicate_radius_m": c.duplicate_radius_m,
            "questions": [
                {
                    "code": q.code,
                    "label": q.label,
                    "kind": q.kind,
                    "required": q.required,
                    "choices": q.choices,
                }
                for q in c.questions.all()
            ],
        },
    )


class FiltersIn(Schema):
    category: str = ""
    status: str = ""
    district: str = ""
    since: str = ""
    until: str = ""
    bbox: str = ""


class PublicRequests:
    """Public reports as Open311 "request" dicts, built for the requested page only."""

    def __init__(self, qs):
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def __getitem__(self, window: slice) -> list[dict]:
        return as_requests(self.qs[window])


@router.get(
    "/reports",
    response={200: list[dict], **errors(400, 422)},
    summary="Signalements publics (mêmes champs qu'Open311)",
)
@paginated
def report_list(request, filters: Query[FiltersIn]):
    f = selectors.parse_filters(filters.dict())
    qs = (
        public_requests()
        .filter(pk__in=selectors.public_reports(f).values("pk"))
        .order_by("-created_at", "-id")
    )
    return PublicRequests(qs)


@router.get(
    "/reports/{int:report_id}",
    response={200: dict, **errors(404, 422)},
    summary="Un signalement et son suivi",
)
def report_detail(request, report_id: int):
    report = selectors.report_detail(report_id)
    if report is None or not can_see(request.user, report):
        raise Http404(_("Ce signalement n'existe pas ou n'est pas public."))
    data = as_requests(Report.objects.filter(pk=report.pk))[0]
    data["timeline"] = [
        {
            "kind": e.kind,
            "status": e.status,
            "note": e.text,
            "by_city": e.actor_is_staff,
            "at": e.created_at.isoformat(timespec="seconds"),
        }
        for e in report.events.all()
        if e.public
    ]
    data["duplicate_of"] = str(report.duplicate_of_id) if report.duplicate_of_id else None
    site = settings.PARVIS_SITE_URL
    data["photos"] = [
        {
            "kind": p.kind,
            "url": site + p.image.url,
            "thumbnail": site + p.thumbnail.url if p.thumbnail else None,
            "width": p.width,
            "height": p.height,
            "alt": p.alt,
        }
        for p in sorted(report.photos.all(), key=lambda p: p.position)
    ]
    return data


class NearbyOut(Schema):
    id: int
    distance_m: float
    status: str
    created_at: str
    description: str


@router.get(
    "/duplicates",
    response={200: list[NearbyOut], **errors(400, 422)},
    summary="Signalements ouverts de la même catégorie à proximité",
)
@paginated
def duplicates(request, category: str, lat: float, lon: float):
    from parvis.core.territories import validate_coordinates

    cat = Category.objects.filter(code=category).first()
    if cat is None:
        raise ValidationError(_("Catégorie inconnue : « %(code)s ».") % {"code": category[:64]})
    lat, lon = validate_coordinates(lat, lon)
    return Rows(list(selectors.duplicates_near(category=cat, lat=lat, lon=lon)), _nearby_out)


def _nearby_out(found) -> dict:
    report, distance = found
    return {
        "id": report.pk,
        "distance_m": round(distance, 1),
        "status": report.status,
        "created_at": report.created_at.isoformat(),
        "description": report.description[:200],
    }


@router.get(
    "/map",
    response={200: dict, **errors(400, 422)},
    summary="Carte (GeoJSON, regroupé au-delà de quelques centaines de points)",
)
def map_geojson(request, filters: Query[FiltersIn]):
    return selectors.map_geojson(selectors.parse_filters(filters.dict()))


class ReportIn(Schema):
    category: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    description: str = ""
    answers: dict = {}
    client_token: str | None = None


class CreatedOut(Schema):
    id: int
    created: bool
    confirmed: bool
    url: str


@router.post(
    "/reports",
    auth=api_auth,
    response={200: CreatedOut, 201: CreatedOut, **WRITE},
    summary="Faire un signalement (sans photo ; idempotent par client_token)",
)
def report_create(request, payload: ReportIn):
    check_rate(request, "write")
    report, created = services.report_create(
        draft=services.ReportDraft(
            category_code=payload.category,
            lat=payload.lat,
            lon=payload.lon,
            address=payload.address,
            description=payload.description,
            answers=payload.answers,
            client_token=payload.client_token,
        ),
        author=request.auth,
        source="api",
    )
    return Status(201 if created else 200, _created_out(report, created))


def _created_out(report: Report, created: bool) -> dict:
    return {
        "id": report.pk,
        "created": created,
        "confirmed": report.confirmed_at is not None,
        "url": report.get_absolute_url(),
    }


class ReportFormIn(Schema):
    category: str
    lat: float | None = None
    lon: float | None = None
    address: str = ""
    territory: str = ""
    description: str = ""
    answers: str = "{}"
    client_token: str | None = None
    photo_alt: str = ""


def _answers_from_text(text: str) -> dict:
    try:
        answers = json.loads(text or "{}")
    except ValueError:
        raise ValidationError(_("Les réponses (answers) doivent être un objet JSON."))
    if not isinstance(answers, dict):
        raise ValidationError(_("Les réponses (answers) doivent être un objet JSON."))
    return answers


@router.post(
    "/reports/with-photos",
    auth=api_auth,
    response={200: CreatedOut, 201: CreatedOut, **WRITE},
    summary="Faire un signalement avec jusqu'à 3 photos (multipart ; idempotent par client_token)",
    description=(
        "Formulaire multipart/form-data : mêmes champs que `POST /reports`, `answers` en texte JSON, "
        "`territory` (code de quartier ou d'arrondissement) pour qui ne peut pas utiliser la carte, "
        "`photos` (0 à 3 fichiers image) et `photo_alt` (ce que montrent les photos, leur texte "
        "alternatif : obligatoire avec une photo). Les photos sont ré-encodées en JPEG sans EXIF ni GPS ; "
        "un fichier qui n'est pas une image est refusé et rien n'est créé. Un nouvel envoi avec le même "
        "`client_token` renvoie le signalement déjà créé (200)."
    ),
)
def report_create_with_photos(request, payload: Form[ReportFormIn], photos: File[list[UploadedFile]] = None):
    check_rate(request, "write")
    report, created = services.report_create(
        draft=services.ReportDraft(
            category_code=payload.category,
            lat=payload.lat,
            lon=payload.lon,
            address=payload.address,
            territory_code=payload.territory,
            description=payload.description,
            answers=_answers_from_text(payload.answers),
            photos=list(photos or []),
            photo_alt=payload.photo_alt,
            client_token=payload.client_token,
        ),
        author=request.auth,
        source="api",
    )
    return Status(201 if created else 200, _created_out(report, created))


class StatusFormIn(Schema):
    status: str
    note: str = ""
    planned_for: dt.date | None = None
    public_reason: str = ""
    duplicate_of: int | None = None


class StatusOut(Schema):
    id: int
    status: str
    after_photo: str | None


@router.post(
    "/reports/{int:report_id}/status",
    auth=api_auth,
    response={200: StatusOut, **WRITE},
    summary="Changer le statut d'un signalement (agents ; photo « après » possible)",
    description=(
        "Formulaire multipart/form-data réservé aux agents du service chargé du signalement : "
        "`status` (new, to_handle, scheduled, done, rejected, duplicate, archived), `note` (message public), "
        "`planned_for` (AAAA-MM-JJ, pour scheduled), `public_reason` (pour rejected), `duplicate_of` "
        "(pour duplicate) et `after_photo` (une image, seulement avec done ; ré-encodée sans EXIF)."
    ),
)
def report_status(
    request, report_id: int, payload: Form[StatusFormIn], after_photo: File[UploadedFile] = None
):
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404(_("Signalement inconnu."))
    check_rate(request, "write")
    original = None
    if payload.duplicate_of is not None:
        original = Report.objects.filter(pk=payload.duplicate_of).first()
        if original is None:
            raise ValidationError(
                _("Le signalement original n°%(n)d n'existe pas.") % {"n": payload.duplicate_of}
            )
    report = services.report_set_status(
        report=report,
        actor=request.auth,
        status=payload.status,
        note=payload.note,
        planned_for=payload.planned_for,
        public_reason=payload.public_reason,
        duplicate_of=original,
        after_photo=after_photo,
    )
    after = report.photos.filter(kind="after").first() if report.status == ReportStatus.DONE else None
    return {"id": report.pk, "status": report.status, "after_photo": after.image.url if after else None}


class FollowOut(Schema):
    followed: bool


@router.post(
    "/reports/{int:report_id}/follow",
    auth=api_auth,
    response={200: FollowOut, **WRITE},
    summary="Suivre un signalement",
)
def follow(request, report_id: int):
    report = Report.objects.filter(pk=report_id).first()
    if report is None or not can_see(request.auth, report):
        raise Http404(_("Ce signalement n'existe pas ou n'est pas public."))
    check_rate(request, "write")
    return {"followed": services.report_follow(report=report, user=request.auth)}


@router.get(
    "/stats",
    auth=api_auth,
    response={200: list[dict], **errors(400, 401, 403, 422)},
    summary="Statistiques (agents)",
)
@paginated
def stats(request, by: str = "category"):
    ensure_back_office(request.auth)
    return selectors.statistics(by=by)
