"""Which district, neighbourhood and priority area contain a point, and loading official boundaries.

The lookup runs on an in-memory shapely STRtree built once per process and rebuilt when a territory
changes (a version number kept in the cache tells every process).
"""

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from shapely.geometry import Point, mapping, shape
from shapely.strtree import STRtree

from .models import Territory, TerritoryLevel

LOOKUP_LEVELS = (TerritoryLevel.DISTRICT, TerritoryLevel.NEIGHBOURHOOD, TerritoryLevel.PRIORITY)
_VERSION_KEY = "parvis:territories:version"


@dataclass(frozen=True)
class TerritoryRef:
    id: int
    code: str
    name: str
    level: str


@dataclass(frozen=True)
class Location:
    district: TerritoryRef | None
    neighbourhood: TerritoryRef | None
    priority_area: TerritoryRef | None

    @property
    def inside_city(self) -> bool:
        return self.district is not None or self.neighbourhood is not None


class _Index:
    def __init__(self, version):
        self.version = version
        self.trees: dict[str, tuple[STRtree, list, list[TerritoryRef]]] = {}
        for level in LOOKUP_LEVELS:
            geoms, refs = [], []
            for t in Territory.objects.filter(level=level).only("id", "code", "name", "level", "geometry"):
                geom = shapely.make_valid(shape(t.geometry))
                shapely.prepare(geom)
                geoms.append(geom)
                refs.append(TerritoryRef(t.id, t.code, t.name, t.level))
            if geoms:
                self.trees[level] = (STRtree(geoms), geoms, refs)

    def find(self, level: str, point: Point) -> TerritoryRef | None:
        entry = self.trees.get(level)
        if entry is None:
            return None
        tree, geoms, refs = entry
        hits = sorted(int(i) for i in tree.query(point, predicate="intersects"))
        return refs[hits[0]] if hits else None


_index: _Index | None = None
_lock = threading.Lock()


#: How often a process compares its tree with the database (changes made by another process
#: when the cache is not shared, for example ``parvis import-territories`` beside ``parvis serve``).
DB_CHECK_SECONDS = 10
_db_fingerprint: tuple[object, float] = (None, float("-inf"))


def _database_fingerprint():
    global _db_fingerprint
    now = time.monotonic()
    fingerprint, checked_at = _db_fingerprint
    if now - checked_at >= DB_CHECK_SECONDS:
        fingerprint = tuple(Territory.objects.aggregate(n=Count("id"), last=Max("updated_at")).values())
        _db_fingerprint = (fingerprint, now)
    return fingerprint


def _current_version():
    """The shared cache's counter (instant, across servers with Redis) plus a database fingerprint
    checked every few seconds (so that a change is seen even with a per-process cache)."""
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = 0
        cache.add(_VERSION_KEY, version, timeout=None)
    return (version, _database_fingerprint())


def invalidate_index() -> None:
    """Call after territories change so that every process rebuilds its tree."""
    global _index
    global _db_fingerprint
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)
    _index = None
    _db_fingerprint = (None, float("-inf"))


def _get_index() -> _Index:
    global _index
    version = _current_version()
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _Index(version)
            index = _index
    return index


def code_order(code: str) -> tuple:
    """Natural order of territory codes: "2" before "10" (districts are numbered), other codes after."""
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def in_code_order(items, code=lambda t: t.code) -> list:
    """Territories (or rows) sorted in natural code order; lists are small (tens to a few hundred)."""
    return sorted(items, key=lambda item: code_order(code(item)))


def validate_coordinates(lat, lon) -> tuple[float, float]:
    """Parse and range-check a WGS84 coordinate; raise ValidationError with a readable message."""
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationError(
            _("Coordonnées invalides : la latitude et la longitude doivent être des nombres.")
        )
    if not (-90 <= lat_f <= 90) or not (-180 <= lon_f <= 180) or lat_f != lat_f or lon_f != lon_f:
        raise ValidationError(
            _("Coordonnées invalides : latitude entre -90 et 90, longitude entre -180 et 180.")
        )
    return lat_f, lon_f


def locate(lat: float, lon: float) -> Location:
    index = _get_index()
    point = Point(lon, lat)
    return Location(
        district=index.find(TerritoryLevel.DISTRICT, point),
        neighbourhood=index.find(TerritoryLevel.NEIGHBOURHOOD, point),
        priority_area=index.find(TerritoryLevel.PRIORITY, point),
    )


def territory_contains(territory: Territory, lat: float, lon: float) -> bool:
    return shape(territory.geometry).intersects(Point(lon, lat))


def city_bounds() -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of all districts, or None when there are none."""
    entry = _get_index().trees.get(TerritoryLevel.DISTRICT)
    if not entry:
        return None
    return tuple(shapely.total_bounds(entry[1]).tolist())


# --- Import ----------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0


def _code(value) -> str:
    """Codes compared as text whatever the export typed them as (7510401, "7510401" or 7510401.0)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _polygonal(geometry: dict, where: str):
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed GeoJSON
        raise ValidationError(
            _("%(where)s : géométrie illisible (%(error)s).") % {"where": where, "error": exc}
        )
    if geom.is_empty or geom.geom_type not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(
            _("%(where)s : la géométrie doit être un polygone (trouvé : %(type)s).")
            % {"where": where, "type": geom.geom_type}
        )
    return shapely.make_valid(geom) if not geom.is_valid else geom


def import_geojson(
    path: Path | str,
    *,
    level: str,
    code_field: str,
    name_field: str,
    parent_field: str | None = None,
    population_field: str | None = None,
) -> ImportResult:
    """Load official boundaries; re-importing the same file updates territories in place.

    The whole file is checked before anything is written: one bad feature and nothing changes.
    """
    if level not in {TerritoryLevel.DISTRICT, TerritoryLevel.NEIGHBOURHOOD, TerritoryLevel.PRIORITY}:
        raise ValidationError(
            _("Niveau inconnu : %(level)s (district, neighbourhood ou priority).") % {"level": level}
        )
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(_("Fichier introuvable : %(path)s") % {"path": path})
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(_("Ce fichier n'est pas du GeoJSON valide : %(error)s") % {"error": exc})
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise ValidationError(_("Le fichier ne contient aucune entité (FeatureCollection vide ou absente)."))

    rows = []
    seen = set()
    for number, feature in enumerate(features, start=1):
        where = _("entité %(n)d") % {"n": number}
        if not isinstance(feature, dict):
            raise ValidationError(
                _("%(where)s : ce n'est pas une entité GeoJSON (Feature).") % {"where": where}
            )
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise ValidationError(_("%(where)s : les propriétés doivent être un objet.") % {"where": where})
        if not feature.get("geometry"):
            raise ValidationError(_("%(where)s : pas de géométrie.") % {"where": where})
        for field in filter(None, [code_field, name_field, parent_field]):
            if props.get(field) in (None, ""):
                raise ValidationError(
                    _("%(where)s : le champ « %(field)s » est absent ou vide.")
                    % {"where": where, "field": field}
                )
        geom = _polygonal(feature["geometry"], where)
        code = _code(props[code_field])
        if len(code) > 64:
            raise ValidationError(
                _("%(where)s : le code « %(code)s » dépasse 64 caractères.")
                % {"where": where, "code": code[:70]}
            )
        if code in seen:
            raise ValidationError(
                _("%(where)s : le code « %(code)s » apparaît deux fois.") % {"where": where, "code": code}
            )
        seen.add(code)
        population = props.get(population_field) if population_field else None
        if population in (None, ""):
            population = None
        else:
            try:
                population = int(float(population))
                if population < 0:
                    raise ValueError
            except (TypeError, ValueError):
                raise ValidationError(
                    _("%(where)s : la population « %(value)s » n'est pas un nombre entier positif.")
                    % {"where": where, "value": props.get(population_field)}
                )
        rows.append(
            (
                code,
                str(props[name_field]).strip()[:200],
                geom,
                _code(props[parent_field]) if parent_field else None,
                population,
            )
        )

    parent_level = TerritoryLevel.DISTRICT if level == TerritoryLevel.NEIGHBOURHOOD else None
    parents = {}
    if parent_field and parent_level:
        parents = {t.code: t for t in Territory.objects.filter(level=parent_level)}
        missing = sorted({p for *_, p, _pop in rows if p not in parents})
        if missing:
            raise ValidationError(
                _("Territoires parents inconnus : %(codes)s. Importez d'abord les arrondissements.")
                % {"codes": ", ".join(missing[:10])}
            )

    result = ImportResult()
    with transaction.atomic():
        for code, name, geom, parent_code, population in rows:
            parent = parents.get(parent_code) if parent_code else None
            if parent is None and level == TerritoryLevel.NEIGHBOURHOOD:
                parent = _containing_district(geom)
            defaults = {"name": name, "geometry": mapping(geom), "parent": parent, "approximate": False}
            if population is not None:
                defaults["population"] = population
            _obj, created = Territory.objects.update_or_create(level=level, code=code, defaults=defaults)
            if created:
                result.created += 1
            else:
                result.updated += 1
        transaction.on_commit(invalidate_index)
    return result


def _containing_district(geom):
    point = geom.representative_point()
    best = None
    for district in Territory.objects.filter(level=TerritoryLevel.DISTRICT):
        if shape(district.geometry).intersects(point):
            best = district
            break
    return best
