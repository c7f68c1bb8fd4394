"""Accounts: sign-up and confirmation, login lockout, password reset, profile, export, deletion."""

import html
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client as client_class
from django.urls import reverse
from django.utils import timezone

from parvis.core import accounts
from parvis.core.models import ApiToken, LoginThrottle, Notification, Role, Territory, TerritoryLevel, User
from parvis.core.modules import ModuleManifest
from parvis.core.tokens import token_create
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


def login(client, email, password):
    return client.post(LOGIN, {"email": email, "password": password})


def text(response) -> str:
    return html.unescape(response.content.decode())


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Sign-up and e-mail confirmation ---------------------------------------------------------------


def signup(client, django_capture_on_commit_callbacks, **data):
    payload = {"email": "nadia@example.org", "password": "un-mot-de-passe-solide", "display_name": "Nadia"}
    payload.update(data)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/compte/inscription/", payload)


def confirmation_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/compte/confirmer/[^\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_signup_sends_a_confirmation_link_that_works_once(client, django_capture_on_commit_callbacks):
    response = signup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == "/compte/"
    user = User.objects.get(email="nadia@example.org")
    assert user.role == Role.RESIDENT
    assert not user.email_confirmed
    assert user.password.startswith(("md5$", "argon2"))  # never stored in clear
    assert mail.outbox[0].to == ["nadia@example.org"]
    link = confirmation_link()
    response = client.get(link)
    assert response.status_code == 302
    user.refresh_from_db()
    confirmed_at = user.email_confirmed_at
    assert confirmed_at is not None
    response = client.get(link, follow=True)  # the link works once; a second click says so
    assert "Ce lien a déjà servi : votre adresse e-mail est confirmée." in text(response)
    user.refresh_from_db()
    assert user.email_confirmed_at == confirmed_at


def test_confirmation_link_is_void_after_email_change(client, django_capture_on_commit_callbacks):
    signup(client, django_capture_on_commit_callbacks)
    link = confirmation_link()
    User.objects.filter(email="nadia@example.org").update(email="autre@example.org")
    response = client.get(link)
    assert response.status_code == 400
    assert "n'est pas valide" in text(response)
    assert not User.objects.get(email="autre@example.org").email_confirmed


def test_tampered_confirmation_link(client):
    user = make_user(confirmed=False)
    token = accounts.confirmation_token(user)
    response = client.get(reverse("core:confirm_email", args=[token[:-3] + "abc"]))
    assert response.status_code == 400
    assert "Ce lien de confirmation n'est pas valide." in text(response)
    user.refresh_from_db()
    assert not user.email_confirmed


def test_expired_confirmation_link(client):
    user = make_user(confirmed=False)
    old = timezone.now() - timedelta(days=8)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("time.time", lambda: old.timestamp())
        expired = accounts.confirmation_token(user)
    response = client.get(reverse("core:confirm_email", args=[expired]))
    assert response.status_code == 400
    assert "a expiré" in text(response)
    user.refresh_from_db()
    assert not user.email_confirmed


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse de courriel valide."),
        ({"password": "court"}, "password", "trop court"),
        ({"password": "1234567890123"}, "password", "entièrement numérique"),
        ({"password": "nadia@example.org"}, "password", "trop semblable"),
        ({"email": ""}, "email", "Ce champ est obligatoire."),
    ],
)
def test_signup_bad_inputs(client, django_capture_on_commit_callbacks, data, field, message):
    response = signup(client, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 200
    assert message in text(response)
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_existing_email_any_case(client, django_capture_on_commit_callbacks):
    make_user(email="nadia@example.org")
    response = signup(client, django_capture_on_commit_callbacks, email="Nadia@Example.org")
    assert "Un compte existe déjà avec cette adresse e-mail." in text(response)
    assert User.objects.count() == 1


def test_resend_confirmation(client, django_capture_on_commit_callbacks):
    user = make_user(confirmed=False)
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/confirmer-a-nouveau/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert client.get(confirmation_link()).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed


# --- Login and lockout ------------------------------------------------------------------------------


def test_login_and_logout(client):
    user = make_user()
    response = login(client, user.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    client.post("/compte/deconnexion/")
    assert not signed_in(client)


def test_login_redirects_only_to_this_site(client):
    user = make_user()
    response = client.post(
        LOGIN + "?next=https://evil.example/",
        {"email": user.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == "/"
    client.post("/compte/deconnexion/")
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD, "next": "/compte/"})
    assert response.url == "/compte/"


def test_failures_make_this_client_wait_for_this_address_only(client, settings):
    """Strangers failing on purpose cannot lock someone out: the wait is for (address, client IP)."""
    user = make_user()
    for _ in range(settings.PARVIS_LOGIN_MAX_FAILURES):
        response = login(client, user.email, "wrong-password")
        assert response.status_code == 200
        assert "Adresse e-mail ou mot de passe incorrect." in text(response)
    # From the same client, even the right password now waits, with a clear message.
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)
    assert "Trop d'essais infructueux" in text(response)
    assert "Réessayez dans 60 secondes" in text(response)
    # The account's owner, elsewhere, signs in at once.
    other = client_class()
    response = other.post(LOGIN, {"email": user.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 302
    # Once the wait is over, the right password works from the first client too and the count restarts.
    LoginThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert not LoginThrottle.objects.filter(ip="127.0.0.1").exists()


def test_the_wait_doubles_with_each_further_failure(client, settings):
    user = make_user()
    waits = []
    for _ in range(settings.PARVIS_LOGIN_MAX_FAILURES + 5):
        LoginThrottle.objects.update(blocked_until=None)  # as if the client had waited
        login(client, user.email, "wrong")
        throttle = LoginThrottle.objects.get()
        if throttle.blocked_until:
            waits.append(round((throttle.blocked_until - throttle.last_failure_at).total_seconds()))
    assert waits == [60, 120, 240, 480, 900, 900]
    assert settings.PARVIS_LOGIN_BACKOFF_MAX_SECONDS == 900


def test_lockout_threshold(client, settings):
    user = make_user()
    for _ in range(settings.PARVIS_LOGIN_MAX_FAILURES - 1):
        login(client, user.email, "wrong")
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302


def test_wrong_password_message_does_not_reveal_accounts(client, settings):
    user = make_user()
    known = text(login(client, user.email, "wrong"))
    unknown = text(login(client, "nobody@example.org", "wrong"))
    assert "Adresse e-mail ou mot de passe incorrect." in known
    assert "Adresse e-mail ou mot de passe incorrect." in unknown
    # Past the threshold, an unknown address gets exactly the same answer as an existing one.
    for _ in range(settings.PARVIS_LOGIN_MAX_FAILURES):
        known_response = login(client, user.email, "wrong")
        unknown_response = login(client, "nobody@example.org", "wrong")
    assert known_response.status_code == unknown_response.status_code == 429
    message = re.compile(r"Trop d'essais infructueux[^<]*")
    assert message.search(text(known_response)).group() == message.search(text(unknown_response)).group()


def test_the_throttle_stores_no_address_in_clear(client):
    login(client, "Someone@Example.org", "wrong")
    throttle = LoginThrottle.objects.get()
    assert "example" not in throttle.account_key
    assert throttle.account_key == accounts.account_key("someone@example.org ")


def test_admin_login_goes_through_the_site_login(client, settings):
    """30 wrong passwords at /admin/login/ are counted like any other; no admin form bypasses them."""
    admin_user = make_user(role=Role.ADMIN, is_staff=True, is_superuser=True)
    response = client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    assert not signed_in(client)
    assert response.status_code == 302
    assert response.url.startswith(LOGIN + "?next=")
    for _ in range(30):
        client.post(response.url, {"email": admin_user.email, "password": "wrong"})
    after = client.post(response.url, {"email": admin_user.email, "password": PASSWORD})
    assert after.status_code == 429
    assert not signed_in(client)
    # Once signed in through the site's page, the admin opens.
    LoginThrottle.objects.all().delete()
    response = client.post(
        LOGIN + "?next=/admin/", {"email": admin_user.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("field", ["blocked_at", "deleted_at"])
def test_blocked_or_deleted_cannot_log_in(client, field):
    user = make_user(**{field: timezone.now()})
    login(client, user.email, PASSWORD)
    assert not signed_in(client)


def test_bad_login_form(client):
    response = client.post(LOGIN, {"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in text(response)


def test_argon2_is_the_production_hasher(settings):
    from django.contrib.auth.hashers import make_password

    assert "Argon2PasswordHasher" in settings.PASSWORD_HASHERS[1]
    assert make_password("x", hasher="argon2").startswith("argon2$argon2id$")


# --- Password reset ---------------------------------------------------------------------------------


def test_password_reset_flow(client):
    user = make_user(email="reset@example.org")
    response = client.post("/compte/mot-de-passe/", {"email": "reset@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "w-n0uveau-m0t-de-passe", "new_password2": "x"})
    assert response.status_code == 200  # mismatch: stays on the form
    response = client.post(
        form_url, {"new_password1": "w-n0uveau-m0t-de-passe", "new_password2": "w-n0uveau-m0t-de-passe"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("w-n0uveau-m0t-de-passe")
    # The link is single use.
    response = client.get(link, follow=True)
    assert "new_password1" not in text(response)


def test_password_reset_ends_a_lockout(client):
    user = make_user(email="locked@example.org")
    for _ in range(10):
        login(client, user.email, "wrong-password")
    client.post("/compte/mot-de-passe/", {"email": "locked@example.org"})
    link = re.search(r"https?://[^/\s]+(/compte/mot-de-passe/[^\s]+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(
        form_url, {"new_password1": "w-n0uveau-m0t-de-passe", "new_password2": "w-n0uveau-m0t-de-passe"}
    )
    response = login(client, user.email, "w-n0uveau-m0t-de-passe")
    assert response.status_code == 302
    assert signed_in(client)


def test_password_reset_unknown_email_sends_nothing(client):
    response = client.post("/compte/mot-de-passe/", {"email": "nobody@example.org"})
    assert response.status_code == 302  # same answer: no account enumeration
    assert mail.outbox == []


def test_password_reset_bad_link(client):
    response = client.get("/compte/mot-de-passe/MQ/abc-def/")
    assert response.status_code == 200
    assert "new_password1" not in text(response)


# --- Profile -----------------------------------------------------------------------------------------


def test_profile_home_from_map_point(client, paris):
    user = make_user()
    client.force_login(user)
    response = client.post(
        "/compte/",
        {
            "display_name": "Nadia",
            "preferred_language": "fr",
            "home_lat": "48.8566",
            "home_lon": "2.3522",
            "neighbourhood": "",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.home_neighbourhood.name == "Saint-Merri"
    assert user.home_district.code == "4"


def test_profile_home_from_list(client, paris):
    user = make_user()
    client.force_login(user)
    client.post("/compte/", {"display_name": "Nadia", "preferred_language": "en", "neighbourhood": "7511101"})
    user.refresh_from_db()
    assert user.home_neighbourhood.name == "Folie-Méricourt"
    assert user.home_district.code == "11"
    assert user.preferred_language == "en"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"home_lat": "48.8049", "home_lon": "2.1204"}, "en dehors du territoire"),
        ({"home_lat": "abc", "home_lon": "2.3"}, "Saisissez un nombre."),
        ({"home_lat": "95", "home_lon": "2.3"}, "Coordonnées invalides"),
        ({"neighbourhood": "999"}, "Sélectionnez un choix valide"),
        ({"preferred_language": "xx"}, "Sélectionnez un choix valide"),
    ],
)
def test_profile_bad_inputs_change_nothing(client, paris, data, message):
    user = make_user()
    client.force_login(user)
    payload = {"display_name": "Changé", "preferred_language": "fr", "neighbourhood": ""}
    payload.update(data)
    response = client.post("/compte/", payload)
    assert response.status_code == 200
    assert message in text(response)
    user.refresh_from_db()
    assert user.display_name != "Changé"
    assert user.home_neighbourhood is None


def test_account_pages_need_login(client):
    for url in ["/compte/", "/compte/export/", "/compte/supprimer/", "/compte/notifications/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(LOGIN), url


# --- Export and deletion ------------------------------------------------------------------------------


def test_export_contains_the_account(client, paris):
    territory = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7510401")
    user = make_user(email="export@example.org", display_name="Nadia", home_neighbourhood=territory)
    token_create(user=user, name="mon script")
    client.force_login(user)
    response = client.get("/compte/export/")
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "export@example.org"
    assert data["account"]["display_name"] == "Nadia"
    assert data["account"]["home_neighbourhood"] == "Saint-Merri"
    assert data["api_tokens"][0]["name"] == "mon script"
    assert data["notification_preferences"] == []
    assert "key_hash" not in text(response)


def test_export_includes_registered_modules(client, extra_module):
    user = make_user()
    extra_module(ModuleManifest(personal_data_export=lambda u: {"items": [u.pk]}), label="demo_module")
    client.force_login(user)
    assert client.get("/compte/export/").json()["demo_module"] == {"items": [user.pk]}


def test_account_deletion_anonymises(client, contribution, extra_module):
    user = make_user(email="bye@example.org", display_name="Nadia")
    token_create(user=user, name="t")
    Notification.objects.create(recipient=user, kind="k", title="t")
    contribution.hidden_by = user
    contribution.save()
    seen = []
    extra_module(ModuleManifest(personal_data_anonymise=lambda u: seen.append(u.pk)), label="demo_module")
    client.force_login(user)
    response = client.post("/compte/supprimer/", {"password": "wrong", "confirm": "on"})
    assert "Mot de passe incorrect." in text(response)
    assert User.objects.get(pk=user.pk).deleted_at is None
    response = client.post("/compte/supprimer/", {"password": PASSWORD})
    assert User.objects.get(pk=user.pk).deleted_at is None  # the confirmation box is required
    response = client.post("/compte/supprimer/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not signed_in(client)
    user.refresh_from_db()
    assert user.public_name == "Compte supprimé"
    assert str(user) == "Compte supprimé"
    assert "bye@example.org" not in user.email
    assert user.display_name == ""
    assert not User.objects.filter(email__icontains="bye@example.org").exists()
    assert not ApiToken.objects.filter(user=user).exists()
    assert not Notification.objects.filter(recipient=user).exists()
    assert seen == [user.pk]
    contribution.refresh_from_db()
    assert contribution.hidden_by_id == user.pk  # public traces stay, credited to « Compte supprimé »
    login(client, "bye@example.org", PASSWORD)
    assert not signed_in(client)
    login(client, user.email, PASSWORD)
    assert not signed_in(client)


def test_deleted_account_can_sign_up_again(client, django_capture_on_commit_callbacks):
    user = make_user(email="nadia@example.org")
    accounts.user_delete(user=user)
    signup(client, django_capture_on_commit_callbacks)
    assert User.objects.filter(email="nadia@example.org").count() == 1


def test_admin_deletion_is_audited_without_the_former_name():
    from parvis.core.audit import audit_history
    from parvis.core.moderation import user_block
    from tests.factories import make_admin

    admin = make_admin()
    user = make_user(display_name="Nadia Martin")
    user_block(moderator=admin, user=user, reason="Spam")
    accounts.user_delete(user=user, actor=admin)
    history = list(audit_history(user))
    assert [e.action for e in history] == ["user.delete", "user.block"]
    assert {e.object_repr for e in history} == {"Compte supprimé"}
