"""API authentication: a personal token (``Authorization: Bearer …``) or the browser session."""

from ninja.security import HttpBearer, SessionAuth

from .tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
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
