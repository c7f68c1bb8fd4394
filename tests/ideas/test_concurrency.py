"""Supports under concurrent requests: one per person, and an exact count (PostgreSQL, threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from parvis.ideas import services
from parvis.ideas.models import Idea, Support
from tests.factories import make_user

from .factories import make_consultation, make_idea

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
    ),
]


def _hammer(n, target):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            target(i)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_same_person_supporting_from_eight_tabs_counts_once():
    idea = make_idea(consultation=make_consultation())
    me = make_user()
    outcomes = _hammer(8, lambda i: services.support_add(user=me, idea=idea))
    assert outcomes.count("ok") == 1
    assert outcomes.count("refused") == 7
    idea.refresh_from_db()
    assert Support.objects.filter(idea=idea).count() == 1
    assert idea.support_count == 1


def test_many_people_supporting_at_once_keep_an_exact_count():
    idea = make_idea(
        consultation=make_consultation(support_threshold=5, support_window_days=30), threshold_deadline=None
    )
    Idea.objects.filter(pk=idea.pk).update(threshold_deadline=None)
    people = [make_user() for _ in range(10)]
    outcomes = _hammer(10, lambda i: services.support_add(user=people[i], idea=idea))
    assert outcomes == ["ok"] * 10
    idea.refresh_from_db()
    assert idea.support_count == 10 == Support.objects.filter(idea=idea).count()
    assert idea.threshold_reached_at is not None


def test_support_and_withdraw_race_keeps_count_consistent():
    idea = make_idea(consultation=make_consultation())
    people = [make_user() for _ in range(6)]
    for p in people[:3]:
        services.support_add(user=p, idea=idea)

    def act(i):
        if i < 3:
            services.support_withdraw(user=people[i], idea=idea)
        else:
            services.support_add(user=people[i], idea=idea)

    _hammer(6, act)
    idea.refresh_from_db()
    assert idea.support_count == Support.objects.filter(idea=idea).count() == 3


def test_hiding_comments_while_others_comment_keeps_an_exact_comment_count():
    """The moderation hook recounts under the idea row lock: no comment slips between count and write."""
    from parvis.core import moderation
    from parvis.ideas.models import Comment
    from tests.factories import make_moderator

    from .factories import make_comment

    idea = make_idea(consultation=make_consultation())
    to_hide = [make_comment(idea=idea) for _ in range(4)]
    moderator = make_moderator()
    people = [make_user() for _ in range(4)]

    def act(i):
        if i % 2:
            moderation.content_hide(moderator=moderator, target=to_hide[i // 2], reason="Hors sujet")
        else:
            services.comment_create(author=people[i // 2], idea=idea, body=f"Commentaire simultané {i}")

    assert _hammer(8, act).count("ok") == 8
    idea.refresh_from_db()
    assert Comment.objects.filter(idea=idea, hidden_at__isnull=True).count() == 4
    assert idea.comment_count == 4
