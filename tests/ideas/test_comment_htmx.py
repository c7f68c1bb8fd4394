"""Posting a comment with htmx: inserted in place, form reset, errors in place; plain post still works."""

import pytest
from django.urls import reverse

from parvis.ideas.models import Comment, Idea
from tests.factories import make_user

from .factories import make_comment, make_consultation, make_idea

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def idea():
    return make_idea(consultation=make_consultation(), title="Des bancs place de la République")


def _post(client, idea, data, **headers):
    return client.post(reverse("ideas:comment_create", args=[idea.pk]), data, **headers)


def test_htmx_comment_comes_back_in_place(client, idea):
    make_comment(idea=idea, body="Premier commentaire.")
    client.force_login(make_user())
    response = _post(client, idea, {"body": "Avec de l'ombre, si possible."}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    comment = Comment.objects.get(body="Avec de l'ombre, si possible.")
    # The form comes back empty, with a status message for screen readers...
    assert 'id="comment-form"' in html
    assert "Commentaire publié." in html
    assert "Avec de l&#x27;ombre" in html.split('hx-swap-oob="beforeend:#comment-list"')[1]
    form_part = html.split('hx-swap-oob="beforeend:#comment-list"')[0]
    assert "ombre" not in form_part
    # ...the new comment is appended to the list and the count heading is updated out of band.
    assert f'id="commentaire-{comment.pk}"' in html
    assert 'id="comments-h" hx-swap-oob="true">2 commentaires' in html
    assert Idea.objects.get(pk=idea.pk).comment_count == 2


def test_htmx_errors_are_shown_in_place_and_nothing_changes(client, idea):
    client.force_login(make_user())
    response = _post(client, idea, {"body": "x"}, **HX)
    assert response.status_code == 200  # htmx swaps 2xx only: the form with its error
    html = response.content.decode()
    assert "Écrivez votre commentaire." in html
    assert 'id="comment-form"' in html
    assert "<html" not in html
    assert "hx-swap-oob" not in html
    assert not Comment.objects.exists()
    assert Idea.objects.get(pk=idea.pk).comment_count == 0


def test_htmx_refusal_after_the_discussion_is_shown_in_place(client):
    idea = make_idea(consultation=make_consultation(phase="closed"))
    client.force_login(make_user())
    response = _post(client, idea, {"body": "Trop tard ?"}, **HX)
    assert response.status_code == 200
    assert "La discussion est terminée." in response.content.decode()
    assert not Comment.objects.exists()


def test_htmx_comment_awaiting_moderation_is_not_inserted(client):
    idea = make_idea(consultation=make_consultation(premoderation=True))
    client.force_login(make_user())
    response = _post(client, idea, {"body": "À relire d'abord."}, **HX)
    html = response.content.decode()
    assert "sera publié après relecture" in html
    assert "hx-swap-oob" not in html
    assert Comment.objects.get().status == "pending"


def test_without_javascript_the_form_post_still_redirects_or_shows_the_page(client, idea):
    client.force_login(make_user())
    response = _post(client, idea, {"body": "Sans JavaScript."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#commentaire-{comment.pk}")
    response = _post(client, idea, {"body": "x"})
    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert "Écrivez votre commentaire." in response.content.decode()
    assert Comment.objects.count() == 1


def test_idea_page_form_carries_htmx_and_a_plain_action(client, idea):
    client.force_login(make_user())
    html = client.get(idea.get_absolute_url()).content.decode()
    url = reverse("ideas:comment_create", args=[idea.pk])
    assert f'action="{url}" hx-post="{url}"' in html
    assert 'id="comment-list"' in html
