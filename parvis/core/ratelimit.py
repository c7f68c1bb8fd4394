"""Fixed-window rate limits kept in the cache, per client IP and, when signed in, per account."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> "Limit":
        count, seconds = text.split("/")
        return cls(int(count), int(seconds))


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(_("Trop de tentatives. Réessayez dans %(n)d secondes.") % {"n": retry_after})


def client_ip(request) -> str:
    # Behind a proxy the proxy must set X-Forwarded-For; REMOTE_ADDR is the proxy otherwise.
    if getattr(settings, "USE_X_FORWARDED_HOST", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "unknown")


def check_rate(request, scope: str, *, key: str | None = None) -> None:
    """Count one hit for ``scope``; raise RateLimited when the window is full."""
    if not settings.PARVIS_RATE_LIMITS_ENABLED:
        return
    limit = Limit.parse(settings.PARVIS_RATE_LIMITS.get(scope, settings.PARVIS_RATE_LIMITS["write"]))
    user = getattr(request, "user", None)
    who = key or (f"u{user.pk}" if user is not None and user.is_authenticated else f"ip{client_ip(request)}")
    window = int(time.time() // limit.seconds)
    cache_key = f"rl:{scope}:{who}:{window}"
    cache.add(cache_key, 0, timeout=limit.seconds + 1)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=limit.seconds + 1)
        hits = 1
    if hits > limit.count:
        raise RateLimited(retry_after=limit.seconds - int(time.time()) % limit.seconds)


def rate_limited_response(request, exc: RateLimited):
    """A 429 page with the French (or English) message and Retry-After."""
    from django.shortcuts import render

    response = render(
        request, "core/message.html", {"title": _("Trop de tentatives"), "text": str(exc)}, status=429
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


class RateLimitMiddleware:
    """Turn a ``RateLimited`` raised by any view into a 429 page instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return rate_limited_response(request, exception)
        return None
