"""Factories for the ideas tests: small functions with sensible defaults, every field overridable."""

import itertools
from datetime import timedelta

from django.utils import timezone

from parvis.ideas import rules
from parvis.ideas.models import Comment, Consultation, Idea, Statement, Status, Support
from tests.factories import make_user

_seq = itertools.count(1)

PHASE_OFFSETS = {
    # (starts_at, ideas_end_at, discussion_end_at, answer_at) relative to now, in days
    "upcoming": (5, 10, 20, 30),
    "ideas": (-5, 10, 20, 30),
    "discussion": (-10, -5, 20, 30),
    "closed": (-20, -10, -5, 30),
    "answer": (-30, -20, -10, -5),
}


def make_consultation(*, phase="ideas", permanent=False, **extra) -> Consultation:
    n = next(_seq)
    now = timezone.now()
    if permanent:
        dates = {"starts_at": now - timedelta(days=1)}
    else:
        a, b, c, d = PHASE_OFFSETS[phase]
        dates = {
            "starts_at": now + timedelta(days=a),
            "ideas_end_at": now + timedelta(days=b),
            "discussion_end_at": now + timedelta(days=c),
            "answer_at": now + timedelta(days=d),
        }
    dates.update({k: extra.pop(k) for k in list(extra) if k in dates})
    territories = extra.pop("territories", None)
    c = Consultation.objects.create(
        title=extra.pop("title", f"Consultation {n}"),
        slug=extra.pop("slug", f"consultation-{n}"),
        question=extra.pop("question", "Quelles idées pour la ville ?"),
        is_permanent=permanent,
        **dates,
        **extra,
    )
    if territories:
        c.territories.set(territories)
    return c


def make_idea(
    *,
    consultation=None,
    author=None,
    title=None,
    body="Une description assez longue de l'idée.",
    status=Status.PUBLISHED,
    **extra,
) -> Idea:
    n = next(_seq)
    consultation = consultation or make_consultation()
    author = author or make_user()
    title = title or f"Idée numéro {n}"
    now = extra.pop("created_at", timezone.now())
    tags = extra.pop("tags", [])
    idea = Idea.objects.create(
        consultation=consultation,
        author=author,
        title=title,
        body=body,
        status=status,
        created_at=now,
        published_at=now if status == Status.PUBLISHED else None,
        search_text=rules.search_normalise(f"{title} {body} {' '.join(t.name for t in tags)}"),
        **extra,
    )
    if tags:
        idea.tags.set(tags)
    return idea


def make_comment(*, idea, author=None, body="Un commentaire.", parent=None, **extra) -> Comment:
    comment = Comment.objects.create(
        idea=idea, author=author or make_user(), body=body, parent=parent, **extra
    )
    if comment.status == Status.PUBLISHED:
        Idea.objects.filter(pk=idea.pk).update(comment_count=idea.comment_count + 1)
        idea.comment_count += 1
    return comment


def make_support(*, idea, user=None) -> Support:
    support = Support.objects.create(idea=idea, user=user or make_user())
    Idea.objects.filter(pk=idea.pk).update(support_count=Support.objects.filter(idea=idea).count())
    return support


def make_statement(*, consultation, text=None, **extra) -> Statement:
    return Statement.objects.create(
        consultation=consultation, text=text or f"Affirmation {next(_seq)}", **extra
    )
