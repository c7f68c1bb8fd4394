"""Notifications in the site and by e-mail, according to each person's preferences.

Modules call ``notify`` from their services; the e-mail goes out from a background task once the
transaction that caused it has committed.
"""

from collections.abc import Iterable

from django.db import transaction

from .models import Notification, NotificationPreference, User


def notify(*, recipients: Iterable[User], kind: str, title: str, body: str = "", url: str = "",
           exclude: User | None = None) -> list[Notification]:
    from .tasks import send_notification_email

    people = {u.pk: u for u in recipients if u is not None and u.is_active and u.deleted_at is None}
    if exclude is not None:
        people.pop(exclude.pk, None)
    if not people:
        return []
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=people, kind=kind)}
    created = []
    for user_id in people:
        pref = prefs.get(user_id)
        if pref is not None and not pref.in_site and not pref.by_email:
            continue
        note = Notification.objects.create(recipient_id=user_id, kind=kind, title=title[:200], body=body, url=url)
        created.append(note)
        if pref is None or pref.by_email:
            transaction.on_commit(lambda pk=note.pk: send_notification_email.enqueue(pk))
    return created


def notification_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())
