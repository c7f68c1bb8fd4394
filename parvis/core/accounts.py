"""Account use cases: sign-up and e-mail confirmation, login lockout, profile, deletion, export."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import territories
from .audit import audit_record
from .models import (
    ApiToken,
    AuditEntry,
    Notification,
    NotificationPreference,
    Role,
    Territory,
    TerritoryLevel,
    User,
)
from .tasks import send_email

CONFIRM_SALT = "parvis.email-confirm"
CONFIRM_MAX_AGE = 60 * 60 * 24 * 7

#: Modules register a callable(user) -> dict with the personal data they hold, for the export.
EXPORTERS: dict[str, callable] = {}
#: Modules register a callable(user) -> None that anonymises what they hold, for deletion.
ANONYMISERS: dict[str, callable] = {}


def user_signup(*, email: str, password: str, display_name: str = "", language: str = "fr") -> User:
    email = (email or "").strip().lower()
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


def login_failed(email: str) -> User | None:
    """Count a failed login; lock the account for a while after too many in a row."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            return None
        user.failed_login_count += 1
        if user.failed_login_count >= settings.PARVIS_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=settings.PARVIS_LOGIN_LOCKOUT_MINUTES)
            user.failed_login_count = 0
        user.save(update_fields=["failed_login_count", "locked_until"])
        return user


def login_succeeded(user: User) -> None:
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


def is_locked(email: str) -> bool:
    user = User.objects.filter(email__iexact=(email or "").strip()).only("locked_until").first()
    return bool(user and user.locked_until and user.locked_until > timezone.now())


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
    for name, exporter in EXPORTERS.items():
        data[name] = exporter(user)
    return data


@transaction.atomic
def user_delete(*, user: User, actor: User | None = None) -> None:
    """Remove personal data; public contributions stay, credited to « Compte supprimé »."""
    for anonymiser in ANONYMISERS.values():
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
