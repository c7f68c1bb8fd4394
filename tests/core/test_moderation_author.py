"""The author of hidden content is told what was hidden, why, and how to contest it; contesting puts
the contribution back in the moderators' queue, where it can be restored."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from parvis.core import moderation
from parvis.core.models import Flag, Notification, NotificationPreference
from tests.budget.factories import make_campaign, make_envelope, make_project
from tests.factories import make_moderator, make_user
from tests.ideas.factories import make_comment, make_idea
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _idea_comment(author):
    return make_comment(idea=make_idea(), author=author, body="Un commentaire vif.")


def _idea(author):
    return make_idea(author=author, title="Une idée masquée")


def _project(author):
    return make_project(make_envelope(make_campaign()), author=author, title="Un projet masqué")


def _report(author):
    return make_report(author=author, description="Un signalement masqué")


@pytest.mark.parametrize("make", [_idea_comment, _idea, _project, _report], ids=lambda f: f.__name__[1:])
def test_hiding_tells_the_author_on_the_site_and_by_email(make, paris, django_capture_on_commit_callbacks):
    author = make_user()
    target = make(author)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.content_hide(moderator=make_moderator(), target=target, reason="Propos injurieux")
    note = Notification.objects.get(recipient=author)
    assert note.kind == "core.moderation"
    assert str(target)[:40] in note.body
    assert "Propos injurieux" in note.body
    ct = ContentType.objects.get_for_model(target)
    assert note.url == f"/moderation/contester/{ct.pk}/{target.pk}/"
    sent = [m for m in mail.outbox if m.to == [author.email]]
    assert len(sent) == 1
    assert "Propos injurieux" in sent[0].body
    assert note.url in sent[0].body


def test_the_author_preferences_are_followed(paris):
    author = make_user()
    NotificationPreference.objects.create(user=author, kind="core.moderation", in_site=False, by_email=False)
    moderation.content_hide(moderator=make_moderator(), target=_idea(author), reason="Hors sujet")
    assert not Notification.objects.filter(recipient=author).exists()
    assert mail.outbox == []


def test_contest_then_restore_through_the_pages(client):
    author = make_user()
    comment = _idea_comment(author)
    moderator = make_moderator()
    moderation.content_hide(moderator=moderator, target=comment, reason="Propos injurieux")
    url = Notification.objects.get(recipient=author).url
    client.force_login(author)
    page = client.get(url).content.decode()
    assert "Propos injurieux" in page
    response = client.post(url, {"comment": ""})
    assert "Ce champ est obligatoire." in response.content.decode()
    assert not Flag.objects.exists()
    response = client.post(url, {"comment": "Je critiquais une décision, pas une personne."})
    assert response.status_code == 302
    appeal = Flag.objects.get()
    assert (appeal.reason, appeal.reporter, appeal.resolved_at) == ("appeal", author, None)
    client.force_login(moderator)
    queue = client.get("/moderation/").content.decode()
    assert "Contestation du masquage par son auteur·rice" in queue
    assert "Je critiquais une décision" in queue
    ct = ContentType.objects.get_for_model(comment)
    client.post(f"/moderation/{ct.pk}/{comment.pk}/", {"decision": "unhide"})
    comment.refresh_from_db()
    assert not comment.is_hidden
    appeal.refresh_from_db()
    assert appeal.decision == "restored"


def test_contest_bad_inputs_change_nothing():
    author = make_user()
    comment = _idea_comment(author)
    with pytest.raises(ValidationError, match="n'est pas masquée"):
        moderation.content_contest(author=author, target=comment, comment="Pourquoi ?")
    moderation.content_hide(moderator=make_moderator(), target=comment, reason="Spam")
    with pytest.raises(PermissionDenied, match="auteur"):
        moderation.content_contest(author=make_user(), target=comment, comment="Pourquoi ?")
    with pytest.raises(ValidationError, match="Expliquez"):
        moderation.content_contest(author=author, target=comment, comment="  ")
    assert not Flag.objects.exists()
    moderation.content_contest(author=author, target=comment, comment="Pourquoi ?")
    with pytest.raises(ValidationError, match="déjà contesté"):
        moderation.content_contest(author=author, target=comment, comment="Encore ?")
    assert Flag.objects.count() == 1


def test_residents_cannot_flag_with_the_appeal_reason(client):
    comment = _idea_comment(make_user())
    with pytest.raises(ValidationError, match="inconnu"):
        moderation.flag_create(reporter=make_user(), target=comment, reason="appeal")
