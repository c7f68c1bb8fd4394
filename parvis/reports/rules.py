"""Pure rules of the reports module: workflow transitions, routing, distances, statistics.

No Django import: plain data in, plain data out (tested with hypothesis against references).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8

NEW, TO_HANDLE, SCHEDULED, DONE, REJECTED, DUPLICATE, ARCHIVED = (
    "new",
    "to_handle",
    "scheduled",
    "done",
    "rejected",
    "duplicate",
    "archived",
)
OPEN = frozenset({NEW, TO_HANDLE, SCHEDULED})
CLOSED = frozenset({DONE, REJECTED, DUPLICATE, ARCHIVED})

#: Which status an agent may move a report to, from each status. Reopening a closed report goes
#: back to "to handle" (a resident said "it is not fixed", or the agent made a mistake).
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({TO_HANDLE, SCHEDULED, DONE, REJECTED, DUPLICATE, ARCHIVED}),
    TO_HANDLE: frozenset({SCHEDULED, DONE, REJECTED, DUPLICATE, ARCHIVED}),
    SCHEDULED: frozenset({TO_HANDLE, SCHEDULED, DONE, REJECTED, DUPLICATE, ARCHIVED}),
    DONE: frozenset({TO_HANDLE, ARCHIVED}),
    REJECTED: frozenset({TO_HANDLE, ARCHIVED}),
    DUPLICATE: frozenset({TO_HANDLE, ARCHIVED}),
    ARCHIVED: frozenset({TO_HANDLE}),
}


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def open311_status(status: str) -> str:
    """GeoReport v2 knows only "open" and "closed"."""
    return "open" if status in OPEN else "closed"


# --- Routing ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    category_id: int
    territory_id: int | None
    service_id: int


def choose_service(
    rules: Iterable[Rule],
    category_chain: Sequence[int],
    *,
    district_id: int | None,
    priority_area_id: int | None,
    fallback: dict[int, int | None] | None = None,
) -> int | None:
    """The service for a report: the most specific category first (sub-type, then its type, then family);
    within one category a rule for the priority area beats one for the district, which beats the
    category's default rule; then the category's own default service (``fallback``)."""
    by_category: dict[int, dict[int | None, int]] = {}
    for rule in rules:
        by_category.setdefault(rule.category_id, {})[rule.territory_id] = rule.service_id
    fallback = fallback or {}
    for category_id in category_chain:
        table = by_category.get(category_id, {})
        for territory_id in (priority_area_id, district_id):
            if territory_id is not None and territory_id in table:
                return table[territory_id]
        if None in table:
            return table[None]
        if fallback.get(category_id):
            return fallback[category_id]
    return None


# --- Distances -------------------------------------------------------------------------------------


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within ``radius_m`` (a slight margin)."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M) * 1.001
    coslat = max(math.cos(math.radians(min(89.9, abs(lat) + dlat))), 1e-6)
    dlon = min(180.0, dlat / coslat)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


# --- Statistics ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default method), ``q`` in [0, 100]; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
