"""Account use cases: sign-up and e-mail confirmation, login lockout, profile, deletion, export."""

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import modules, territories
from .audit import audit_record
from .models import (
    ApiToken,
    AuditEntry,
    LoginThrottle,
    Notification,
    NotificationPreference,
    Role,
    Territory,
    TerritoryLevel,
    User,
)
from .ratelimit import RateLimited, check_rate, client_ip
from .reserved_names import ensure_name_allowed
from .tasks import send_email

CONFIRM_SALT = "parvis.email-confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7


def user_signup(*, email: str, password: str, display_name: str = "", language: str = "fr") -> User:
    email = (email or "").strip().lower()
    ensure_name_allowed(display_name or "", user=None, field="display_name")
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse e-mail.")})
    user = User(
        email=email,
        display_name=(display_name or "").strip()[:80],
        role=Role.RESIDENT,
        preferred_language=language if language in dict(settings.LANGUAGES) else "fr",
    )
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError({"email": _("Un compte existe déjà avec cette adresse e-mail.")})
    send_confirmation(user)
    return user


def confirmation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT)


def send_confirmation(user: User) -> None:
    link = settings.PARVIS_SITE_URL + reverse("core:confirm_email", args=[confirmation_token(user)])
    body = _(
        "Bonjour,\n\nPour confirmer votre adresse e-mail sur Parvis, ouvrez ce lien :\n%(link)s\n\n"
        "Ce lien est valable 7 jours. Si vous n'avez pas créé de compte, ignorez ce message."
    ) % {"link": link}
    transaction.on_commit(lambda: send_email.enqueue([user.email], _("Confirmez votre adresse e-mail"), body))


def email_confirm(token: str) -> User:
    """Confirm the address the link was sent to; raise ValidationError (French message) otherwise."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("Ce lien de confirmation a expiré. Demandez-en un nouveau depuis votre compte.")
        )
    except signing.BadSignature:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide."))
    user = User.objects.filter(pk=data.get("u"), email=data.get("e"), deleted_at__isnull=True).first()
    if user is None:
        raise ValidationError(_("Ce lien de confirmation n'est pas valide."))
    updated = User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(
        email_confirmed_at=timezone.now()
    )
    if not updated:  # a link works once (a second click, or two at the same time)
        raise ValidationError(
            _("Ce lien a déjà servi : votre adresse e-mail est confirmée."), code="already_confirmed"
        )
    user.refresh_from_db(fields=["email_confirmed_at"])
    return user


def account_key(email: str) -> str:
    """The address as the login throttle stores it: hashed, the same for existing and unknown accounts."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


class LoginThrottled(RateLimited):
    """Too many failed logins for this address from this client: wait, or reset the password."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.args = (
            _(
                "Trop d'essais infructueux pour cette adresse depuis votre connexion. Réessayez dans "
                "%(n)d secondes, ou réinitialisez votre mot de passe."
            )
            % {"n": retry_after},
        )


def _backoff(failures: int) -> timedelta | None:
    """No wait before the threshold; then a wait that doubles with each further failure, up to a cap."""
    over = failures - settings.PARVIS_LOGIN_MAX_FAILURES
    if over < 0:
        return None
    seconds = settings.PARVIS_LOGIN_BACKOFF_SECONDS * 2 ** min(over, 30)
    return timedelta(seconds=min(seconds, settings.PARVIS_LOGIN_BACKOFF_MAX_SECONDS))


def login_attempt(*, request, email: str, password: str) -> User:
    """The one login path, for residents and staff (the admin's login page leads here).

    Counts toward the client's login rate limit, then refuses while this (address, client IP) pair
    must wait; failures make that pair wait longer and longer. Nothing depends on whether an account
    has the address, so neither the answers nor their timing tell which addresses exist.
    Raises RateLimited / LoginThrottled (429) or ValidationError (wrong address or password).
    """
    check_rate(request, "login")
    key, ip, now = account_key(email), client_ip(request), timezone.now()
    throttle = LoginThrottle.objects.filter(account_key=key, ip=ip, blocked_until__gt=now).first()
    if throttle is not None:
        raise LoginThrottled(retry_after=max(1, math.ceil((throttle.blocked_until - now).total_seconds())))
    user = authenticate(request, email=email, password=password)
    if user is None:
        login_failed(email=email, ip=ip)
        raise ValidationError(_("Adresse e-mail ou mot de passe incorrect."))
    LoginThrottle.objects.filter(account_key=key, ip=ip).delete()
    return user


def login_failed(*, email: str, ip: str) -> LoginThrottle:
    """Count a failed login for (address, IP); past the threshold the pair waits, doubling each time."""
    key, now = account_key(email), timezone.now()
    with transaction.atomic():
        throttle = LoginThrottle.objects.select_for_update().filter(account_key=key, ip=ip).first()
        if throttle is None:
            try:
                with transaction.atomic():
                    throttle = LoginThrottle.objects.create(account_key=key, ip=ip, last_failure_at=now)
            except IntegrityError:  # created by a concurrent failure: count on its row
                throttle = LoginThrottle.objects.select_for_update().get(account_key=key, ip=ip)
        throttle.failures += 1
        throttle.last_failure_at = now
        wait = _backoff(throttle.failures)
        throttle.blocked_until = now + wait if wait else None
        throttle.save(update_fields=["failures", "last_failure_at", "blocked_until"])
    # Pairs idle for a day are forgotten (the table holds only recent failures).
    LoginThrottle.objects.filter(last_failure_at__lt=now - timedelta(days=1)).delete()
    return throttle


def login_throttles_clear(user: User) -> None:
    """A new password ends every wait on the account, from every client."""
    LoginThrottle.objects.filter(account_key=account_key(user.email)).delete()


def profile_update(
    *,
    user: User,
    display_name: str,
    preferred_language: str,
    home_address: str = "",
    home_lat: float | None = None,
    home_lon: float | None = None,
    neighbourhood_code: str | None = None,
    birth_date=None,
    locate_address: bool = False,
) -> User:
    """Update the profile; the home is set from a point on the map, else from the address
    (``locate_address``, through ``parvis.core.geocoding``), else from a chosen neighbourhood.

    Every check happens before anything is written: a bad point or an unknown address changes nothing.
    """
    ensure_name_allowed(display_name or "", user=user, field="display_name")
    home_address = (home_address or "").strip()[:255]
    home = None
    if home_lat is not None and home_lon is not None:
        home = _home_from_point(home_lat, home_lon)
    elif locate_address and home_address:
        from .geocoding import geocode

        found = geocode(home_address)
        if found is None:
            raise ValidationError(
                _(
                    "Adresse introuvable : précisez-la (numéro, rue, code postal), placez votre "
                    "domicile sur la carte ou choisissez votre quartier dans la liste."
                )
            )
        home = _home_from_point(found.lat, found.lon)
    elif neighbourhood_code:
        territory = (
            Territory.objects.filter(
                code=neighbourhood_code, level__in=[TerritoryLevel.NEIGHBOURHOOD, TerritoryLevel.DISTRICT]
            )
            .select_related("parent")
            .first()
        )
        if territory is None:
            raise ValidationError(_("Quartier inconnu."))
        if territory.level == TerritoryLevel.NEIGHBOURHOOD:
            home = (None, None, territory.id, territory.parent_id)
        else:
            home = (None, None, None, territory.id)
    user.display_name = (display_name or "").strip()[:80]
    if preferred_language in dict(settings.LANGUAGES):
        user.preferred_language = preferred_language
    user.home_address = home_address
    user.birth_date = birth_date
    if home is not None:
        user.home_lat, user.home_lon, user.home_neighbourhood_id, user.home_district_id = home
    user.save()
    return user


def profile_save(
    *,
    user: User,
    display_name: str,
    preferred_language: str,
    home_address: str = "",
    birth_date=None,
    home_lat: float | None = None,
    home_lon: float | None = None,
    neighbourhood_code: str = "",
) -> User:
    """The profile form's rule: what the person *changed* says where home is.

    A new point on the map wins; else a newly chosen neighbourhood; else a new address is geocoded;
    unchanged values keep the current home.
    """
    current = user.home_neighbourhood or user.home_district
    moved = (
        home_lat is not None
        and home_lon is not None
        and (home_lat, home_lon) != (user.home_lat, user.home_lon)
    )
    chose = bool(neighbourhood_code) and neighbourhood_code != (current.code if current else "")
    address_changed = (home_address or "").strip() != user.home_address
    return profile_update(
        user=user,
        display_name=display_name,
        preferred_language=preferred_language,
        home_address=home_address,
        birth_date=birth_date,
        home_lat=home_lat if moved else None,
        home_lon=home_lon if moved else None,
        neighbourhood_code=(neighbourhood_code or None) if not moved else None,
        locate_address=address_changed and not moved and not chose,
    )


def _home_from_point(lat, lon) -> tuple[float, float, int | None, int | None]:
    lat, lon = territories.validate_coordinates(lat, lon)
    location = territories.locate(lat, lon)
    if not location.inside_city:
        raise ValidationError(_("Ce point est en dehors du territoire de la ville."))
    return (
        lat,
        lon,
        location.neighbourhood.id if location.neighbourhood else None,
        location.district.id if location.district else None,
    )


def user_export(user: User) -> dict:
    """Everything Parvis holds about one person, as JSON-ready data (GDPR right of access)."""
    data = {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "date_joined": user.date_joined.isoformat(),
            "email_confirmed_at": user.email_confirmed_at.isoformat() if user.email_confirmed_at else None,
            "preferred_language": user.preferred_language,
            "home_address": user.home_address,
            "home_point": [user.home_lat, user.home_lon] if user.home_lat is not None else None,
            "home_neighbourhood": user.home_neighbourhood.name if user.home_neighbourhood else None,
            "home_district": user.home_district.name if user.home_district else None,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
        },
        "services": [s.name for s in user.services.all()],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at.isoformat(),
                "revoked": t.revoked_at is not None,
            }
            for t in user.api_tokens.all()
        ],
        "notifications": [
            {"title": n.title, "created_at": n.created_at.isoformat(), "url": n.url}
            for n in user.notifications.all()[:1000]
        ],
        "notification_preferences": [
            {"kind": p.kind, "in_site": p.in_site, "by_email": p.by_email}
            for p in user.notification_preferences.all()
        ],
        "flags": [
            {"reason": f.reason, "comment": f.comment, "created_at": f.created_at.isoformat()}
            for f in user.flags.all()
        ],
    }
    # Each module's part, from its manifest's ``personal_data_export``, under the module's label.
    for name, exporter in modules.personal_data_exporters():
        data[name] = exporter(user)
    return data


@transaction.atomic
def user_delete(*, user: User, actor: User | None = None) -> None:
    """Remove personal data; public contributions stay, credited to « Compte supprimé »."""
    for _name, anonymiser in modules.personal_data_anonymisers():
        anonymiser(user)
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    ApiToken.objects.filter(user=user).delete()
    user.services.clear()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = ""
    user.home_address = ""
    user.home_lat = user.home_lon = None
    user.home_neighbourhood = user.home_district = None
    user.birth_date = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    # The staff log keeps what was done, but not the person's former name in its text.
    AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
    ).update(object_repr=user.public_name)
    if actor is not None and actor.pk != user.pk:
        audit_record(actor=actor, action="user.delete", target=user)
