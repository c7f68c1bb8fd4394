"""The shape every operation of the JSON API shares, whatever the module: one error schema, the error
statuses an operation declares, and one paginator for every list (decision 0141).

- Errors are ``{"detail": "…"}`` (the French or English message), with the status saying which error:
  400 invalid data (a service's ``ValidationError``), 401 no or bad credentials, 403 not allowed,
  404 not found or hidden, 409 conflicting state, 422 malformed request (schema), 429 rate limited.
- A list answers ``{"items": [...], "count": n}`` and takes ``limit`` (1–500, default 50) and ``offset``.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination, paginate

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: The largest offset accepted: beyond it the request is malformed (422), not a database error.
MAX_OFFSET = 2**31 - 1


class ErrorOut(Schema):
    detail: str


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """``response={200: Out, **errors(400, 404, 422)}``: the error statuses an operation can return."""
    return dict.fromkeys(statuses, ErrorOut)


#: What any operation that reads its input can answer.
READ = errors(422)
#: What an operation for signed-in users can answer besides its own errors.
AUTHED = errors(401, 403, 422)
#: What any write for signed-in users can answer: bad data, credentials, permission, schema, rate limit.
WRITE = errors(400, 401, 403, 404, 422, 429)


@dataclass(frozen=True)
class Rows:
    """A list endpoint's rows: the query, and how one object becomes the API's dict. The conversion runs on
    the requested page only, so a list of two million rows reads ``limit`` of them."""

    source: QuerySet | Sequence
    out: Callable[[Any], Any]


class Pagination(LimitOffsetPagination):
    """ninja's limit/offset pagination with a bounded limit and offset; accepts ``Rows``."""

    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"1 à {MAX_LIMIT}")
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs):
        super().__init__(max_limit=MAX_LIMIT, **kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        out = None
        if isinstance(queryset, Rows):
            queryset, out = queryset.source, queryset.out
        start = pagination.offset
        page = queryset[start : start + min(pagination.limit, self.max_limit)]
        return {
            self.items_attribute: [out(item) for item in page] if out else page,
            "count": queryset.count() if isinstance(queryset, QuerySet) else len(queryset),
        }


#: ``@paginated`` under ``@router.get(..., response={200: list[Out], ...})``.
paginated = paginate(Pagination)
