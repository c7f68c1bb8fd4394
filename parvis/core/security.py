"""Content-Security-Policy: scripts only from our own origin; map tiles from the configured host."""

from urllib.parse import urlparse

from django.conf import settings


def _tile_origin() -> str:
    parsed = urlparse(settings.PARVIS_TILE_URL.replace("{s}", "a"))
    host = parsed.netloc
    if host.startswith("a."):
        host = "*." + host[2:]
    return f"{parsed.scheme}://{host}" if parsed.scheme else ""


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        tiles = _tile_origin()
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self' 'unsafe-inline'",  # Leaflet positions its panes with style attributes
                f"img-src 'self' data: blob: {tiles}".strip(),
                "font-src 'self'",
                "connect-src 'self'",
                "frame-ancestors 'none'",
                "form-action 'self'",
                "base-uri 'self'",
                "object-src 'none'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        return response
