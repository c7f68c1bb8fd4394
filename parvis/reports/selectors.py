"""Read-only queries for pages, the JSON API and Open311."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum
from django.db.models.functions import Cast, Floor
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions, rules
from .models import CLOSED_STATUSES, OPEN_STATUSES, Category, Report, Status

MAP_POINT_LIMIT = 800
MAP_GRID_CELLS = 24


# --- Duplicates ------------------------------------------------------------------------------------


def duplicates_near(
    *,
    category: Category,
    lat: float,
    lon: float,
    radius_m: float | None = None,
    exclude_id: int | None = None,
    limit: int = 10,
) -> list[tuple[Report, float]]:
    """Open, public reports of the same category within ``radius_m`` (the category's radius by default),
    nearest first. A bounding box on the indexed lat/lon columns narrows the rows; the exact distance
    is then computed in Python (no PostGIS needed)."""
    radius = float(radius_m if radius_m is not None else category.duplicate_radius_m)
    min_lat, max_lat, min_lon, max_lon = rules.bounding_box(lat, lon, radius)
    qs = (
        Report.objects.filter(
            category=category,
            status__in=["new", "to_handle", "scheduled"],
            lat__gte=min_lat,
            lat__lte=max_lat,
            lon__gte=min_lon,
            lon__lte=max_lon,
        )
        .filter(confirmed_at__isnull=False, hidden_at__isnull=True)
        .only("id", "lat", "lon", "status", "created_at", "description", "category_id", "address")[:500]
    )
    found = []
    for report in qs:
        if report.pk == exclude_id:
            continue
        distance = rules.haversine_m(lat, lon, report.lat, report.lon)
        if distance <= radius:
            found.append((report, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


# --- Public lists and the map ----------------------------------------------------------------------


@dataclass
class ReportFilters:
    category: str = ""
    status: str = ""  # a status, or "open" / "closed"
    district: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat


def parse_filters(params) -> ReportFilters:
    """Read filters from query parameters; raise ValidationError with a readable message."""
    f = ReportFilters(
        category=(params.get("category") or "").strip(),
        status=(params.get("status") or "").strip(),
        district=(params.get("district") or "").strip(),
    )
    if f.category:
        _category_and_descendants(f.category)  # an unknown category is the filter's error, not the page's
    if f.status and f.status not in {"open", "closed", *Status.values}:
        raise ValidationError(_("Statut inconnu : « %(s)s ».") % {"s": f.status[:30]})
    for name in ("since", "until"):
        value = (params.get(name) or "").strip()
        if value:
            try:
                setattr(f, name, dt.date.fromisoformat(value))
            except ValueError:
                raise ValidationError(_("Date invalide : « %(v)s » (format AAAA-MM-JJ).") % {"v": value[:20]})
    bbox = (params.get("bbox") or "").strip()
    if bbox:
        try:
            parts = [float(x) for x in bbox.split(",")]
        except ValueError:
            parts = []
        if len(parts) != 4 or not (-180 <= parts[0] < parts[2] <= 180 and -90 <= parts[1] < parts[3] <= 90):
            raise ValidationError(_("Zone invalide : bbox=ouest,sud,est,nord en degrés."))
        f.bbox = tuple(parts)
    return f


def public_reports(filters: ReportFilters | None = None, *, recent_closed_only: bool = False):
    """Confirmed, not hidden reports matching the filters.

    ``recent_closed_only`` (the map) keeps closed reports only while their category says they stay
    visible (``resolved_visible_days``)."""
    qs = Report.objects.filter(confirmed_at__isnull=False, hidden_at__isnull=True)
    f = filters or ReportFilters()
    if f.category:
        codes = _category_and_descendants(f.category)
        qs = qs.filter(category__code__in=codes)
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status == "closed":
        qs = qs.filter(status__in=CLOSED_STATUSES)
    elif f.status:
        qs = qs.filter(status=f.status)
    elif recent_closed_only:
        qs = qs.filter(Q(status__in=OPEN_STATUSES) | _recently_closed())
    if f.district:
        qs = qs.filter(district__code=f.district)
    if f.since:
        qs = qs.filter(created_at__date__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__date__lte=f.until)
    if f.bbox:
        min_lon, min_lat, max_lon, max_lat = f.bbox
        qs = qs.filter(lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon)
    return qs


def _recently_closed(statuses=(Status.DONE,)) -> Q:
    """Reports closed (by default: resolved) still inside their category's visibility window (no join:
    one arm per window)."""
    now = timezone.now()
    windows: dict[int, list[int]] = {}
    for pk, days in Category.objects.values_list("pk", "resolved_visible_days"):
        windows.setdefault(days, []).append(pk)
    q = Q(pk__in=[])
    status = {"status": statuses[0]} if len(statuses) == 1 else {"status__in": list(statuses)}
    for days, ids in windows.items():
        q |= Q(**status, closed_at__gte=now - dt.timedelta(days=days), category_id__in=ids)
    return q


def _category_and_descendants(code: str) -> list[str]:
    rows = list(Category.objects.values_list("id", "parent_id", "code"))
    ids = {i for i, _p, c in rows if c == code}
    if not ids:
        raise ValidationError(_("Catégorie inconnue : « %(code)s ».") % {"code": code[:64]})
    changed = True
    while changed:
        new = {i for i, p, _c in rows if p in ids} - ids
        changed = bool(new)
        ids |= new
    return [c for i, _p, c in rows if i in ids]


def _map_arms(filters: ReportFilters) -> list:
    """The map's default view is "open, or resolved recently": two queries, each served by its own index
    (an OR across them would read the table). An explicit status filter is a single query; a closed
    status keeps the same recent window unless the visitor chose a period."""
    closed = {"closed": CLOSED_STATUSES}.get(filters.status) or (
        (filters.status,) if filters.status in CLOSED_STATUSES else None
    )
    if closed and not (filters.since or filters.until):
        # A closed status on the map shows what the unfiltered map shows of it: the reports closed within
        # their category's visibility window (the list and the exports hold the whole history). Years of
        # resolved reports (most of the table) cannot be grouped into the map's grid in 100 ms (0172).
        # One query per status, each served by its own index (the closed date first for resolved ones).
        return [public_reports(filters).filter(_recently_closed((status,))) for status in closed]
    if filters.status:
        return [public_reports(filters)]
    open_filters = ReportFilters(**{**filters.__dict__, "status": "open"})
    return [public_reports(open_filters), public_reports(filters).filter(_recently_closed())]


def map_geojson(filters: ReportFilters) -> dict:
    """GeoJSON for the map: the points themselves when the box holds few, else grid clusters
    (count and centroid per cell) computed in the database so a district-sized box stays fast."""
    if filters.bbox is None:
        raise ValidationError(_("Indiquez la zone de la carte (bbox=ouest,sud,est,nord)."))
    arms = _map_arms(filters)
    points = []
    for qs in arms:
        points += list(
            qs.order_by().values_list("id", "lat", "lon", "status", "category_id")[: MAP_POINT_LIMIT + 1]
        )
        if len(points) > MAP_POINT_LIMIT:
            break
    if len(points) <= MAP_POINT_LIMIT:
        cats = {
            pk: (code, name, icon)
            for pk, code, name, icon in Category.objects.values_list("pk", "code", "name", "icon")
        }
        labels = {s.value: str(s.label) for s in Status}
        features = []
        for pk, lat, lon, status, category_id in points:
            code, name, icon = cats.get(category_id, ("", "", ""))
            features.append(
                {
                    "type": "Feature",
                    "id": pk,
                    "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                    "properties": {
                        "id": pk,
                        "status": status,
                        "status_label": labels.get(status, status),
                        "category": code,
                        "title": f"{icon} {name}".strip(),
                        "url": f"/signalements/{pk}/",
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features, "clustered": False}
    min_lon, min_lat, max_lon, max_lat = filters.bbox
    cell_lon = (max_lon - min_lon) / MAP_GRID_CELLS
    cell_lat = (max_lat - min_lat) / MAP_GRID_CELLS
    cells: dict[tuple[int, int], list[float]] = {}
    for qs in arms:
        rows = (
            qs.order_by()
            .annotate(
                gx=Cast(Floor((F("lon") - min_lon) / cell_lon), IntegerField()),
                gy=Cast(Floor((F("lat") - min_lat) / cell_lat), IntegerField()),
            )
            .values("gx", "gy")
            .annotate(n=Count("id"), slat=Sum("lat"), slon=Sum("lon"))
        )
        for r in rows:
            cell = cells.setdefault((r["gx"], r["gy"]), [0, 0.0, 0.0])
            cell[0] += r["n"]
            cell[1] += r["slat"]
            cell[2] += r["slon"]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(slon / n, 6), round(slat / n, 6)]},
            "properties": {"cluster": True, "count": n},
        }
        for n, slat, slon in cells.values()
    ]
    return {"type": "FeatureCollection", "features": features, "clustered": True}


# --- Back office -----------------------------------------------------------------------------------


@dataclass
class QueueFilters:
    service: int | None = None
    district: str = ""
    category: str = ""
    status: str = "open"
    min_age_days: int | None = None
    overdue: bool = False
    mine: bool = False


def queue(user, f: QueueFilters):
    qs = Report.objects.select_related("category", "district", "service", "assigned_to").filter(
        confirmed_at__isnull=False
    )
    if f.service:
        qs = qs.filter(service_id=f.service)
    elif not permissions.sees_every_service(user):
        qs = qs.filter(service_id__in=list(user.services.values_list("id", flat=True)))
    if f.district:
        qs = qs.filter(district__code=f.district)
    if f.category:
        qs = qs.filter(category__code__in=_category_and_descendants(f.category))
    if f.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status == "closed":
        qs = qs.filter(status__in=CLOSED_STATUSES)
    elif f.status in Status.values:
        qs = qs.filter(status=f.status)
    if f.min_age_days:
        qs = qs.filter(created_at__lte=timezone.now() - dt.timedelta(days=f.min_age_days))
    if f.mine:
        qs = qs.filter(assigned_to=user)
    if f.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES).filter(_overdue_q())
    return qs.order_by("created_at", "id")


def _overdue_q() -> Q:
    now = timezone.now()
    q = Q(pk__in=[])
    for hours in Category.objects.values_list("target_hours", flat=True).distinct():
        q |= Q(category__target_hours=hours, created_at__lt=now - dt.timedelta(hours=hours))
    return q


def report_detail(pk: int) -> Report | None:
    return (
        Report.objects.select_related(
            "category__parent__parent",
            "district",
            "neighbourhood",
            "service",
            "duplicate_of",
            "author",
            "assigned_to",
        )
        .prefetch_related("photos", "events__actor", "duplicates")
        .annotate(n_followers=Count("follows", distinct=True))
        .filter(pk=pk)
        .first()
    )


def is_following(report: Report, user) -> bool:
    from .models import Follow

    return bool(user and user.is_authenticated and Follow.objects.filter(report=report, user=user).exists())


def annotate_following(qs, user):
    from .models import Follow

    return qs.annotate(following=Exists(Follow.objects.filter(report=OuterRef("pk"), user=user)))


# --- Statistics ------------------------------------------------------------------------------------

STAT_DIMENSIONS = {
    "category": ("category__code", "category__name"),
    "service": ("service__code", "service__name"),
    "district": ("district__code", "district__name"),
}


def _day_bounds(since, until):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    stop = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    return start, stop


def statistics(
    *,
    by: str = "category",
    since: dt.date | None = None,
    until: dt.date | None = None,
    service: int | None = None,
) -> list[dict]:
    """Per category, service or district: counts, open and closed, median and 90th-percentile handling
    time (hours, creation → first closure), share of reports handled late or still open past the target.

    PostgreSQL computes it in one grouped query (percentile_cont); other databases in Python, with the same
    definitions (``rules.percentile`` interpolates like percentile_cont)."""
    if by not in STAT_DIMENSIONS:
        raise ValidationError(_("Regroupement inconnu : « %(by)s ».") % {"by": by[:30]})
    start, stop = _day_bounds(since, until)
    now = timezone.now()
    if connection.vendor == "postgresql":
        rows = _statistics_postgresql(by, start, stop, service, now)
    else:
        rows = _statistics_python(by, start, stop, service, now)
    result = []
    for key, label, total, n_open, n_closed, median, p90, late in rows:
        considered = n_open + n_closed
        result.append(
            {
                "key": key or "—",
                "label": label or str(_("Non attribué")),
                "total": total,
                "open": n_open,
                "closed": n_closed,
                "late": late,
                "median_hours": _round(median),
                "p90_hours": _round(p90),
                "overdue_share": round(100 * late / considered, 1) if considered else None,
            }
        )
    result.sort(key=lambda g: (-g["total"], g["label"]))
    return result


_STAT_SQL_DIMENSIONS = {
    "category": ("c.code", "c.name", ""),
    "service": ("s.code", "s.name", "LEFT JOIN core_service s ON s.id = r.service_id"),
    "district": ("t.code", "t.name", "LEFT JOIN core_territory t ON t.id = r.district_id"),
}


def _statistics_postgresql(by, start, stop, service, now):
    key, label, join = _STAT_SQL_DIMENSIONS[by]
    open_list = ", ".join(f"'{s}'" for s in rules.OPEN)
    closed_cond = f"r.status NOT IN ({open_list}, 'duplicate') AND r.closed_at IS NOT NULL"
    hours = "EXTRACT(EPOCH FROM (r.closed_at - r.created_at)) / 3600.0"
    where, params = ["r.confirmed_at IS NOT NULL"], [now]
    if start:
        where.append("r.created_at >= %s")
        params.append(start)
    if stop:
        where.append("r.created_at < %s")
        params.append(stop)
    if service:
        where.append("r.service_id = %s")
        params.append(service)
    sql = f"""
        SELECT {key}, {label}, COUNT(*),
               COUNT(*) FILTER (WHERE r.status IN ({open_list})),
               COUNT(*) FILTER (WHERE {closed_cond}),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY {hours}) FILTER (WHERE {closed_cond}),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY {hours}) FILTER (WHERE {closed_cond}),
               COUNT(*) FILTER (WHERE
                   (r.status IN ({open_list}) AND r.created_at < %s - c.target_hours * INTERVAL '1 hour')
                   OR ({closed_cond} AND {hours} > c.target_hours))
        FROM reports_report r JOIN reports_category c ON c.id = r.category_id {join}
        WHERE {" AND ".join(where)}
        GROUP BY 1, 2
    """  # noqa: S608 - only constants are interpolated; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _statistics_python(by, start, stop, service, now):
    key_field, label_field = STAT_DIMENSIONS[by]
    qs = Report.objects.filter(confirmed_at__isnull=False)
    if start:
        qs = qs.filter(created_at__gte=start)
    if stop:
        qs = qs.filter(created_at__lt=stop)
    if service:
        qs = qs.filter(service_id=service)
    groups: dict = {}
    for key, label, status, created, closed, target in qs.values_list(
        key_field, label_field, "status", "created_at", "closed_at", "category__target_hours"
    ).iterator(2000):
        g = groups.setdefault((key, label), {"total": 0, "open": 0, "closed": 0, "late": 0, "hours": []})
        g["total"] += 1
        if status in OPEN_STATUSES:
            g["open"] += 1
            if (now - created).total_seconds() > target * 3600:
                g["late"] += 1
        elif status != Status.DUPLICATE and closed is not None:
            g["closed"] += 1
            hours = (closed - created).total_seconds() / 3600
            g["hours"].append(hours)
            if hours > target:
                g["late"] += 1
    return [
        (
            key,
            label,
            g["total"],
            g["open"],
            g["closed"],
            rules.percentile(g["hours"], 50),
            rules.percentile(g["hours"], 90),
            g["late"],
        )
        for (key, label), g in groups.items()
    ]


def _round(value):
    return None if value is None else round(value, 1)


def category_tree_for_admin() -> list[tuple[Category, int]]:
    """Every category, depth first (family → type → sub-type), with its depth; rules prefetched."""
    from django.db.models import Prefetch

    from .models import RoutingRule

    cats = list(
        Category.objects.select_related("service").prefetch_related(
            Prefetch(
                "routing_rules",
                queryset=RoutingRule.objects.select_related("territory", "service").order_by(
                    "territory__level", "territory__name"
                ),
            )
        )
    )
    children: dict[int | None, list[Category]] = {}
    for c in cats:
        children.setdefault(c.parent_id, []).append(c)
    out, seen = [], set()

    def walk(parent_id, depth):
        for c in children.get(parent_id, []):
            if c.pk in seen:
                continue
            seen.add(c.pk)
            out.append((c, depth))
            walk(c.pk, depth + 1)

    walk(None, 0)
    return out
