"""Health check, security headers, Content-Security-Policy, pages without inline script."""

import re
from unittest import mock

import pytest
from django.db import OperationalError

from tests.factories import make_moderator, make_user

pytestmark = pytest.mark.django_db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_security_headers(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "https://tile.openstreetmap.org",
    ]:
        assert directive in csp
    assert "unsafe-eval" not in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "microphone=()" in response["Permissions-Policy"]


def test_csp_on_api_and_errors(client):
    assert "Content-Security-Policy" in client.get("/api/territories/locate?lat=x&lon=y")
    assert "Content-Security-Policy" in client.get("/nowhere/")


def test_tile_host_follows_the_setting(settings):
    from parvis.core.security import ContentSecurityPolicyMiddleware

    settings.PARVIS_TILE_URL = "https://{s}.tiles.example.net/{z}/{x}/{y}.png"
    policy = ContentSecurityPolicyMiddleware(lambda r: None).policy
    assert "https://*.tiles.example.net" in policy


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/compte/connexion/",
        "/compte/inscription/",
        "/compte/mot-de-passe/",
        "/mentions-legales/",
        "/accessibilite/",
        "/territoires/",
    ],
)
def test_public_pages_have_no_inline_script(client, paris, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)


@pytest.mark.parametrize(
    "url",
    [
        "/compte/",
        "/compte/notifications/",
        "/compte/notifications/preferences/",
        "/compte/supprimer/",
        "/moderation/",
    ],
)
def test_account_pages_have_no_inline_script(client, paris, url):
    client.force_login(make_moderator())
    html = client.get(url).content.decode()
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)


def test_csrf_is_enforced_on_forms():
    from django.test import Client

    user = make_user()
    client = Client(enforce_csrf_checks=True)
    response = client.post("/compte/connexion/", {"email": user.email, "password": "x"})
    assert response.status_code == 403


def test_logout_needs_post(client):
    client.force_login(make_user())
    assert client.get("/compte/deconnexion/").status_code == 405
    assert "_auth_user_id" in client.session


def test_open_redirect_after_flag_is_refused(client, contribution):
    client.force_login(make_user())
    response = client.post(
        f"/signaler/core/contribution/{contribution.pk}/", {"reason": "spam", "next": "//evil.example/"}
    )
    assert response.status_code == 302
    assert "evil" not in response.url


def test_rich_text_is_sanitised():
    from parvis.core.richtext import plain_text, sanitize_html

    dirty = (
        '<p onclick="x()">Bonjour <script>alert(1)</script><a href="javascript:alert(1)">lien</a>'
        '<a href="https://paris.fr">ok</a><img src=x onerror=alert(1)><style>p{}</style></p>'
    )
    clean = sanitize_html(dirty)
    assert "script" not in clean
    assert "onclick" not in clean
    assert "javascript:" not in clean
    assert "<img" not in clean
    assert "<style" not in clean
    assert '<a href="https://paris.fr" rel="noopener noreferrer nofollow ugc">ok</a>' in clean
    assert plain_text("<p>Un <strong>banc</strong></p>") == "Un banc"
    assert sanitize_html(None) == ""
