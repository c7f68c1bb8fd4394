"""Read-only queries for pages, exports and the API (query counts are tested: no N+1 here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Expression,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL

from parvis.core.models import Territory, TerritoryLevel
from parvis.core.territories import in_code_order

from . import permissions, rules
from .models import (
    AnswerStatus,
    Comment,
    Consultation,
    Follow,
    Idea,
    Phase,
    Statement,
    StatementVote,
    Status,
    Support,
    Theme,
)


class Sort:
    RANDOM = "hasard"
    SUPPORTED = "soutiens"
    COMMENTED = "commentaires"
    NEWEST = "recentes"
    ALL = (RANDOM, SUPPORTED, COMMENTED, NEWEST)


#: Status filters: the city's decisions, plus "no answer yet" and "threshold reached".
STATUS_FILTERS = ("sans-reponse", "seuil-atteint", *AnswerStatus.values)


@dataclass
class IdeaFilters:
    sort: str = Sort.RANDOM
    theme: str = ""
    district: str = ""
    status: str = ""
    tag: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, params) -> IdeaFilters:
        """Unknown values are ignored (a hand-edited URL shows the whole list, not an error page)."""
        sort = params.get("tri", "")
        theme = params.get("theme", "")
        status = params.get("statut", "")
        return cls(
            sort=sort if sort in Sort.ALL else Sort.RANDOM,
            theme=theme if theme in Theme.values else "",
            district=(params.get("arrondissement", "") or "")[:64],
            status=status if status in STATUS_FILTERS else "",
            tag=(params.get("mot", "") or "")[:50],
            q=(params.get("q", "") or "").strip()[:200],
        )


def consultations_overview() -> QuerySet[Consultation]:
    return Consultation.objects.annotate(
        idea_total=Count("ideas", filter=Q(ideas__status=Status.PUBLISHED, ideas__hidden_at__isnull=True)),
    ).order_by("-is_permanent", "-starts_at")


def public_ideas(consultation: Consultation | None = None) -> QuerySet[Idea]:
    qs = Idea.objects.filter(status=Status.PUBLISHED, hidden_at__isnull=True)
    if consultation is not None:
        qs = qs.filter(consultation=consultation)
    return qs


class FrenchMatch(Expression):
    """``<table>.search_vector @@ plainto_tsquery('french', terms)`` on PostgreSQL.

    ``search_vector`` is the stored generated column of migration 0003 (not a model field). The column is
    reached through ``search_text``'s alias, so the condition stays right when Django relabels the table
    inside a subquery (``IdeaWindow``), and the planner sees the condition directly (exact estimates, GIN).
    """

    output_field = BooleanField()

    def __init__(self, terms: str):
        super().__init__()
        self.terms = terms
        self.column = F("search_text")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        vector = sql[: -len('"search_text"')] + '"search_vector"'
        return f"{vector} @@ plainto_tsquery('french'::regconfig, %s)", [*params, self.terms]


def search(qs: QuerySet[Idea], q: str) -> QuerySet[Idea]:
    """French full-text search: PostgreSQL's French configuration, or SQLite FTS5 (see decision 0601)."""
    terms = rules.search_normalise(q)
    if not terms:
        return qs
    if connection.vendor == "postgresql":
        return qs.filter(FrenchMatch(terms))
    if connection.vendor == "sqlite":
        match = rules.fts5_query(q)
        return qs.filter(
            id__in=RawSQL("SELECT rowid FROM ideas_idea_fts WHERE ideas_idea_fts MATCH %s", [match])
        )
    for term in terms.split():
        qs = qs.filter(search_text__contains=term)
    return qs


def _ordered(qs: QuerySet[Idea], sort: str, seed: int) -> QuerySet[Idea]:
    if sort == Sort.SUPPORTED:
        return qs.order_by("-support_count", "-created_at", "-id")
    if sort == Sort.COMMENTED:
        return qs.order_by("-comment_count", "-created_at", "-id")
    if sort == Sort.NEWEST:
        return qs.order_by("-created_at", "-id")
    return qs.annotate(shuffle=shuffle_expression(seed)).order_by("shuffle", "id")


def shuffle_expression(seed: int):
    """``rules.shuffle_key`` as an ORM expression (valid in subqueries, on every database)."""
    a, b = rules.shuffle_multipliers(seed)
    p = Value(rules.SHUFFLE_MODULUS)
    pk = F("id")
    key = ((((pk * pk) % p) * Value(a)) % p + (pk * Value(b)) % p) % p
    return ExpressionWrapper(key, output_field=BigIntegerField())


class IdeaWindow:
    """A filtered, sorted list of ideas that a ``Paginator`` slices in one query per page.

    The page's ids are chosen by a narrow inner query (sorting ids, not whole rows with their
    text), and the outer query fetches those twenty rows with what the cards show; so the cost of
    a page does not grow with its depth (decision 0602).
    """

    def __init__(self, base: QuerySet[Idea], sort: str, seed: int):
        self.base, self.sort, self.seed = base, sort, seed

    def count(self) -> int:
        return self.base.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Idea]:
        ids = _ordered(self.base, self.sort, self.seed).values("pk")[window]
        outer = Idea.objects.filter(pk__in=ids).select_related(
            "author", *Idea.PLACE_RELATIONS, "answer", "consultation"
        )
        return list(_ordered(outer, self.sort, self.seed).prefetch_related("tags"))


def idea_list(consultation: Consultation, filters: IdeaFilters, *, seed: int) -> IdeaWindow:
    """The public ideas of a consultation, filtered and sorted, with what the cards show."""
    qs = public_ideas(consultation)
    if filters.theme:
        qs = qs.filter(theme=filters.theme)
    if filters.district:
        qs = qs.filter(district__code=filters.district)
    if filters.tag:
        qs = qs.filter(tags__slug=filters.tag)
    if filters.status == "sans-reponse":
        qs = qs.filter(answer__isnull=True)
    elif filters.status == "seuil-atteint":
        qs = qs.filter(threshold_reached_at__isnull=False)
    elif filters.status:
        qs = qs.filter(answer__status=filters.status)
    if filters.q:
        qs = search(qs, filters.q)
    return IdeaWindow(qs, filters.sort, seed)


def supported_ids(user, ideas) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Support.objects.filter(user=user, idea__in=[i.pk for i in ideas]).values_list("idea_id", flat=True)
    )


def district_choices() -> list[tuple[str, str]]:
    """Districts for the filter, cached (they change once in a term, not per request)."""

    def load():
        return in_code_order(
            Territory.objects.filter(level=TerritoryLevel.DISTRICT).values_list("code", "name"),
            code=lambda row: row[0],
        )

    return cache.get_or_set("ideas:district-choices", load, 300)


def idea_for_page(idea_id: int) -> Idea:
    return (
        Idea.objects.select_related(
            "consultation", "author", *Idea.PLACE_RELATIONS, "answer", "answer__author"
        )
        .prefetch_related("tags", "photos", "attachments")
        .get(pk=idea_id)
    )


def idea_state_for(user, idea: Idea) -> dict:
    if not user.is_authenticated:
        return {"supported": False, "following": False}
    return {
        "supported": Support.objects.filter(idea=idea, user=user).exists(),
        "following": Follow.objects.filter(idea=idea, user=user).exists(),
    }


@dataclass
class CommentNode:
    comment: Comment
    replies: list[Comment]


def comment_tree(idea: Idea, user) -> list[CommentNode]:
    """Comments and their replies in two levels; pending ones only for their author and moderators."""
    qs = Comment.objects.filter(idea=idea).select_related("author")
    if not permissions.sees_pending(user):
        visible = Q(status=Status.PUBLISHED)
        if user.is_authenticated:
            visible |= Q(author=user, status=Status.PENDING)
        qs = qs.filter(visible)
    roots, children = [], {}
    for c in qs:
        if c.parent_id is None:
            roots.append(c)
        else:
            children.setdefault(c.parent_id, []).append(c)
    return [CommentNode(c, children.get(c.pk, [])) for c in roots]


def pending_contributions():
    ideas = Idea.objects.filter(status=Status.PENDING).select_related("author", "consultation")
    comments = Comment.objects.filter(status=Status.PENDING).select_related("author", "idea")
    statements = Statement.objects.filter(status=Status.PENDING).select_related("author", "consultation")
    return {
        "ideas": list(ideas[:100]),
        "comments": list(comments[:100]),
        "statements": list(statements[:100]),
    }


def ideas_awaiting_answer() -> QuerySet[Idea]:
    """Ideas past the threshold the city has not answered yet (oldest first)."""
    return (
        public_ideas()
        .filter(threshold_reached_at__isnull=False, answer__isnull=True)
        .select_related("consultation")
        .order_by("threshold_reached_at")
    )


def is_followed(user, idea) -> bool:
    return user.is_authenticated and Follow.objects.filter(user=user, idea=idea).exists()


# ------------------------------------------------------------------------------------------------
# Results and open data
# ------------------------------------------------------------------------------------------------


def results(consultation: Consultation) -> dict:
    ideas = public_ideas(consultation)
    comments = Comment.objects.filter(
        idea__in=ideas, status=Status.PUBLISHED, hidden_at__isnull=True, deleted_at__isnull=True
    )
    themes = dict(Theme.choices)
    by_theme = [
        {
            "code": r["theme"],
            "label": themes.get(r["theme"], r["theme"]),
            "ideas": r["n"],
            "supports": r["s"] or 0,
        }
        for r in ideas.values("theme").annotate(n=Count("id"), s=Sum("support_count")).order_by("-n", "theme")
    ]
    by_district = list(
        ideas.values("district__code", "district__name")
        .annotate(n=Count("id"), supports=Sum("support_count"))
        .order_by("district__code")
    )
    total = ideas.count()
    in_priority = ideas.filter(priority_area__isnull=False).count()
    contributors = set(ideas.values_list("author_id", flat=True)) | set(
        comments.values_list("author_id", flat=True)
    )
    contributors.discard(None)
    priority_residents = _contributors_in_priority_areas(contributors)
    return {
        "total_ideas": total,
        "total_comments": comments.count(),
        "total_supports": Support.objects.filter(idea__in=ideas).count(),
        "contributors": len(contributors),
        "by_theme": by_theme,
        "by_district": by_district,
        "top": list(ideas.select_related("answer").order_by("-support_count", "-created_at")[:10]),
        "priority_ideas": in_priority,
        "priority_share": round(100 * in_priority / total, 1) if total else 0.0,
        "priority_contributors": priority_residents,
        "points": list(ideas.filter(lat__isnull=False).values("id", "title", "lat", "lon")[:2000]),
    }


def _contributors_in_priority_areas(user_ids: set[int]) -> int:
    """Contributors whose home (as they gave it in their account) lies in a priority area."""
    from parvis.core import territories
    from parvis.core.models import User

    homes = User.objects.filter(pk__in=user_ids, home_lat__isnull=False).values_list("home_lat", "home_lon")
    return sum(1 for lat, lon in homes if territories.locate(lat, lon).priority_area is not None)


EXPORT_FIELDS = [
    "id",
    "consultation",
    "title",
    "body",
    "theme",
    "tags",
    "district",
    "territory",
    "lat",
    "lon",
    "created_at",
    "support_count",
    "comment_count",
    "author_kind",
    "group_name",
    "answer_status",
    "answer_text",
    "answer_published_at",
    "budget_url",
]


def export_ideas(consultation: Consultation):
    """Public ideas without personal data (no author name or account; a group's name is public)."""
    from parvis.core.richtext import plain_text

    qs = (
        public_ideas(consultation)
        .select_related(*Idea.PLACE_RELATIONS, "answer")
        .prefetch_related("tags")
        .order_by("id")
    )
    for idea in qs.iterator(chunk_size=500):
        answer = getattr(idea, "answer", None)
        yield {
            "id": idea.pk,
            "consultation": consultation.slug,
            "title": idea.title,
            "body": plain_text(idea.body),
            "theme": idea.theme,
            "tags": "|".join(t.name for t in idea.tags.all()),
            "district": idea.district.code if idea.district else "",
            "territory": idea.territory.code if idea.territory else "",
            "lat": idea.lat,
            "lon": idea.lon,
            "created_at": idea.created_at.isoformat(),
            "support_count": idea.support_count,
            "comment_count": idea.comment_count,
            "author_kind": idea.author_kind,
            "group_name": idea.group_name,
            "answer_status": answer.status if answer else "",
            "answer_text": plain_text(answer.text) if answer else "",
            "answer_published_at": answer.published_at.isoformat() if answer else "",
            "budget_url": idea.budget_url,
        }


EXPORT_COMMENT_FIELDS = ["id", "idea_id", "parent_id", "body", "deleted", "created_at"]


def export_comments(consultation: Consultation):
    qs = Comment.objects.filter(
        idea__in=public_ideas(consultation), status=Status.PUBLISHED, hidden_at__isnull=True
    ).order_by("id")
    for c in qs.iterator(chunk_size=1000):
        yield {
            "id": c.pk,
            "idea_id": c.idea_id,
            "parent_id": c.parent_id or "",
            "body": "" if c.deleted_at else c.body,
            "deleted": bool(c.deleted_at),
            "created_at": c.created_at.isoformat(),
        }


# ------------------------------------------------------------------------------------------------
# Opinion map
# ------------------------------------------------------------------------------------------------


def public_statements(consultation: Consultation) -> QuerySet[Statement]:
    return consultation.statements.filter(status=Status.PUBLISHED, hidden_at__isnull=True)


def vote_matrix(consultation: Consultation) -> tuple[np.ndarray, list[int], list[int]]:
    """Participants × statements: 1 agree, -1 disagree, 0 pass, NaN not seen (read as one query).

    The rows go straight into numpy arrays (a million votes in about a second), not into model objects.
    """
    statement_ids = list(public_statements(consultation).order_by("id").values_list("id", flat=True))
    if not statement_ids:
        return np.zeros((0, 0)), [], []
    votes = StatementVote.objects.filter(statement_id__in=statement_ids).values_list(
        "user_id", "statement_id", "value"
    )
    sql, params = votes.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return np.zeros((0, len(statement_ids))), statement_ids, []
    data = np.asarray(rows, dtype=np.int64)
    users, rows_index = np.unique(data[:, 0], return_inverse=True)
    columns = np.searchsorted(np.asarray(statement_ids), data[:, 1])
    matrix = np.full((len(users), len(statement_ids)), np.nan)
    matrix[rows_index, columns] = data[:, 2]
    return matrix, statement_ids, users.tolist()


def next_statement(consultation: Consultation, user) -> Statement | None:
    """A statement this person has not voted on yet, least voted first (so every one gets votes)."""
    qs = public_statements(consultation)
    if user.is_authenticated:
        qs = qs.exclude(votes__user=user)
    return qs.annotate(n=Count("votes")).order_by("n", "id").first()


def statement_counts(consultation: Consultation):
    return public_statements(consultation).annotate(
        agree=Count("votes", filter=Q(votes__value=1)),
        disagree=Count("votes", filter=Q(votes__value=-1)),
        passed=Count("votes", filter=Q(votes__value=0)),
        flagged=Value(0),
    )


def phase_open_for_ideas(consultation: Consultation) -> bool:
    return consultation.phase == Phase.IDEAS
