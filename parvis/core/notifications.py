"""Notifications in the site and by e-mail, according to each person's preferences.

Modules call ``notify`` from their services; the e-mail goes out from a background task once the
transaction that caused it has committed. Each module declares its kinds of notification in its
manifest (``ModuleManifest.notification_kinds``, see ``parvis.core.modules``) so that people can choose,
kind by kind and before any is sent, whether they want them on the site, by e-mail, both or neither.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import modules
from .models import Notification, NotificationPreference, User
from .texts import SystemText, texts_data, texts_source

#: The core's own kinds, kind -> human label (lazy translation); modules declare theirs in their manifest.
CORE_KINDS: dict[str, object] = {
    "core.moderation": gettext_lazy("Modération de mes contributions"),
    "core.account": gettext_lazy("Mon compte (sécurité, rôle)"),
}


def notification_kinds() -> dict[str, object]:
    """Every declared kind: the core's, then each installed module's."""
    return {**CORE_KINDS, **modules.notification_kinds()}


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    in_site: bool
    by_email: bool


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: "str | SystemText",
    body: "str | SystemText | list" = "",
    url: str = "",
    exclude: User | None = None,
) -> list[Notification]:
    """Notify people of an event; nothing is sent to inactive, deleted or excluded accounts.

    Without a stored preference a kind is wanted both on the site and by e-mail. A title or body made
    of ``SystemText`` (a list mixes them with what people typed) is shown in each reader's language.
    """
    from .tasks import send_notification_email

    title_parts = [title]
    body_parts = body if isinstance(body, list) else [body]
    message = {}
    if any(isinstance(p, SystemText) for p in [*title_parts, *body_parts]):
        message = {"title": texts_data(title_parts), "body": texts_data(body_parts)}
    title, body = texts_source(title_parts), texts_source(body_parts)

    people = {u.pk: u for u in recipients if u is not None and u.is_active and u.deleted_at is None}
    if exclude is not None:
        people.pop(exclude.pk, None)
    if not people:
        return []
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=people, kind=kind)}
    created = []
    for user_id in people:
        pref = prefs.get(user_id)
        in_site = pref is None or pref.in_site
        by_email = pref is None or pref.by_email
        if not in_site and not by_email:
            continue
        note = Notification.objects.create(
            recipient_id=user_id,
            kind=kind,
            title=title[:200],
            body=body,
            url=url[:500],
            in_site=in_site,
            message=message,
        )
        created.append(note)
        if by_email:
            transaction.on_commit(lambda pk=note.pk: send_notification_email.enqueue(pk))
    return created


def notifications_for(user: User):
    """The notifications shown on the site to one person, newest first."""
    return Notification.objects.filter(recipient=user, in_site=True)


def unread_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    qs = notifications_for(user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def notification_preferences(user: User) -> list[PreferenceRow]:
    """Every kind the person can receive (declared or already received), with their current choice."""
    stored = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    kinds = notification_kinds()
    received = Notification.objects.filter(recipient=user).values_list("kind", flat=True).distinct()
    for kind in [*stored, *received]:
        kinds.setdefault(kind, kind)
    rows = []
    for kind, label in kinds.items():
        pref = stored.get(kind)
        rows.append(
            PreferenceRow(kind, str(label), pref.in_site if pref else True, pref.by_email if pref else True)
        )
    return sorted(rows, key=lambda r: r.label.lower())


@transaction.atomic
def notification_preferences_set(*, user: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store ``{kind: (in_site, by_email)}``; unknown kinds are refused and nothing is saved."""
    known = {row.kind for row in notification_preferences(user)}
    unknown = sorted(set(choices) - known)
    if unknown:
        raise ValidationError(_("Type de notification inconnu : %(kinds)s.") % {"kinds": ", ".join(unknown)})
    for kind, (in_site, by_email) in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_site": bool(in_site), "by_email": bool(by_email)}
        )
