"""Core API: territories, the signed-in account, its tokens and notifications."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from . import territories, tokens
from .api_auth import api_auth
from .api_schema import AUTHED, WRITE, Rows, errors, paginated
from .geocoding import geocode
from .models import Territory, TerritoryLevel
from .notifications import notification_mark_read, notifications_for
from .ratelimit import check_rate

router = Router(tags=["territoires"])
account_router = Router(tags=["compte"], auth=api_auth)


class TerritoryOut(Schema):
    code: str
    name: str


class LocationOut(Schema):
    district: TerritoryOut | None
    neighbourhood: TerritoryOut | None
    priority_area: TerritoryOut | None


@router.get("/locate", response={200: LocationOut, **errors(400, 404, 422)}, summary="Localiser un point")
def locate(request, lat: str, lon: str):
    """Which district, neighbourhood and priority area contain the point (WGS84)."""
    try:
        lat_f, lon_f = territories.validate_coordinates(lat, lon)
    except ValidationError as exc:
        return Status(400, {"detail": exc.messages[0]})
    location = territories.locate(lat_f, lon_f)
    if not location.inside_city:
        raise Http404(_("Ce point est en dehors du territoire de la ville."))
    return Status(200, _location_out(location))


class GeocodeOut(Schema):
    lat: float
    lon: float
    label: str
    source: str
    location: LocationOut


@router.get(
    "/geocode", response={200: GeocodeOut, **errors(400, 404, 422, 429)}, summary="Localiser une adresse"
)
def geocode_address(request, q: str):
    """The point for an address or place name, and the territories that contain it."""
    if not q.strip():
        return Status(400, {"detail": _("Indiquez une adresse ou un lieu.")})
    check_rate(request, "geocode")  # may call an outside service: limited like a write
    found = geocode(q)
    if found is None:
        raise Http404(_("Lieu introuvable. Essayez avec un code postal ou le nom du quartier."))
    location = territories.locate(found.lat, found.lon)
    if not location.inside_city:
        raise Http404(_("Ce lieu est en dehors du territoire de la ville."))
    return Status(
        200,
        {
            "lat": found.lat,
            "lon": found.lon,
            "label": found.label,
            "source": found.source,
            "location": _location_out(location),
        },
    )


def _location_out(location):
    as_out = lambda ref: {"code": ref.code, "name": ref.name} if ref else None  # noqa: E731
    return {
        "district": as_out(location.district),
        "neighbourhood": as_out(location.neighbourhood),
        "priority_area": as_out(location.priority_area),
    }


@router.get("/", response={200: dict, **errors(400, 422)}, summary="Territoires (GeoJSON)")
def territory_list(request, level: str = "district", geometry: bool = True):
    """Territories of one level as a GeoJSON FeatureCollection."""
    if level not in TerritoryLevel.values:
        raise ValidationError(
            _("Niveau inconnu : %(level)s (city, district, neighbourhood ou priority).") % {"level": level}
        )
    qs = territories.in_code_order(Territory.objects.filter(level=level).select_related("parent"))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": t.code,
                "properties": {
                    "code": t.code,
                    "name": t.name,
                    "level": t.level,
                    "population": t.population,
                    "parent": t.parent.code if t.parent else None,
                    "approximate": t.approximate,
                },
                "geometry": t.geometry if geometry else None,
            }
            for t in qs
        ],
    }


class MeOut(Schema):
    id: int
    email: str
    display_name: str
    role: str
    home_neighbourhood: str | None
    home_district: str | None


@account_router.get("/me", response={200: MeOut, **AUTHED}, summary="Mon compte")
def me(request):
    u = request.auth
    return {
        "id": u.id,
        "email": u.email,
        "display_name": u.public_name,
        "role": u.role,
        "home_neighbourhood": u.home_neighbourhood.code if u.home_neighbourhood else None,
        "home_district": u.home_district.code if u.home_district else None,
    }


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: str
    revoked: bool
    key: str | None = None


@account_router.post("/tokens", response={201: TokenOut, **WRITE}, summary="Créer un jeton")
def token_create(request, payload: TokenIn):
    check_rate(request, "write")
    token, key = tokens.token_create(user=request.auth, name=payload.name)
    return Status(
        201,
        {
            "id": token.id,
            "name": token.name,
            "prefix": token.prefix,
            "created_at": token.created_at.isoformat(),
            "revoked": False,
            "key": key,
        },
    )


@account_router.delete("/tokens/{token_id}", response={204: None, **WRITE}, summary="Révoquer un jeton")
def token_revoke(request, token_id: int):
    check_rate(request, "write")
    tokens.token_revoke(user=request.auth, token_id=token_id)
    return Status(204, None)


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: str
    read: bool


@account_router.get(
    "/notifications", response={200: list[NotificationOut], **AUTHED}, summary="Mes notifications"
)
@paginated
def notification_list(request, unread: bool = False):
    qs = notifications_for(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return Rows(
        qs,
        lambda n: {
            "id": n.id,
            "kind": n.kind,
            "title": n.title_text,
            "body": n.body_text,
            "url": n.url,
            "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None,
        },
    )


class UpdatedOut(Schema):
    updated: int


@account_router.post(
    "/notifications/read", response={200: UpdatedOut, **WRITE}, summary="Tout marquer comme lu"
)
def notification_read(request):
    check_rate(request, "write")
    return {"updated": notification_mark_read(user=request.auth)}


def territory_or_404(level: str, code: str) -> Territory:
    return get_object_or_404(Territory, level=level, code=code)
