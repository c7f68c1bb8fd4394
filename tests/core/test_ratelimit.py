"""Rate limits on sign-up, login and every core write endpoint (enabled only in these tests)."""

import pytest
from django.core import mail

from parvis.core.models import ApiToken, User
from parvis.core.tokens import token_create
from tests.factories import PASSWORD, make_moderator, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.ratelimit]


def test_signup_is_rate_limited(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "signup": "2/3600"}
    for i in range(2):
        client.post(
            "/compte/inscription/", {"email": f"p{i}@example.org", "password": "un-mot-de-passe-solide"}
        )
        client.post("/compte/deconnexion/")
    response = client.post(
        "/compte/inscription/", {"email": "p9@example.org", "password": "un-mot-de-passe-solide"}
    )
    assert "Trop de tentatives. Réessayez dans" in response.content.decode()
    assert User.objects.count() == 2


def test_login_is_rate_limited_per_address(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "login": "3/600"}
    users = [make_user() for _ in range(4)]
    for user in users[:3]:
        client.post("/compte/connexion/", {"email": user.email, "password": "wrong"})
    response = client.post("/compte/connexion/", {"email": users[3].email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address (another client IP) is not affected.
    response = client.post(
        "/compte/connexion/", {"email": users[3].email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_limits_are_off_without_the_marker_setting(client, settings):
    settings.PARVIS_RATE_LIMITS_ENABLED = False
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "login": "1/600"}
    user = make_user()
    for _ in range(3):
        client.post("/compte/connexion/", {"email": user.email, "password": "wrong"})
    assert client.post("/compte/connexion/", {"email": user.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("post", "/compte/jetons/", {"name": "x"}),
        ("post", "/compte/", {"display_name": "x", "preferred_language": "fr"}),
        ("post", "/compte/notifications/", {}),
        ("post", "/compte/notifications/preferences/", {}),
        ("post", "/compte/confirmer-a-nouveau/", {}),
        ("post", "/compte/supprimer/", {"password": "wrong", "confirm": "on"}),
    ],
)
def test_every_core_write_page_is_rate_limited(client, settings, method, url, data):
    settings.PARVIS_RATE_LIMITS = {"signup": "1/3600", "login": "1/600", "write": "1/60"}
    client.force_login(make_user())
    first = getattr(client, method)(url, data)
    assert first.status_code != 429
    second = getattr(client, method)(url, data)
    assert second.status_code == 429
    assert "Trop de tentatives" in second.content.decode()
    assert int(second["Retry-After"]) > 0


def test_token_page_writes_nothing_when_limited(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "1/60"}
    client.force_login(make_user())
    client.post("/compte/jetons/", {"name": "a"})
    client.post("/compte/jetons/", {"name": "b"})
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["a"]


def test_password_reset_is_rate_limited(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "signup": "1/3600"}
    make_user(email="r@example.org")
    client.post("/compte/mot-de-passe/", {"email": "r@example.org"})
    response = client.post("/compte/mot-de-passe/", {"email": "r@example.org"})
    assert response.status_code == 429
    assert len(mail.outbox) == 1


def test_moderation_and_flag_are_rate_limited(client, settings, contribution):
    from django.contrib.contenttypes.models import ContentType

    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "1/60"}
    client.force_login(make_moderator())
    url = f"/moderation/{ContentType.objects.get_for_model(contribution).pk}/{contribution.pk}/"
    assert client.post(url, {"decision": "keep"}).status_code == 302
    assert client.post(url, {"decision": "keep"}).status_code == 429
    response = client.post(f"/signaler/core/contribution/{contribution.pk}/", {"reason": "spam"})
    assert "Trop de tentatives" in response.content.decode()


def test_api_writes_are_rate_limited(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "2/60"}
    user = make_user()
    _t, key = token_create(user=user, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for _ in range(2):
        assert client.post("/api/account/notifications/read", **headers).status_code == 200
    response = client.post("/api/account/tokens", {"name": "x"}, content_type="application/json", **headers)
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de tentatives")
    assert response["Retry-After"]
    assert ApiToken.objects.count() == 1


def test_rate_limit_in_english(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "0/60"}
    client.force_login(make_user())
    response = client.post("/compte/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many attempts" in response.content.decode()


def test_geocoding_is_rate_limited(client, settings, paris):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "1/60"}
    assert client.get("/api/territories/geocode", {"q": "75011"}).status_code == 200
    assert client.get("/api/territories/geocode", {"q": "75011"}).status_code == 429
    assert client.get("/territoires/", {"adresse": "75011"}).status_code == 429
    assert client.get("/territoires/").status_code == 200  # the page itself is not limited


def test_limits_hold_across_workers_by_default(client, settings):
    """Each gunicorn worker has its own local-memory cache: the count must not live there."""
    from django.core.cache import cache

    assert settings.PARVIS_RATE_STORE == "database"
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "login": "3/600"}
    user = make_user()
    for _ in range(3):
        client.post("/compte/connexion/", {"email": user.email, "password": PASSWORD})
        client.post("/compte/deconnexion/")
        cache.clear()  # as if the next request reached another worker
    response = client.post("/compte/connexion/", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.1", "10.0.0.1"),  # no proxy configured: the header is anyone's to write
        (1, "1.1.1.1, 2.2.2.2", "10.0.0.1", "2.2.2.2"),  # the address our proxy saw, not the client's claim
        (2, "1.1.1.1, 2.2.2.2, 3.3.3.3", "10.0.0.1", "2.2.2.2"),
        (1, "", "10.0.0.1", "10.0.0.1"),
        (2, "2.2.2.2", "10.0.0.1", "10.0.0.1"),  # fewer hops than proxies: not believed
        (1, "1.1.1.1, not-an-ip", "10.0.0.1", "10.0.0.1"),
        (1, "1.1.1.1, 2001:db8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, remote, expected):
    from parvis.core.ratelimit import client_ip

    settings.PARVIS_TRUSTED_PROXIES = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


def test_a_changing_forwarded_for_does_not_escape_the_limit(client, settings):
    settings.PARVIS_TRUSTED_PROXIES = 1
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "login": "3/600"}
    statuses = [
        client.post(
            "/compte/connexion/",
            {"email": "x@example.org", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 198.51.100.7",
        ).status_code
        for i in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
