"""Background work of the core: e-mails go out here, never inside a web request."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django_tasks import task

from .models import Notification


@task()
def send_notification_email(notification_id: int) -> None:
    note = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if note is None or note.emailed_at is not None:
        return
    user = note.recipient
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        link = f"{settings.PARVIS_SITE_URL}{note.url}" if note.url.startswith("/") else note.url
        body = "\n\n".join(filter(None, [note.body_text, link]))
        send_mail(note.title_text, body, None, [user.email])
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())


@task()
def send_email(to: list[str], subject: str, body: str) -> None:
    send_mail(subject, body, None, to)
