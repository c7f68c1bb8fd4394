"""The JSON API: one NinjaAPI; each installed module's ``api_router`` (manifest) is mounted at its label."""

import re

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from parvis.core import modules, permissions
from parvis.core.api import account_router
from parvis.core.api import router as territories_router
from parvis.core.ratelimit import RateLimited


def mount_routers(api: NinjaAPI) -> NinjaAPI:
    """Mount the core's routers, then each installed module's ``api_router`` at ``/<label>``.

    Called once below; a test that installs a module calls it on a fresh ``NinjaAPI`` (routers can be
    mounted on several APIs), since this one is built when the URLconf is imported.
    """
    api.add_router("/territories", territories_router)
    api.add_router("/account", account_router)
    for prefix, router in modules.api_routers():
        api.add_router(prefix, router)
    return api


api = NinjaAPI(
    title="Parvis API",
    version="1",
    description="API de Parvis : les territoires, le compte et chaque module installé. "
    "Authentification par session ou par jeton personnel (`Authorization: Bearer …`).",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
mount_routers(api)


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": _messages(exc)}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    return api.create_response(request, {"detail": _("Requête invalide."), "errors": exc.errors}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    """The refusal's own status (``core.permissions``: 401 sign in first, 403 refused, 404 not visible)."""
    return api.create_response(
        request, {"detail": str(exc) or _("Action non autorisée.")}, status=permissions.status_of(exc)
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(request, {"detail": _("Authentification requise.")}, status=401)


_DJANGO_NOT_FOUND = re.compile(r"No (\w+) matches the given query\.")


def _not_found_message(exc: Http404) -> str:
    """get_object_or_404 answers in English with a class name: say which object, in the reader's language."""
    text = str(exc)
    match = _DJANGO_NOT_FOUND.fullmatch(text)
    if match is None:
        return text or _("Introuvable.")
    for model in apps.get_models():
        if model._meta.object_name == match.group(1) and "verbose_name" in model._meta.original_attrs:
            return _("%(object)s introuvable.") % {"object": capfirst(model._meta.verbose_name)}
    return _("Introuvable.")  # a model without a French name


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _not_found_message(exc)}, status=404)


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response
