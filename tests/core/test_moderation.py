"""Flagging any Moderated contribution, the moderation queue, hiding, dismissing, blocking, audit log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from parvis.core import moderation
from parvis.core.audit import audit_history, audit_record
from parvis.core.models import AuditEntry, Flag, Role
from tests.core.conftest import Contribution
from tests.factories import make_admin, make_moderator, make_user

pytestmark = pytest.mark.django_db

FLAG_URL = "/signaler/core/contribution/{pk}/"


def test_flag_through_the_page(client, contribution):
    resident = make_user()
    client.force_login(resident)
    assert client.get(FLAG_URL.format(pk=contribution.pk)).status_code == 200
    response = client.post(
        FLAG_URL.format(pk=contribution.pk) + "?next=/compte/",
        {"reason": "abuse", "comment": "Insultes", "next": "/compte/"},
    )
    assert response.status_code == 302
    assert response.url == "/compte/"
    flag = Flag.objects.get()
    assert (flag.reporter, flag.reason, flag.comment, flag.target) == (
        resident,
        "abuse",
        "Insultes",
        contribution,
    )


def test_flag_twice_is_refused(client, contribution):
    resident = make_user()
    client.force_login(resident)
    client.post(FLAG_URL.format(pk=contribution.pk), {"reason": "spam"})
    response = client.post(FLAG_URL.format(pk=contribution.pk), {"reason": "abuse"})
    assert response.status_code == 200
    assert "Vous avez déjà signalé ce contenu." in response.content.decode()
    assert Flag.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "boring"}, "Sélectionnez un choix valide"),
        ({}, "Ce champ est obligatoire."),
        ({"reason": "other", "comment": "x" * 1001}, "1000 caractères"),
    ],
)
def test_flag_bad_inputs(client, contribution, data, message):
    client.force_login(make_user())
    response = client.post(FLAG_URL.format(pk=contribution.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Flag.objects.exists()


def test_flag_needs_login_and_an_existing_object(client, contribution):
    response = client.post(FLAG_URL.format(pk=contribution.pk), {"reason": "spam"})
    assert response.status_code == 302
    assert "/compte/connexion/" in response.url
    client.force_login(make_user())
    assert client.get(FLAG_URL.format(pk=99999)).status_code == 404
    assert client.get("/signaler/core/nothing/1/").status_code == 404
    assert not Flag.objects.exists()


def test_flag_on_non_moderated_model_is_refused(client):
    other = make_user()
    client.force_login(make_user())
    response = client.post(f"/signaler/core/user/{other.pk}/", {"reason": "spam"})
    assert response.status_code == 404
    assert not Flag.objects.exists()


def test_queue_hide_with_public_reason_and_audit(client, contribution):
    moderator = make_moderator()
    for _ in range(2):
        moderation.flag_create(reporter=make_user(), target=contribution, reason="abuse")
    moderation.flag_create(
        reporter=make_user(), target=contribution, reason="spam", comment="Lien vers un casino"
    )
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    assert "Propos injurieux, haineux ou discriminatoires (2)" in page
    assert "Spam ou publicité" in page
    assert "Lien vers un casino" in page
    assert "Un banc cassé rue de Rivoli" in page
    assert "3 signalements" in page
    response = client.post(
        f"/moderation/{_ct(contribution)}/{contribution.pk}/", {"decision": "hide", "reason": ""}
    )
    contribution.refresh_from_db()
    assert not contribution.is_hidden  # a public reason is required
    response = client.post(
        f"/moderation/{_ct(contribution)}/{contribution.pk}/",
        {"decision": "hide", "reason": "Propos injurieux"},
    )
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert contribution.is_hidden
    assert contribution.hidden_reason == "Propos injurieux"
    assert contribution.hidden_by == moderator
    assert set(Flag.objects.values_list("decision", flat=True)) == {"hidden"}
    entry = audit_history(contribution).get()
    assert (entry.actor, entry.action, entry.data) == (
        moderator,
        "content.hide",
        {"reason": "Propos injurieux"},
    )
    assert "Un banc cassé" not in client.get("/moderation/").content.decode()


def test_queue_dismiss_keeps_content(client, contribution):
    moderator = make_moderator()
    moderation.flag_create(reporter=make_user(), target=contribution, reason="spam")
    client.force_login(moderator)
    client.post(f"/moderation/{_ct(contribution)}/{contribution.pk}/", {"decision": "keep"})
    contribution.refresh_from_db()
    assert not contribution.is_hidden
    assert Flag.objects.get().decision == "kept"
    assert audit_history(contribution).get().action == "flags.dismiss"
    assert moderation.moderation_queue() == []


def test_residents_cannot_moderate(client, contribution):
    moderation.flag_create(reporter=make_user(), target=contribution, reason="spam")
    client.force_login(make_user())
    assert client.get("/moderation/").status_code == 403
    response = client.post(
        f"/moderation/{_ct(contribution)}/{contribution.pk}/", {"decision": "hide", "reason": "x"}
    )
    assert response.status_code == 403
    contribution.refresh_from_db()
    assert not contribution.is_hidden
    assert Flag.objects.get().resolved_at is None
    assert not AuditEntry.objects.exists()


def test_unhide(contribution):
    moderator = make_moderator()
    moderation.content_hide(moderator=moderator, target=contribution, reason="Spam")
    moderation.content_unhide(moderator=moderator, target=contribution)
    contribution.refresh_from_db()
    assert not contribution.is_hidden
    assert [e.action for e in audit_history(contribution)] == ["content.unhide", "content.hide"]


def test_block_and_unblock(client):
    moderator, resident = make_moderator(), make_user()
    with pytest.raises(ValidationError, match="motif du blocage"):
        moderation.user_block(moderator=moderator, user=resident, reason=" ")
    moderation.user_block(moderator=moderator, user=resident, reason="Spam répété")
    resident.refresh_from_db()
    assert resident.is_blocked
    assert (
        client.post(
            "/compte/connexion/", {"email": resident.email, "password": "correct-horse-battery-staple"}
        ).status_code
        == 200
    )
    assert "_auth_user_id" not in client.session
    moderation.user_unblock(moderator=moderator, user=resident)
    resident.refresh_from_db()
    assert not resident.is_blocked
    assert [e.action for e in audit_history(resident)] == ["user.unblock", "user.block"]


def test_block_permissions():
    resident, moderator, other_moderator, admin = (
        make_user(),
        make_moderator(),
        make_moderator(),
        make_admin(),
    )
    with pytest.raises(PermissionDenied):
        moderation.user_block(moderator=resident, user=make_user(), reason="x")
    with pytest.raises(PermissionDenied, match="Seul un administrateur"):
        moderation.user_block(moderator=moderator, user=other_moderator, reason="x")
    moderation.user_block(moderator=admin, user=other_moderator, reason="x")
    assert not AuditEntry.objects.filter(actor=resident).exists()


def test_queue_order_and_query_count(django_assert_max_num_queries):
    reporters = [make_user() for _ in range(3)]
    items = [Contribution.objects.create(text=f"c{i}") for i in range(12)]
    for i, item in enumerate(items):
        for reporter in reporters[: 1 + i % 3]:
            moderation.flag_create(reporter=reporter, target=item, reason="spam")
    with django_assert_max_num_queries(5):
        queue = moderation.moderation_queue()
        assert [q.target.text for q in queue][:4] == ["c2", "c5", "c8", "c11"]
        assert queue[0].flag_count == 3
        assert queue[0].reasons == ["spam"] * 3


def test_queue_page_query_count(client, django_assert_max_num_queries):
    reporter = make_user()
    for i in range(15):
        moderation.flag_create(
            reporter=reporter, target=Contribution.objects.create(text=f"c{i}"), reason="spam"
        )
    client.force_login(make_moderator())
    with django_assert_max_num_queries(12):
        assert client.get("/moderation/").status_code == 200


def test_queue_survives_a_deleted_target(client, contribution):
    moderation.flag_create(reporter=make_user(), target=contribution, reason="spam")
    Contribution.objects.filter(pk=contribution.pk).delete()
    client.force_login(make_moderator())
    assert client.get("/moderation/").status_code == 200


def test_audit_record_anonymous_actor_and_data():
    from django.contrib.auth.models import AnonymousUser

    target = make_user()
    entry = audit_record(actor=AnonymousUser(), action="x.y", target=target, n=1)
    assert entry.actor is None
    assert entry.object_repr == str(target)
    assert entry.data == {"n": 1}
    assert audit_record(actor=None, action="system").object_id == ""


def test_audit_log_is_read_only_in_admin(client):
    admin = make_admin()
    entry = audit_record(actor=admin, action="x", target=admin)
    client.force_login(admin)
    assert client.get("/admin/core/auditentry/").status_code == 200
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_roles():
    assert make_user(role=Role.MEDIATOR).is_mediator
    assert make_user(role=Role.AGENT).is_agent
    assert not make_user().is_moderator
    admin = make_admin()
    assert admin.is_moderator
    assert admin.is_agent
    assert admin.is_city_admin
    assert not make_user(role=Role.MODERATOR, is_active=False).is_moderator
    assert make_user(blocked_at=timezone.now()).is_blocked


def _ct(obj):
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


def test_blocking_ends_existing_sessions(client):
    resident = make_user()
    client.force_login(resident)
    assert client.get("/compte/").status_code == 200
    moderation.user_block(moderator=make_moderator(), user=resident, reason="Spam")
    response = client.get("/compte/")
    assert response.status_code == 302
    assert "/compte/connexion/" in response.url
