"""Notifications: in the site and by e-mail through the background task, following preferences."""

import pytest
from django.core import mail
from django.utils import timezone

from parvis.core.models import Notification, NotificationPreference
from parvis.core.notifications import (
    notification_preferences,
    notification_preferences_set,
    notify,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def send(recipients, on_commit, **kw):
    with on_commit(execute=True):
        return notify(
            recipients=recipients,
            kind=kw.pop("kind", "ideas.answer"),
            title="La ville a répondu",
            body="Votre idée a reçu une réponse.",
            url="/idees/1/",
            **kw,
        )


def test_notify_in_site_and_by_email(client, django_capture_on_commit_callbacks, settings):
    settings.PARVIS_SITE_URL = "https://parvis.example"
    user = make_user(email="amina@example.org")
    created = send([user], django_capture_on_commit_callbacks)
    assert len(created) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@example.org"]
    assert message.subject == "La ville a répondu"
    assert "https://parvis.example/idees/1/" in message.body
    created[0].refresh_from_db()
    assert created[0].emailed_at is not None
    client.force_login(user)
    page = client.get("/compte/notifications/").content.decode()
    assert "La ville a répondu" in page
    assert '1<span class="visually-hidden"> non lue<' in page
    client.post("/compte/notifications/")
    assert Notification.objects.get().read_at is not None


def test_email_task_is_idempotent(django_capture_on_commit_callbacks):
    from parvis.core.tasks import send_notification_email

    user = make_user()
    note = send([user], django_capture_on_commit_callbacks)[0]
    send_notification_email.enqueue(note.pk)
    assert len(mail.outbox) == 1


def test_email_only_preference(client, django_capture_on_commit_callbacks):
    user = make_user()
    NotificationPreference.objects.create(user=user, kind="ideas.answer", in_site=False, by_email=True)
    send([user], django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    client.force_login(user)
    assert "La ville a répondu" not in client.get("/compte/notifications/").content.decode()
    assert client.get("/api/account/notifications").json()["items"] == []


def test_site_only_preference(django_capture_on_commit_callbacks):
    user = make_user()
    NotificationPreference.objects.create(user=user, kind="ideas.answer", in_site=True, by_email=False)
    send([user], django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=user, in_site=True).count() == 1


def test_nothing_preference(django_capture_on_commit_callbacks):
    user = make_user()
    NotificationPreference.objects.create(user=user, kind="ideas.answer", in_site=False, by_email=False)
    assert send([user], django_capture_on_commit_callbacks) == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_preference_is_per_kind(django_capture_on_commit_callbacks):
    user = make_user()
    NotificationPreference.objects.create(user=user, kind="ideas.answer", in_site=False, by_email=False)
    send([user], django_capture_on_commit_callbacks, kind="core.account")
    assert len(mail.outbox) == 1


def test_inactive_deleted_excluded_and_duplicates(django_capture_on_commit_callbacks):
    author, active = make_user(), make_user()
    inactive = make_user(is_active=False)
    deleted = make_user(deleted_at=timezone.now())
    created = send(
        [author, active, active, inactive, deleted, None], django_capture_on_commit_callbacks, exclude=author
    )
    assert [n.recipient_id for n in created] == [active.pk]
    assert len(mail.outbox) == 1


def test_email_is_in_the_recipients_language(django_capture_on_commit_callbacks):
    user = make_user(preferred_language="en")
    send([user], django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # the title is the module's own text; the task renders in `en`


def test_nothing_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    user = make_user()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[user], kind="ideas.answer", title="x")
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_preferences_page(client):
    user = make_user()
    client.force_login(user)
    page = client.get("/compte/notifications/preferences/").content.decode()
    assert "Réponses de la ville aux idées que je suis" in page
    assert 'name="email:ideas.answer"' in page
    # Untick "by e-mail" for ideas.answer, keep everything else.
    data = {f"site:{r.kind}": "on" for r in notification_preferences(user)}
    data.update({f"email:{r.kind}": "on" for r in notification_preferences(user) if r.kind != "ideas.answer"})
    response = client.post("/compte/notifications/preferences/", data)
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=user, kind="ideas.answer")
    assert (pref.in_site, pref.by_email) == (True, False)
    assert NotificationPreference.objects.get(user=user, kind="core.account").by_email is True


def test_every_module_kind_is_offered_before_any_is_received():
    """Kinds come from the modules' manifests: a new account can choose before anything is sent."""
    user = make_user()
    kinds = {row.kind for row in notification_preferences(user)}
    assert {"ideas.answer", "ideas.comment", "ideas.threshold", "ideas.moderation"} <= kinds
    assert {"budget.comment", "budget.feasible", "budget.unfeasible", "budget.merged"} <= kinds
    assert {"budget.split", "budget.followup", "reports.update", "core.moderation", "core.account"} <= kinds
    labels = [row.label for row in notification_preferences(user)]
    assert not any(label.startswith(("ideas.", "budget.", "reports.")) for label in labels)


def test_preferences_unknown_kind_is_refused():
    from django.core.exceptions import ValidationError

    user = make_user()
    with pytest.raises(ValidationError, match="Type de notification inconnu"):
        notification_preferences_set(
            user=user, choices={"ideas.answer": (False, False), "nope": (True, True)}
        )
    assert not NotificationPreference.objects.exists()


def test_preferences_list_kinds_received_but_not_declared():
    user = make_user()
    Notification.objects.create(recipient=user, kind="legacy.kind", title="x")
    assert "legacy.kind" in {r.kind for r in notification_preferences(user)}


def test_notifications_page_query_count(client, django_assert_max_num_queries):
    user = make_user()
    Notification.objects.bulk_create(
        [Notification(recipient=user, kind="k", title=f"n{i}") for i in range(30)]
    )
    client.force_login(user)
    with django_assert_max_num_queries(6):
        assert client.get("/compte/notifications/").status_code == 200


def test_every_kind_a_module_sends_is_declared_in_its_manifest():
    """A kind sent without being declared would appear on the preferences page only once received."""
    import re
    from pathlib import Path

    from parvis.core import modules
    from parvis.core.notifications import notification_kinds

    declared = notification_kinds()
    for module in modules.installed():
        folder = Path(__import__(module.name, fromlist=["x"]).__file__).parent
        for source in folder.rglob("*.py"):
            for kind in re.findall(rf'kind="({module.label}\.\w+)"', source.read_text()):
                assert kind in declared, f"{kind} ({source.name}) is not in {module.label}'s manifest"
