from django.conf import settings

from . import modules


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
        # The installed modules' header links, from their manifests (core/_module_nav.html).
        "parvis_modules": modules.navigation(request.path),
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
    session = getattr(request, "session", None)
    return {"charter_banner": SimpleLazyObject(lambda: banner(user, session) or False)}
