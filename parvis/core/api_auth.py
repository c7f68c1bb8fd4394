"""API authentication: a personal token (``Authorization: Bearer …``) or the browser session."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from .tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The browser session, CSRF-checked only when it carries a signed-in user: a request without
    credentials (or with a bad token) is answered 401, not 403 "CSRF check Failed"."""

    def _get_key(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied(_("Jeton CSRF manquant ou invalide : rechargez la page et réessayez."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and (user.deleted_at or user.blocked_at):
            return None
        return user


#: Use as ``auth=api_auth`` on an operation that needs a signed-in user.
api_auth = [TokenAuth(), ActiveSessionAuth()]


def optional_user(request):
    """The user behind a token or session on a public endpoint, else None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return user_for_token(header[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
