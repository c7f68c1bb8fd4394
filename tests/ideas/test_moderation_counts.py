"""Hiding from the core moderation queue keeps the ideas' stored counters right (hook, not signals)."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from parvis.core import moderation
from parvis.ideas import services
from parvis.ideas.models import Comment, Idea
from tests.factories import make_moderator, make_user

from .factories import make_comment, make_consultation, make_idea

pytestmark = pytest.mark.django_db


def _hide_through_queue(client, moderator, target, reason="Propos injurieux"):
    client.force_login(moderator)
    ct = ContentType.objects.get_for_model(target)
    return client.post(
        reverse("core:moderation_decide", args=[ct.pk, target.pk]), {"decision": "hide", "reason": reason}
    )


def _comment_label(html, n):
    return f"{n} commentaire" in html


def test_hiding_a_comment_in_the_queue_lowers_the_counts_shown(client):
    consultation = make_consultation(title="Paris plus vert", slug="paris-plus-vert")
    idea = make_idea(consultation=consultation, title="Des arbres rue de Rivoli")
    kept = make_comment(idea=idea, body="Très bonne idée.")
    bad = make_comment(idea=idea, body="Message injurieux.")
    make_comment(idea=idea, parent=kept, body="Je suis d'accord.")
    consultation_url = reverse("ideas:consultation", args=[consultation.slug])
    idea_url = reverse("ideas:idea", args=[idea.pk])
    assert "3 commentaires" in client.get(consultation_url).content.decode()

    response = _hide_through_queue(client, make_moderator(), bad)
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.is_hidden
    client.logout()
    assert "2 commentaires" in client.get(consultation_url).content.decode()
    assert "2 commentaires" in client.get(idea_url).content.decode()
    assert Idea.objects.get(pk=idea.pk).comment_count == 2


def test_refused_hide_in_the_queue_changes_no_count(client):
    idea = make_idea()
    bad = make_comment(idea=idea)
    make_comment(idea=idea)
    response = _hide_through_queue(client, make_moderator(), bad, reason="   ")
    assert response.status_code == 302
    bad.refresh_from_db()
    assert not bad.is_hidden
    assert Idea.objects.get(pk=idea.pk).comment_count == 2


def test_residents_cannot_hide_and_counts_stay(client):
    idea = make_idea()
    bad = make_comment(idea=idea)
    response = _hide_through_queue(client, make_user(), bad)
    assert response.status_code == 403
    assert Idea.objects.get(pk=idea.pk).comment_count == 1


def test_unhide_hide_twice_and_delete_keep_the_count_right():
    moderator = make_moderator()
    idea = make_idea()
    a = make_comment(idea=idea)
    b = make_comment(idea=idea)
    moderation.content_hide(moderator=moderator, target=a, reason="Spam")
    moderation.content_hide(moderator=moderator, target=a, reason="Spam, encore")
    assert Idea.objects.get(pk=idea.pk).comment_count == 1
    moderation.content_unhide(moderator=moderator, target=a)
    assert Idea.objects.get(pk=idea.pk).comment_count == 2
    # The author deletes a comment a moderator had hidden: it is not taken off the count twice.
    moderation.content_hide(moderator=moderator, target=b, reason="Spam")
    services.comment_delete(author=b.author, comment=Comment.objects.get(pk=b.pk))
    assert Idea.objects.get(pk=idea.pk).comment_count == 1
    moderation.content_unhide(moderator=moderator, target=Comment.objects.get(pk=b.pk))
    assert Idea.objects.get(pk=idea.pk).comment_count == 1


def test_hiding_an_idea_lowers_the_consultation_idea_counts(client):
    consultation = make_consultation(title="Quartier des Halles", slug="quartier-des-halles")
    ideas = [make_idea(consultation=consultation) for _ in range(3)]
    make_comment(idea=ideas[0])
    url = reverse("ideas:consultation", args=[consultation.slug])
    assert "3 idées" in client.get(url).content.decode()
    _hide_through_queue(client, make_moderator(), ideas[0])
    client.logout()
    assert "2 idées" in client.get(url).content.decode()
    assert "2 idées" in client.get(reverse("ideas:index")).content.decode()
    # The hidden idea keeps its own comment count (its comments are still there if it comes back).
    assert Idea.objects.get(pk=ideas[0].pk).comment_count == 1
