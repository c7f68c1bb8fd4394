"""`parvis worker` runs the tasks queued in the database (production's backend)."""

import pytest
from django.core import mail
from django.core.management import call_command

from parvis.core.notifications import notify
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_worker_sends_queued_notification_emails(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    user = make_user(email="file@example.org")
    notify(recipients=[user], kind="core.account", title="Votre rôle a changé")
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []  # nothing is sent inside the request
    call_command("worker", "--batch", verbosity=0)
    assert [m.to for m in mail.outbox] == [["file@example.org"]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    call_command("worker", "--batch", verbosity=0)
    assert len(mail.outbox) == 1  # a task runs once
