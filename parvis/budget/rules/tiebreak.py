"""Tie-breaking between projects that a rule cannot separate.

A tie must be broken the same way by anyone who recounts, so every rule is a total order on
projects known before the tally: the project id as a string (pabutools' default, so ``"10"`` comes
before ``"9"``), the lowest cost, the most votes, or a lottery drawn from a published seed. The
last three fall back on the id so the order stays total.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from fractions import Fraction

TIE_BREAKS = ("lexico", "min-cost", "max-votes", "lottery")


def tie_order(
    rule: str,
    project_ids: Sequence[str],
    costs: Sequence[Fraction],
    votes: Sequence[int],
    seed: str | int | None = None,
) -> list[int]:
    """Rank of each project (0 = wins every tie) under the given tie-breaking rule."""
    n = len(project_ids)
    if rule == "lexico":
        key = lambda i: project_ids[i]  # noqa: E731
    elif rule == "min-cost":
        key = lambda i: (costs[i], project_ids[i])  # noqa: E731
    elif rule == "max-votes":
        key = lambda i: (-votes[i], project_ids[i])  # noqa: E731
    elif rule == "lottery":
        if seed is None:
            raise ValueError("the lottery tie-break needs a published seed")
        # SHA-256 of "seed:id" is reproducible with any tool, unlike a language's random generator.
        key = lambda i: (hashlib.sha256(f"{seed}:{project_ids[i]}".encode()).hexdigest(), project_ids[i])  # noqa: E731
    else:
        raise ValueError(f"unknown tie-break {rule!r} (expected one of {', '.join(TIE_BREAKS)})")
    order = sorted(range(n), key=key)
    rank = [0] * n
    for r, i in enumerate(order):
        rank[i] = r
    return rank
