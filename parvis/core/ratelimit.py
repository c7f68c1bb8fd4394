"""Fixed-window rate limits, per client IP and, when signed in, per account.

Counted where every worker and server sees the same figure: the database by default (one atomic
UPDATE per hit), Redis when ``REDIS_URL`` is set (``PARVIS_RATE_STORE`` chooses).
"""

import ipaddress
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
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
    """The client's address: REMOTE_ADDR, or behind ``PARVIS_TRUSTED_PROXIES`` proxies the address the
    farthest trusted proxy saw, counted from the right of X-Forwarded-For (what a client writes to the
    left of it is never believed)."""
    remote = request.META.get("REMOTE_ADDR", "unknown")
    proxies = settings.PARVIS_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < proxies:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return remote


def _count_in_database(key: str, expires_at: datetime) -> int:
    from .models import RateCounter

    with transaction.atomic():
        if not RateCounter.objects.filter(key=key).update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, hits=1, expires_at=expires_at)
            except IntegrityError:  # a concurrent request opened the window first
                RateCounter.objects.filter(key=key).update(hits=F("hits") + 1)
            else:
                # windows are cut by time.time(): expire them by the same clock
                RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(time.time(), UTC)).delete()
                return 1
        return RateCounter.objects.filter(key=key).values_list("hits", flat=True).get()


def _count_in_cache(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds + 1)
        return 1


def rate_key(request) -> str:
    """Whom a hit counts for, in every module, page or API: the signed-in account (session or API token),
    else the client's address. Limits are per scope and per this key."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    return f"ip{client_ip(request)}"


def check_rate(request, scope: str, *, key: str | None = None) -> None:
    """Count one hit for ``scope``; raise RateLimited when the window is full."""
    if not settings.PARVIS_RATE_LIMITS_ENABLED:
        return
    limit = Limit.parse(settings.PARVIS_RATE_LIMITS.get(scope, settings.PARVIS_RATE_LIMITS["write"]))
    who = key or rate_key(request)
    window = int(time.time() // limit.seconds)
    counter_key = f"rl:{scope}:{who}:{window}"[:200]
    if settings.PARVIS_RATE_STORE == "cache":
        hits = _count_in_cache(counter_key, limit.seconds)
    else:
        hits = _count_in_database(counter_key, datetime.fromtimestamp((window + 1) * limit.seconds, UTC))
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
