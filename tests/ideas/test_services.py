import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parvis.core.models import Notification, Role
from parvis.ideas import services
from parvis.ideas.models import (
    Answer,
    AnswerStatus,
    AuthorKind,
    Comment,
    Follow,
    Idea,
    IdeaRevision,
    ScopeKind,
    Status,
    Support,
)
from tests.factories import make_moderator, make_territory, make_user, square

from .factories import make_comment, make_consultation, make_idea

pytestmark = pytest.mark.django_db

BODY = "Installer des arceaux à vélos devant l'école primaire de la rue."


def _create(user=None, consultation=None, **kw):
    kw.setdefault("title", "Des arceaux à vélos")
    kw.setdefault("body", BODY)
    return services.idea_create(
        author=user or make_user(), consultation=consultation or make_consultation(), **kw
    )


def _jpeg():
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


# --- ideas -----------------------------------------------------------------------------------


def test_create_publishes_follows_and_indexes():
    user = make_user()
    idea = _create(user, tags=["Vélo", "école", "vélo"], theme="mobility")
    assert idea.status == Status.PUBLISHED
    assert idea.published_at
    assert sorted(t.name for t in idea.tags.all()) == ["Vélo", "école"]
    assert Follow.objects.filter(idea=idea, user=user).exists()
    assert "velo" in idea.search_text.split()
    assert "ecole" in idea.search_text.split()


def test_body_is_sanitised():
    idea = _create(
        body='<p onclick="x()">Bonjour <script>alert(1)</script><strong>assez long texte ici</strong></p>'
    )
    assert "<script" not in idea.body
    assert "onclick" not in idea.body
    assert "<strong>" in idea.body


def test_point_locates_district(paris):
    idea = _create(lat=48.8566, lon=2.3522)
    assert idea.district is not None
    assert idea.territory is not None


def test_photo_and_pdf_attachment():
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%...", content_type="application/pdf")
    idea = _create(photos=[_jpeg()], attachments=[pdf])
    assert idea.photos.count() == 1
    assert idea.attachments.get().name == "plan.pdf"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"title": "abc"}, "title", "au moins 5"),
        ({"title": "x" * 141}, "title", "140"),
        ({"body": "trop court"}, "body", "au moins 20"),
        ({"body": "<script>" + "x" * 50 + "</script>"}, "body", "au moins 20"),
        ({"theme": "nope"}, "theme", "thème"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags", "5 mots-clés"),
        ({"tags": ["x" * 41]}, "tags", "40"),
        ({"lat": 48.85}, "lat", "latitude et la longitude"),
        ({"lat": 95, "lon": 2.3}, "lat", ""),
        ({"author_kind": "group"}, "group_name", "collectif"),
        ({"author_kind": "robot"}, "author_kind", "qui dépose"),
        ({"attachments": [SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")]}, "attachments", "PDF"),
        ({"photos": [SimpleUploadedFile("x.jpg", b"not an image")]}, "photos", "image"),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(kwargs, field, message):
    consultation = make_consultation()
    with pytest.raises(ValidationError) as exc:
        _create(consultation=consultation, **kwargs)
    assert field in exc.value.message_dict
    assert message in " ".join(exc.value.message_dict[field])
    assert Idea.objects.count() == 0


def test_point_outside_scope_and_map_disabled(paris):
    zone = make_territory(code="ZONE", geometry=square(2.30, 48.85, 0.01))
    local = make_consultation(scope_kind=ScopeKind.TERRITORIES, territories=[zone])
    with pytest.raises(ValidationError, match="hors du périmètre"):
        _create(consultation=local, lat=48.89, lon=2.38)
    no_map = make_consultation(map_enabled=False)
    with pytest.raises(ValidationError, match="carte"):
        _create(consultation=no_map, lat=48.855, lon=2.305)
    assert Idea.objects.count() == 0


def test_perimeter_scope():
    c = make_consultation(scope_kind=ScopeKind.PERIMETER, perimeter=square(2.30, 48.85, 0.01))
    assert _create(consultation=c, lat=48.855, lon=2.305).lat == 48.855
    with pytest.raises(ValidationError, match="hors du périmètre"):
        _create(consultation=c, lat=48.87, lon=2.305)


def test_unconfirmed_email_cannot_contribute():
    with pytest.raises(PermissionDenied, match="Confirmez votre adresse e-mail"):
        _create(make_user(confirmed=False))
    assert Idea.objects.count() == 0


def test_no_ideas_after_the_ideas_phase():
    with pytest.raises(PermissionDenied, match="dépôt des idées est terminé"):
        _create(consultation=make_consultation(phase="discussion"))


def test_group_and_assisted_authorship():
    group = _create(author_kind=AuthorKind.GROUP, group_name="Association Vélo 11")
    assert group.byline == "Association Vélo 11"
    mediator = make_user(role=Role.MEDIATOR)
    with pytest.raises(ValidationError, match="accord"):
        _create(mediator, author_kind=AuthorKind.ASSISTED, assisted_for="Fatou")
    assisted = _create(mediator, author_kind=AuthorKind.ASSISTED, assisted_for="Fatou", assisted_consent=True)
    assert assisted.assisted_consent_at is not None
    assert "Fatou" in assisted.byline
    with pytest.raises(PermissionDenied, match="médiateur"):
        _create(make_user(), author_kind=AuthorKind.ASSISTED, assisted_for="X", assisted_consent=True)


def test_edit_keeps_history_and_is_author_only():
    author = make_user()
    idea = _create(author)
    services.idea_update(
        editor=author, idea=idea, title="Des arceaux à vélos partout", body=BODY + " Et ailleurs."
    )
    revision = IdeaRevision.objects.get(idea=idea)
    assert revision.title == "Des arceaux à vélos"
    with pytest.raises(PermissionDenied, match="Seule la personne"):
        services.idea_update(editor=make_user(), idea=idea, title="Piraté par un autre", body=BODY)
    idea.refresh_from_db()
    assert idea.title == "Des arceaux à vélos partout"


def test_edit_closed_after_discussion():
    author = make_user()
    idea = make_idea(consultation=make_consultation(phase="closed"), author=author)
    with pytest.raises(PermissionDenied, match="plus être modifiées"):
        services.idea_update(editor=author, idea=idea, title="Nouveau titre ici", body=BODY)


def test_premoderation_then_approve_or_reject():
    c = make_consultation(premoderation=True)
    author = make_user()
    idea = _create(author, c)
    assert idea.status == Status.PENDING
    assert idea.published_at is None
    moderator = make_moderator()
    with pytest.raises(PermissionDenied):
        services.contribution_approve(moderator=make_user(), target=idea)
    services.contribution_approve(moderator=moderator, target=idea)
    idea.refresh_from_db()
    assert idea.status == Status.PUBLISHED
    assert idea.published_at
    assert Notification.objects.filter(recipient=author, kind="ideas.moderation").exists()
    other = _create(author, c, title="Une autre idée encore")
    with pytest.raises(ValidationError, match="motif"):
        services.contribution_reject(moderator=moderator, target=other, reason=" ")
    services.contribution_reject(moderator=moderator, target=other, reason="Hors sujet")
    other.refresh_from_db()
    assert other.status == Status.REJECTED
    with pytest.raises(ValidationError, match="déjà été traitée"):
        services.contribution_approve(moderator=moderator, target=other)


# --- comments --------------------------------------------------------------------------------


def test_comment_reply_one_level_and_notifications(django_capture_on_commit_callbacks):
    author = make_user()
    idea = _create(author)
    commenter, replier = make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        root = services.comment_create(author=commenter, idea=idea, body="Bonne idée !")
        reply = services.comment_create(author=replier, idea=idea, body="D'accord avec vous.", parent=root)
    with pytest.raises(ValidationError, match="pas à une réponse"):
        services.comment_create(author=commenter, idea=idea, body="Et encore", parent=reply)
    idea.refresh_from_db()
    assert idea.comment_count == 2
    assert Notification.objects.filter(recipient=author, kind="ideas.comment").count() == 2
    assert Notification.objects.filter(recipient=commenter, kind="ideas.comment").count() == 1  # the reply
    assert len(mail.outbox) == 3


def test_comment_bad_input_changes_nothing():
    idea = _create()
    with pytest.raises(ValidationError, match="Écrivez"):
        services.comment_create(author=make_user(), idea=idea, body="  ")
    with pytest.raises(ValidationError, match="3000|3 000"):
        services.comment_create(author=make_user(), idea=idea, body="x" * 3001)
    other = make_comment(idea=make_idea())
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.comment_create(author=make_user(), idea=idea, body="Réponse", parent=other)
    assert Comment.objects.filter(idea=idea).count() == 0


def test_deleted_comment_leaves_placeholder_and_replies():
    idea = _create()
    me = make_user()
    root = services.comment_create(author=me, idea=idea, body="Premier avis")
    services.comment_create(author=make_user(), idea=idea, body="Réponse", parent=root)
    with pytest.raises(PermissionDenied):
        services.comment_delete(author=make_user(), comment=root)
    services.comment_delete(author=me, comment=root)
    root.refresh_from_db()
    idea.refresh_from_db()
    assert root.deleted_at
    assert root.body == ""
    assert root.replies.count() == 1
    assert idea.comment_count == 1
    with pytest.raises(ValidationError, match="déjà supprimé"):
        services.comment_delete(author=me, comment=root)


def test_comment_edit_by_author_only():
    idea = _create()
    me = make_user()
    c = services.comment_create(author=me, idea=idea, body="Premier avis")
    services.comment_update(author=me, comment=c, body="Avis corrigé")
    c.refresh_from_db()
    assert c.body == "Avis corrigé"
    assert c.edited_at
    with pytest.raises(PermissionDenied):
        services.comment_update(author=make_user(), comment=c, body="Vandalisme")


def test_premoderated_comment_counts_once_approved():
    idea = make_idea(consultation=make_consultation(premoderation=True))
    c = services.comment_create(author=make_user(), idea=idea, body="En attente")
    idea.refresh_from_db()
    assert c.status == Status.PENDING
    assert idea.comment_count == 0
    services.contribution_approve(moderator=make_moderator(), target=c)
    idea.refresh_from_db()
    assert idea.comment_count == 1


# --- supports, following, threshold ----------------------------------------------------------


def test_support_once_and_withdraw():
    idea = _create()
    me = make_user()
    services.support_add(user=me, idea=idea)
    with pytest.raises(ValidationError, match="déjà"):
        services.support_add(user=me, idea=idea)
    idea.refresh_from_db()
    assert idea.support_count == 1
    assert Support.objects.count() == 1
    services.support_withdraw(user=me, idea=idea)
    idea.refresh_from_db()
    assert idea.support_count == 0
    with pytest.raises(ValidationError, match="ne soutenez pas"):
        services.support_withdraw(user=me, idea=idea)


def test_support_closed_phase_and_pending_idea():
    closed = make_idea(consultation=make_consultation(phase="closed"))
    with pytest.raises(PermissionDenied, match="terminée"):
        services.support_add(user=make_user(), idea=closed)
    pending = make_idea(status=Status.PENDING)
    with pytest.raises(ValidationError, match="pas publiée"):
        services.support_add(user=make_user(), idea=pending)
    assert Support.objects.count() == 0


def test_threshold_reached_notifies_once():
    c = make_consultation(support_threshold=2, support_window_days=30)
    author = make_user()
    idea = _create(author, c)
    assert idea.threshold_deadline
    assert idea.threshold_deadline > timezone.now() + timedelta(days=29)
    agent = make_user(role=Role.AGENT)
    services.support_add(user=make_user(), idea=idea)
    idea.refresh_from_db()
    assert idea.threshold_reached_at is None
    services.support_add(user=make_user(), idea=idea)
    services.support_add(user=make_user(), idea=idea)
    idea.refresh_from_db()
    assert idea.threshold_reached_at is not None
    assert Notification.objects.filter(kind="ideas.threshold", recipient=author).count() == 1
    assert Notification.objects.filter(kind="ideas.threshold", recipient=agent).count() == 1


def test_threshold_deadline_passed():
    c = make_consultation(support_threshold=1, support_window_days=10)
    idea = make_idea(consultation=c, threshold_deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PermissionDenied, match="délai"):
        services.support_add(user=make_user(), idea=idea)
    idea.refresh_from_db()
    assert idea.threshold_reached_at is None
    assert idea.support_count == 0


def test_follow_and_unfollow():
    idea = _create()
    me = make_user()
    services.follow(user=me, idea=idea)
    services.follow(user=me, idea=idea)
    assert Follow.objects.filter(user=me).count() == 1
    services.unfollow(user=me, idea=idea)
    assert not Follow.objects.filter(user=me).exists()


# --- answers and the budget ------------------------------------------------------------------


def test_answer_notifies_author_and_followers():
    author, follower = make_user(), make_user()
    idea = _create(author)
    services.follow(user=follower, idea=idea)
    agent = make_user(role=Role.AGENT)
    services.answer_publish(
        agent=agent,
        idea=idea,
        status=AnswerStatus.ACCEPTED,
        text="<p>Les arceaux seront posés en mai.</p><script>x</script>",
    )
    answer = Answer.objects.get(idea=idea)
    assert "<script" not in answer.text
    assert Notification.objects.filter(kind="ideas.answer", recipient__in=[author, follower]).count() == 2
    services.answer_publish(
        agent=agent, idea=idea, status=AnswerStatus.PARTLY, text="Seulement devant l'école."
    )
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.PARTLY
    assert answer.updated_at


@pytest.mark.parametrize(
    ("status", "text", "message"),
    [("maybe", "Une réponse assez longue", "décision"), (AnswerStatus.REFUSED, "  ", "Rédigez")],
)
def test_answer_bad_input(status, text, message):
    idea = _create()
    with pytest.raises(ValidationError, match=message):
        services.answer_publish(agent=make_user(role=Role.AGENT), idea=idea, status=status, text=text)
    assert not Answer.objects.exists()


def test_only_agents_answer():
    with pytest.raises(PermissionDenied, match="agents"):
        services.answer_publish(
            agent=make_user(), idea=_create(), status=AnswerStatus.REFUSED, text="Non merci, pas ici."
        )


class _BudgetIdea:
    def get_absolute_url(self):
        return "/budget/idees/42/"


def test_forward_to_budget_links_both_ways(monkeypatch):
    """Uses unittest.mock through monkeypatch when the budget service is absent or not ready."""
    from unittest import mock

    import parvis.budget as budget_pkg

    calls = []

    def fake(**kw):
        calls.append(kw)
        return _BudgetIdea()

    fake_module = mock.Mock(proposal_create_from_idea=fake)
    monkeypatch.setitem(__import__("sys").modules, "parvis.budget.services", fake_module)
    monkeypatch.setattr(budget_pkg, "services", fake_module, raising=False)
    idea = _create(lat=None)
    services.answer_publish(
        agent=make_user(role=Role.AGENT),
        idea=idea,
        status=AnswerStatus.BUDGET,
        text="Transmise au budget participatif 2027.",
    )
    idea.refresh_from_db()
    assert idea.budget_url == "/budget/idees/42/"
    assert calls[0]["title"] == idea.title
    assert calls[0]["source_url"].endswith(idea.get_absolute_url())


def test_forward_without_campaign_changes_nothing(monkeypatch):
    from unittest import mock

    def fake(**kw):
        raise ValidationError("Aucune campagne ne recueille d'idées en ce moment.")

    monkeypatch.setitem(
        __import__("sys").modules, "parvis.budget.services", mock.Mock(proposal_create_from_idea=fake)
    )
    idea = _create()
    with pytest.raises(ValidationError, match="Aucune campagne"):
        services.answer_publish(
            agent=make_user(role=Role.AGENT),
            idea=idea,
            status=AnswerStatus.BUDGET,
            text="Transmise au budget participatif.",
        )
    idea.refresh_from_db()
    assert idea.budget_url == ""
    assert not Answer.objects.exists()


def test_forward_to_the_real_budget_module():
    """The real ``proposal_create_from_idea`` of the budget module, with its own campaign factory."""
    budget_factories = pytest.importorskip("tests.budget.factories")
    idea = _create()
    agent = make_user(role=Role.AGENT)
    with pytest.raises(ValidationError, match="campagne"):
        services.answer_publish(
            agent=agent, idea=idea, status=AnswerStatus.BUDGET, text="Transmise au budget."
        )
    idea.refresh_from_db()
    assert idea.budget_url == ""
    assert not Answer.objects.exists()
    budget_factories.make_envelope(budget_factories.make_campaign(open_phase="ideas"))  # a city-wide envelope
    services.answer_publish(agent=agent, idea=idea, status=AnswerStatus.BUDGET, text="Transmise au budget.")
    idea.refresh_from_db()
    assert idea.budget_url.startswith("/budget/")
    from django.test import Client

    assert Client().get(idea.budget_url).status_code == 200
