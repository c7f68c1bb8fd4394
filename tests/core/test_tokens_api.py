"""Personal API tokens (command, account page, API), Bearer authentication, API errors as JSON."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from parvis.core.models import ApiToken
from parvis.core.tokens import token_create, token_revoke
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_command_creates_a_token_that_authenticates(client):
    user = make_user(email="dev@example.org")
    out = io.StringIO()
    call_command("token", "create", "DEV@example.org", "--name", "script", stdout=out)
    key = out.getvalue().strip()
    assert key.startswith("pvs_")
    assert len(key) > 30
    token = ApiToken.objects.get(user=user)
    assert token.name == "script"
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiToken.objects.values_list()))  # only the hash is stored
    response = client.get("/api/account/me", **bearer(key))
    assert response.status_code == 200
    assert response.json()["email"] == "dev@example.org"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_command_unknown_account():
    with pytest.raises(CommandError, match="Aucun compte avec l'adresse nobody@example.org"):
        call_command("token", "create", "nobody@example.org")
    assert not ApiToken.objects.exists()


def test_command_bad_name():
    make_user(email="dev@example.org")
    with pytest.raises(CommandError, match="ne doit pas dépasser 100"):
        call_command("token", "create", "dev@example.org", "--name", "x" * 101)
    assert not ApiToken.objects.exists()


def test_revoked_token_is_refused(client):
    user = make_user()
    token, key = token_create(user=user, name="t")
    assert client.get("/api/account/me", **bearer(key)).status_code == 200
    token_revoke(user=user, token_id=token.pk)
    response = client.get("/api/account/me", **bearer(key))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentification requise."}


@pytest.mark.parametrize("header", ["Bearer pvs_nope", "Bearer ", "Basic abc", "Bearer not-our-prefix"])
def test_bad_tokens_are_refused(client, header):
    make_user()
    response = client.get("/api/account/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


@pytest.mark.parametrize("field", ["blocked_at", "deleted_at"])
def test_token_of_blocked_or_deleted_account_is_refused(client, field):
    from django.utils import timezone

    user = make_user()
    _token, key = token_create(user=user, name="t")
    setattr(user, field, timezone.now())
    user.save()
    assert client.get("/api/account/me", **bearer(key)).status_code == 401


def test_session_auth_works_for_the_api(client):
    user = make_user()
    client.force_login(user)
    assert client.get("/api/account/me").json()["id"] == user.pk


def test_anonymous_gets_401_json(client):
    response = client.get("/api/account/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_api_token_create_and_revoke(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/api/account/tokens", {"name": "mon appli"}, content_type="application/json")
    assert response.status_code == 201
    key = response.json()["key"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    client.logout()
    assert client.get("/api/account/me", **bearer(key)).status_code == 200
    response = client.delete(f"/api/account/tokens/{token.pk}", **bearer(key))
    assert response.status_code == 204
    assert client.get("/api/account/me", **bearer(key)).status_code == 401


def test_api_token_bad_inputs(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/api/account/tokens", {"name": "  "}, content_type="application/json")
    assert response.status_code == 400
    assert "Donnez un nom au jeton" in response.json()["detail"]
    response = client.post("/api/account/tokens", {}, content_type="application/json")
    assert response.status_code == 422
    response = client.post("/api/account/tokens", "not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(client):
    owner, other = make_user(), make_user()
    token, key = token_create(user=owner, name="t")
    client.force_login(other)
    response = client.delete(f"/api/account/tokens/{token.pk}")
    assert response.status_code == 403
    assert response.json()["detail"] == "Ce jeton n'existe pas."
    token.refresh_from_db()
    assert token.revoked_at is None


def test_account_page_creates_and_revokes_tokens(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": "tableur"}, follow=True)
    html = response.content.decode()
    token = ApiToken.objects.get(user=user)
    key = next(w for w in html.replace("<", " ").replace(">", " ").split() if w.startswith("pvs_"))
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.get("/compte/").content.decode()  # shown once
    response = client.post(f"/compte/jetons/{token.pk}/revoquer/", follow=True)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_account_page_token_without_name(client):
    user = make_user()
    client.force_login(user)
    response = client.post("/compte/jetons/", {"name": ""}, follow=True)
    assert "Donnez un nom au jeton" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_account_page_cannot_revoke_others_token(client):
    owner, other = make_user(), make_user()
    token, _key = token_create(user=owner, name="t")
    client.force_login(other)
    response = client.post(f"/compte/jetons/{token.pk}/revoquer/")
    assert response.status_code in (403, 404)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_write_needs_csrf_for_sessions_only():
    from django.test import Client

    user = make_user()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/account/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    _t, key = token_create(user=user, name="bearer")
    anon = Client(enforce_csrf_checks=True)
    response = anon.post("/api/account/tokens", {"name": "x"}, content_type="application/json", **bearer(key))
    assert response.status_code == 201


def test_openapi_and_docs(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/territories/locate" in schema["paths"]
    assert "/api/account/tokens" in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    # Served from the site's own files, under the site's Content-Security-Policy, in the page's language.
    assert "script-src 'self'" in docs["Content-Security-Policy"]
    html = docs.content.decode()
    assert '<html lang="fr">' in html
    assert "cdn" not in html
    assert "https://" not in html
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js")


def test_api_notifications(client):
    from parvis.core.models import Notification

    user = make_user()
    Notification.objects.create(recipient=user, kind="ideas.answer", title="Réponse")
    client.force_login(user)
    data = client.get("/api/account/notifications", {"unread": "true"}).json()["items"]
    assert [n["title"] for n in data] == ["Réponse"]
    assert client.post("/api/account/notifications/read").json() == {"updated": 1}
    assert client.get("/api/account/notifications", {"unread": "true"}).json()["items"] == []


def test_optional_user_on_public_endpoints(rf):
    from django.contrib.auth.models import AnonymousUser

    from parvis.core.api_auth import optional_user

    user = make_user()
    token, key = token_create(user=user, name="t")
    request = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {key}")
    request.user = AnonymousUser()
    assert optional_user(request) == user
    token_revoke(user=user, token_id=token.pk)
    assert optional_user(request) is None
    request = rf.get("/")
    request.user = user
    assert optional_user(request) == user
    request.user = AnonymousUser()
    assert optional_user(request) is None
