"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), JSON and XML, with the mySociety
``servicerequestupdates`` extension so that FixMyStreet-style clients can follow updates.

Service codes are the leaf category codes, and ``campagne-<slug>`` for open information campaigns.
Ids and codes are strings, datetimes carry a time zone and no fractions, ``status`` is open/closed
with Parvis's finer status in ``status_notes`` and the ``parvis_status`` extension field.
"""

import datetime as dt
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - used to write XML, never to parse input
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from parvis.core.ratelimit import RateLimited, check_rate

from . import rules, services
from .models import Campaign, Category, Question, Report, ReportEvent, ReportPhoto, Status

MAX_RESULTS = 1000
MAX_RANGE_DAYS = 90
CAMPAIGN_PREFIX = "campagne-"
DATATYPES = {
    "text": "string",
    "number": "number",
    "date": "datetime",
    "choice": "singlevaluelist",
    "multiple": "multivaluelist",
}
#: mySociety extension statuses (FixMyStreet understands these).
UPDATE_STATUS = {
    Status.NEW: "OPEN",
    Status.TO_HANDLE: "INVESTIGATING",
    Status.SCHEDULED: "ACTION_SCHEDULED",
    Status.DONE: "FIXED",
    Status.REJECTED: "NOT_COUNCILS_RESPONSIBILITY",
    Status.DUPLICATE: "DUPLICATE",
    Status.ARCHIVED: "CLOSED",
}


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        self.code = code
        self.description = description
        super().__init__(description)


# --- Rendering -------------------------------------------------------------------------------------


def _to_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(parent: ET.Element, data: dict, list_items: dict[str, str]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            item_name = list_items.get(key, key[:-1] if key.endswith("s") else "item")
            for item in value:
                sub = ET.SubElement(child, item_name)
                if isinstance(item, dict):
                    _xml_fill(sub, item, list_items)
                else:
                    sub.text = _to_text(item)
        elif isinstance(value, dict):
            _xml_fill(child, value, list_items)
        else:
            child.text = _to_text(value)


def render(
    fmt: str,
    data,
    *,
    root: str,
    item: str | None = None,
    status: int = 200,
    list_items: dict[str, str] | None = None,
) -> HttpResponse:
    """JSON as the spec shows it; XML with the spec's element names and a UTF-8 declaration."""
    if fmt == "json":
        import json

        return HttpResponse(
            json.dumps(data, ensure_ascii=False),
            status=status,
            content_type="application/json; charset=utf-8",
        )
    top = ET.Element(root)
    list_items = list_items or {}
    if item is None:
        _xml_fill(top, data, list_items)
    else:
        for entry in data:
            _xml_fill(ET.SubElement(top, item), entry, list_items)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        top, encoding="utf-8", xml_declaration=False
    )
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, code: int, description: str) -> HttpResponse:
    return render(fmt, [{"code": code, "description": description}], root="errors", item="error", status=code)


def _handle(fmt, fn, *args):
    try:
        return fn(*args)
    except Open311Error as exc:
        return error(fmt, exc.code, exc.description)
    except ValidationError as exc:
        return error(fmt, 400, " ".join(str(m) for m in exc.messages))
    except RateLimited as exc:
        response = error(fmt, 429, str(exc))
        response["Retry-After"] = str(exc.retry_after)
        return response


def w3c(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# --- Discovery and services ------------------------------------------------------------------------


def discovery(request, fmt):
    base = settings.PARVIS_SITE_URL + "/open311/v2/"
    data = {
        "changeset": "2026-11-26T00:00:00+01:00",
        "contact": _("Ville de %(city)s — service des signalements") % {"city": settings.PARVIS_CITY_NAME},
        "key_service": _(
            "Clés délivrées par un administrateur de la ville (commande « parvis open311-key create »)."
        ),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-26T00:00:00+01:00",
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, data, root="discovery", list_items={"endpoints": "endpoint", "formats": "format"})


def _leaf_categories() -> list[Category]:
    cats = list(
        Category.objects.filter(is_active=True).select_related("parent__parent").prefetch_related("questions")
    )
    parents = {c.parent_id for c in cats if c.parent_id}
    return [c for c in cats if c.pk not in parents]


def _family(category: Category) -> Category:
    node = category
    while node.parent is not None:
        node = node.parent
    return node


def _open_campaigns():
    now = timezone.now()
    return Campaign.objects.filter(
        kind=Campaign.Kind.INFORMATION, published=True, starts_at__lte=now, ends_at__gt=now
    ).prefetch_related("questions")


def services_list(request, fmt):
    rows = [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or c.name,
            "metadata": bool(c.questions.all()),
            "type": "realtime",
            "keywords": ", ".join(c.keyword_list),
            "group": _family(c).name,
        }
        for c in sorted(
            _leaf_categories(), key=lambda c: (_family(c).position, _family(c).name, c.position, c.name)
        )
    ]
    rows += [
        {
            "service_code": CAMPAIGN_PREFIX + camp.slug,
            "service_name": camp.title,
            "description": camp.description[:500],
            "metadata": bool(camp.questions.all()),
            "type": "realtime",
            "keywords": "",
            "group": _("Campagnes"),
        }
        for camp in _open_campaigns()
    ]
    return render(fmt, rows, root="services", item="service")


def _attribute(q: Question) -> dict:
    attr = {
        "variable": True,
        "code": q.code,
        "datatype": DATATYPES[q.kind],
        "required": q.required,
        "datatype_description": q.help_text or None,
        "order": q.position + 1,
        "description": q.label,
    }
    if q.kind in ("choice", "multiple"):
        attr["values"] = [{"key": k, "name": n} for k, n in q.choice_pairs]
    return attr


def _resolve_service(code: str) -> tuple[Category, Campaign | None]:
    code = (code or "").strip()
    if not code:
        raise Open311Error(400, _("service_code manquant."))
    if code.startswith(CAMPAIGN_PREFIX):
        campaign = (
            _open_campaigns().filter(slug=code[len(CAMPAIGN_PREFIX) :]).select_related("category").first()
        )
        if campaign is None:
            raise Open311Error(404, _("Service inconnu : %(code)s.") % {"code": code[:64]})
        return campaign.category, campaign
    category = (
        Category.objects.filter(code=code, is_active=True)
        .exclude(children__is_active=True)
        .select_related("parent__parent")
        .first()
    )
    if category is None:
        raise Open311Error(404, _("Service inconnu : %(code)s.") % {"code": code[:64]})
    return category, None


def service_definition(request, code, fmt):
    def run():
        category, campaign = _resolve_service(code)
        questions = (campaign or category).questions.all()
        data = {"service_code": code, "attributes": [_attribute(q) for q in questions]}
        return render(
            fmt, data, root="service_definition", list_items={"attributes": "attribute", "values": "value"}
        )

    return _handle(fmt, run)


# --- Requests --------------------------------------------------------------------------------------


def _parse_attributes(post) -> dict:
    """``attribute[code]=v`` and, for multi-value lists, ``attribute[code][]=v`` (repeated)."""
    answers: dict = {}
    for key in post:
        if not key.startswith("attribute[") or "]" not in key:
            continue
        code = key[len("attribute[") : key.index("]")]
        values = post.getlist(key)
        if key.endswith("[]") or len(values) > 1:
            answers.setdefault(code, [])
            answers[code] = list(answers[code]) + values
        else:
            answers[code] = values[0]
    return answers


def _create(request, fmt):
    post = request.POST
    key = services.open311_key_check(post.get("api_key", ""))
    if key is None:
        check_rate(request, "login")  # slows down guessing keys
        raise Open311Error(403, _("api_key absente ou invalide."))
    check_rate(request, "open311", key=f"o311-{key.pk}")
    category, campaign = _resolve_service(post.get("service_code", ""))
    lat, lon = post.get("lat"), post.get("long")
    address = (post.get("address_string") or "").strip()
    if (lat in (None, "") or lon in (None, "")) and not address:
        raise Open311Error(400, _("Indiquez lat et long, ou address_string."))
    name = " ".join(
        filter(None, [(post.get("first_name") or "").strip(), (post.get("last_name") or "").strip()])
    )
    token = "o311-" + uuid.uuid4().hex
    report, _created = services.report_create(
        draft=services.ReportDraft(
            category_code=category.code,
            lat=lat,
            lon=lon,
            address=address,
            description=post.get("description", ""),
            answers=_parse_attributes(post),
            email=post.get("email", ""),
            name=name,
            phone=post.get("phone", ""),
            client_token=token,
            media_url=post.get("media_url", ""),
        ),
        source="open311",
        open311_key=key,
        campaign=campaign,
        category=None if campaign else category,
        token_is_new=True,
    )
    notice = _("Merci. Suivez le signalement sur %(url)s") % {
        "url": settings.PARVIS_SITE_URL + report.get_absolute_url()
    }
    return render(
        fmt,
        [
            {
                "service_request_id": str(report.pk),
                "token": token,
                "service_notice": notice,
                "account_id": None,
            }
        ],
        root="service_requests",
        item="request",
    )


def _date_param(params, name) -> dt.datetime | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Open311Error(
            400, _("%(name)s invalide : date W3C attendue (2026-01-31T12:00:00+01:00).") % {"name": name}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _csv_param(params, name) -> list[str]:
    return [v.strip() for v in (params.get(name) or "").split(",") if v.strip()]


def _int_param(params, name, default, low, high) -> int:
    value = (params.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or not (low <= int(value) <= high):
        raise Open311Error(
            400,
            _("%(name)s doit être un entier entre %(low)d et %(high)d.")
            % {"name": name, "low": low, "high": high},
        )
    return int(value)


def public_requests():
    """Confirmed, non-hidden reports: what Open311 and the API may show."""
    return Report.objects.filter(confirmed_at__isnull=False, hidden_at__isnull=True)


REQUEST_FIELDS = (
    "id",
    "status",
    "public_reason",
    "description",
    "created_at",
    "updated_at",
    "planned_for",
    "address",
    "lat",
    "lon",
    "media_url",
    "category__name",
    "category__code",
    "campaign__slug",
    "campaign__title",
    "service__name",
    "district__name",
)


def as_requests(qs) -> list[dict]:
    """GeoReport "request" dicts, built from plain rows (no model instances: 1,000 rows stay cheap)."""
    rows = list(qs.values_list(*REQUEST_FIELDS))
    photos: dict[int, str] = {}
    if rows:
        for report_id, image in (
            ReportPhoto.objects.filter(report_id__in=[r[0] for r in rows], kind="before")
            .order_by("report_id", "position")
            .values_list("report_id", "image")
        ):
            photos.setdefault(report_id, image)
    storage = ReportPhoto._meta.get_field("image").storage
    labels = {s.value: str(s.label) for s in Status}
    tz = timezone.get_current_timezone()
    site = settings.PARVIS_SITE_URL
    detail = reverse("reports:detail", args=[1])[:-2]

    def when(value):
        return value.astimezone(tz).replace(microsecond=0).isoformat() if value is not None else None

    out = []
    for (
        pk,
        status,
        reason,
        description,
        created,
        updated,
        planned,
        address,
        lat,
        lon,
        media_url,
        cat_name,
        cat_code,
        campaign_slug,
        campaign_title,
        service_name,
        district_name,
    ) in rows:
        photo = photos.get(pk)
        out.append(
            {
                "service_request_id": str(pk),
                "status": "open" if status in rules.OPEN else "closed",
                "status_notes": reason or labels.get(status, status),
                "parvis_status": status,
                "service_name": campaign_title or cat_name,
                "service_code": CAMPAIGN_PREFIX + campaign_slug if campaign_slug else cat_code,
                "description": description,
                "agency_responsible": service_name,
                "service_notice": None,
                "requested_datetime": when(created),
                "updated_datetime": when(updated),
                "expected_datetime": when(dt.datetime.combine(planned, dt.time(12), tzinfo=tz))
                if planned
                else None,
                "address": address or district_name or "",
                "address_id": None,
                "zipcode": None,
                "lat": round(lat, 6),
                "long": round(lon, 6),
                "media_url": (site + storage.url(photo)) if photo else (media_url or None),
                "url": f"{site}{detail}{pk}/",
            }
        )
    return out


def _service_code_filter(codes: list[str]) -> Q:
    """A request is found under the code it was made with: ``campagne-<slug>`` for a campaign's
    contribution (whatever its category), the category's code for any other report."""
    slugs = [c.removeprefix(CAMPAIGN_PREFIX) for c in codes if c.startswith(CAMPAIGN_PREFIX)]
    return Q(campaign__isnull=True, category__code__in=codes) | Q(campaign__slug__in=slugs)


def _page(qs, offset: int, size: int):
    """One page of requests, newest first, in two steps: the page's ids from the public requests'
    index alone (``reports_public_created``: skipping the rows of earlier pages reads index entries,
    not the table, and needs no sort), then those rows. A deep page costs about what the first does
    (decision 0172)."""
    ids = list(qs.order_by("-created_at", "-id").values_list("pk", flat=True)[offset : offset + size])
    return Report.objects.filter(pk__in=ids).order_by("-created_at", "-id")


def _list(request, fmt):
    params = request.GET
    qs = public_requests()
    ids = _csv_param(params, "service_request_id")
    if ids:
        if not all(i.isdigit() for i in ids):
            raise Open311Error(
                400, _("service_request_id : identifiants numériques séparés par des virgules.")
            )
        rows = as_requests(qs.filter(pk__in=[int(i) for i in ids[:MAX_RESULTS]]).order_by("id"))
        return render(fmt, rows, root="service_requests", item="request")
    codes = _csv_param(params, "service_code")
    if codes:
        qs = qs.filter(_service_code_filter(codes))
    statuses = _csv_param(params, "status")
    if statuses:
        if not set(statuses) <= {"open", "closed"}:
            raise Open311Error(400, _("status : « open » ou « closed »."))
        if statuses == ["open"]:
            qs = qs.filter(status__in=list(rules.OPEN))
        elif statuses == ["closed"]:
            qs = qs.filter(status__in=list(rules.CLOSED))
    start, end = _date_param(params, "start_date"), _date_param(params, "end_date")
    if start and end and end < start:
        raise Open311Error(400, _("end_date est avant start_date."))
    if start and end and (end - start) > dt.timedelta(days=MAX_RANGE_DAYS):
        raise Open311Error(400, _("L'intervalle entre start_date et end_date ne doit pas dépasser 90 jours."))
    if start is None and end is None:
        end = timezone.now()
        start = end - dt.timedelta(days=MAX_RANGE_DAYS)
    elif start is None:
        start = end - dt.timedelta(days=MAX_RANGE_DAYS)
    elif end is None:
        end = start + dt.timedelta(days=MAX_RANGE_DAYS)
    qs = qs.filter(created_at__gte=start, created_at__lte=end)
    page_size = _int_param(params, "page_size", MAX_RESULTS, 1, MAX_RESULTS)
    page = _int_param(params, "page", 1, 1, 1_000_000)
    offset = (page - 1) * page_size
    return render(fmt, as_requests(_page(qs, offset, page_size)), root="service_requests", item="request")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests_view(request, fmt):
    if request.method == "POST":
        return _handle(fmt, _create, request, fmt)
    return _handle(fmt, _list, request, fmt)


def request_detail(request, pk, fmt):
    def run():
        found = as_requests(public_requests().filter(pk=int(pk))) if pk.isdigit() else []
        if not found:
            raise Open311Error(404, _("Demande inconnue : %(id)s.") % {"id": pk[:32]})
        return render(fmt, found, root="service_requests", item="request")

    return _handle(fmt, run)


def token_view(request, token, fmt):
    def run():
        report = Report.objects.filter(client_token=token).only("id").first() if len(token) <= 64 else None
        if report is None:
            raise Open311Error(404, _("Jeton inconnu : %(token)s.") % {"token": token[:64]})
        return render(
            fmt,
            [{"service_request_id": str(report.pk), "token": token}],
            root="service_requests",
            item="request",
        )

    return _handle(fmt, run)


# --- mySociety extension: service request updates --------------------------------------------------


def _updates(events: Iterable[ReportEvent]) -> list[dict]:
    return [
        {
            "update_id": str(e.pk),
            "service_request_id": str(e.report_id),
            "status": UPDATE_STATUS.get(e.status, "OPEN"),
            "updated_datetime": w3c(e.created_at),
            "description": e.text or str(e.get_kind_display()),
            "media_url": None,
        }
        for e in events
    ]


def updates_view(request, fmt):
    def run():
        start, end = _date_param(request.GET, "start_date"), _date_param(request.GET, "end_date")
        if start and end and end < start:
            raise Open311Error(400, _("end_date est avant start_date."))
        end = end or timezone.now()
        start = start or end - dt.timedelta(days=1)
        if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
            raise Open311Error(
                400, _("L'intervalle entre start_date et end_date ne doit pas dépasser 90 jours.")
            )
        events = (
            ReportEvent.objects.filter(
                public=True,
                created_at__gte=start,
                created_at__lte=end,
                report__confirmed_at__isnull=False,
                report__hidden_at__isnull=True,
            )
            .exclude(kind="created")
            .order_by("created_at", "id")[:MAX_RESULTS]
        )
        return render(fmt, _updates(events), root="service_requests_updates", item="request_update")

    return _handle(fmt, run)
