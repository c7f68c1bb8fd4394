"""The one resolver of places: from a point, a territory or an address to the fields of ``Located``.

Every module calls ``resolve`` (ideas, projects, reports, events): a point is located in the
territories (``territories.locate``), an address goes through ``core.geocoding`` first, a whole
territory stands for itself. A point outside the city is refused everywhere with the same message.
A module's own scope (a consultation's perimeter, a campaign's area, an envelope) is checked by the
module afterwards, on the place returned here.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import geocoding, territories
from .models import Accuracy, Territory, TerritoryLevel


def outside_city_message() -> str:
    return _("Ce lieu est en dehors de %(city)s : choisissez un lieu dans la ville.") % {
        "city": settings.PARVIS_CITY_NAME
    }


@dataclass(frozen=True)
class Place:
    """A resolved place; ``fields()`` gives the keyword arguments of a ``Located`` model."""

    lat: float | None = None
    lon: float | None = None
    address: str = ""
    accuracy: str = Accuracy.NONE
    location: territories.Location = field(default_factory=lambda: territories.Location(None, None, None))

    @property
    def has_point(self) -> bool:
        return self.lat is not None

    @property
    def district_id(self) -> int | None:
        return self.location.district.id if self.location.district else None

    @property
    def neighbourhood_id(self) -> int | None:
        return self.location.neighbourhood.id if self.location.neighbourhood else None

    @property
    def priority_area_id(self) -> int | None:
        return self.location.priority_area.id if self.location.priority_area else None

    def fields(self) -> dict:
        return {
            "lat": self.lat,
            "lon": self.lon,
            "address": self.address,
            "accuracy": self.accuracy,
            "district_id": self.district_id,
            "neighbourhood_id": self.neighbourhood_id,
            "priority_area_id": self.priority_area_id,
        }


NOWHERE = Place()
FIELDS = tuple(NOWHERE.fields())


def fields_of(located) -> dict:
    """The place of a ``Located`` row, to give another row the same place (a project split in parts)."""
    return {name: getattr(located, name) for name in FIELDS}


def _ref(territory: Territory | None) -> territories.TerritoryRef | None:
    if territory is None:
        return None
    return territories.TerritoryRef(territory.id, territory.code, territory.name, territory.level)


def _clean_address(address) -> str:
    address = " ".join(str(address or "").split())
    if len(address) > 255:
        raise ValidationError(_("L'adresse est trop longue (255 caractères au plus)."))
    return address


def from_point(lat, lon, *, accuracy: str = Accuracy.POINT, address: str = "") -> Place:
    """A point checked for range and refused outside the city (when the city's districts are known:
    an installation without boundaries cannot tell, and accepts the point without territories)."""
    lat, lon = territories.validate_coordinates(lat, lon)
    location = territories.locate(lat, lon)
    if not location.inside_city and territories.city_bounds() is not None:
        raise ValidationError(outside_city_message(), code="outside_city")
    return Place(lat, lon, _clean_address(address), accuracy, location)


def from_territory(territory: Territory, *, with_point: bool = False, address: str = "") -> Place:
    """A whole territory. ``with_point``: a module that needs a point on its map (reports) gets one
    inside the territory, marked approximate; otherwise the place has no point."""
    if with_point:
        from shapely.geometry import shape

        point = shape(territory.geometry).representative_point()
        place = from_point(point.y, point.x, accuracy=Accuracy.TERRITORY, address=address)
        location = place.location
        # The territory chosen wins over what its representative point happens to touch.
        if territory.level == TerritoryLevel.NEIGHBOURHOOD:
            location = territories.Location(location.district, _ref(territory), location.priority_area)
        elif territory.level == TerritoryLevel.DISTRICT:
            location = territories.Location(_ref(territory), location.neighbourhood, location.priority_area)
        return Place(place.lat, place.lon, place.address, Accuracy.TERRITORY, location)
    parent = territory.parent if territory.parent_id else None
    district = parent if parent is not None and parent.level == TerritoryLevel.DISTRICT else None
    if territory.level == TerritoryLevel.DISTRICT:
        location = territories.Location(_ref(territory), None, None)
    elif territory.level == TerritoryLevel.NEIGHBOURHOOD:
        location = territories.Location(_ref(district), _ref(territory), None)
    elif territory.level == TerritoryLevel.PRIORITY:
        location = territories.Location(_ref(district), None, _ref(territory))
    else:  # the whole city
        return Place(address=_clean_address(address))
    return Place(None, None, _clean_address(address), Accuracy.TERRITORY, location)


def from_address(address: str) -> Place:
    """The point of a typed address or place name (``core.geocoding``); the address is kept as typed."""
    address = _clean_address(address)
    found = geocoding.geocode(address)
    if found is None:
        raise ValidationError(
            _(
                "Adresse introuvable : précisez-la (avec le code postal, par exemple 75011), "
                "choisissez le quartier dans la liste ou placez le point sur la carte."
            ),
            code="address_not_found",
        )
    accuracy = Accuracy.TERRITORY if found.source == "territory" else Accuracy.ADDRESS
    return from_point(found.lat, found.lon, accuracy=accuracy, address=address)


def resolve(
    *, lat=None, lon=None, territory: Territory | None = None, address: str = "", point_required=False
) -> Place:
    """Where something is, from what a person gave: a point (the most precise), else a territory,
    else an address. ``point_required``: the module always needs a point (a territory then gives its
    representative point, an address its geocoded point). Raises ``ValidationError`` in French."""
    lat = None if lat in (None, "") else lat
    lon = None if lon in (None, "") else lon
    if (lat is None) != (lon is None):
        raise ValidationError(_("Indiquez la latitude et la longitude, ou aucune des deux."))
    if lat is not None:
        return from_point(lat, lon, address=address)
    if territory is not None:
        return from_territory(territory, with_point=point_required, address=address)
    if point_required and (address or "").strip():
        return from_address(address)
    return Place(address=_clean_address(address))


def territory_finder(territory_model):
    """For data migrations, which see the historical ``Territory`` model (the running index serves the
    current one): a function ``(lat, lon) -> {level: territory id}`` over districts, neighbourhoods and
    priority areas."""
    import shapely
    from shapely.geometry import Point, shape
    from shapely.strtree import STRtree

    trees = {}
    for level in territories.LOOKUP_LEVELS:
        rows = list(
            territory_model.objects.filter(level=level).order_by("code").values_list("id", "geometry")
        )
        if rows:
            geoms = [shapely.make_valid(shape(geometry)) for _id, geometry in rows]
            trees[level] = (STRtree(geoms), [pk for pk, _geometry in rows])

    def find(lat: float, lon: float) -> dict:
        found = {}
        for level, (tree, ids) in trees.items():
            hits = tree.query(Point(lon, lat), predicate="intersects")
            if len(hits):
                found[level] = ids[int(min(hits))]
        return found

    return find
