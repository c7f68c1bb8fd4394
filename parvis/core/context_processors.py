from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

MODULES = [
    ("ideas:index", _("Idées")),
    ("budget:index", _("Budget participatif")),
    ("reports:index", _("Signalements")),
    ("opendata:index", _("Données ouvertes")),
    ("workshops:index", _("Ateliers")),
    ("jobs:index", _("Emploi")),
    ("commitments:index", _("Engagements")),
]


def available_modules(current_path: str = "") -> list[dict]:
    """The modules installed in this city, for navigation and the home page."""
    items = []
    for name, label in MODULES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "name": name.split(":")[0],
                "url": url,
                "label": label,
                "active": bool(current_path) and current_path.startswith(url),
            }
        )
    return items


def parvis(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from .notifications import unread_count

        unread = unread_count(user)
    return {
        "PARVIS_CITY_NAME": settings.PARVIS_CITY_NAME,
        "PARVIS_TILE_URL": settings.PARVIS_TILE_URL,
        "PARVIS_TILE_ATTRIBUTION": settings.PARVIS_TILE_ATTRIBUTION,
        "PARVIS_MAP_CENTER": settings.PARVIS_MAP_CENTER,
        "PARVIS_MAP_ZOOM": settings.PARVIS_MAP_ZOOM,
        "parvis_modules": available_modules(request.path),
        "unread_notifications": unread,
        "PARVIS_IS_DEMO": settings.PARVIS_IS_DEMO,
    }


def charter_banner(request):
    """The participation charter's banner for signed-in people who have not accepted the version in force."""
    from django.utils.functional import SimpleLazyObject

    from .charter import banner

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    return {"charter_banner": SimpleLazyObject(lambda: banner(user) or False)}
