"""Utilitarian greedy with skipping: fund projects by decreasing score while they fit.

Scores as in pabutools' ``greedy_utilitarian_welfare``: with cost utility a project's score is its
number of votes (total satisfaction ``cost x votes`` divided by cost); with approval (cardinality)
utility it is votes per unit of cost; with points utility it is the total of the points voters gave
it (satisfaction ``cost x points``, see ``project_points``). A project that no longer fits is
skipped and the next one is tried. Like pabutools, a project without votes (or without a positive
total of points) scores 0 and is still funded if money is left, and a free project with votes comes
first. Scores are compared as exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import numpy as np

from . import explain as ex
from .profile import Election
from .tiebreak import tie_order

UTILITIES = ("cost", "approval", "points")


def ordinal_scale(election: Election) -> int:
    """Points of a first choice on an ordinal ballot: META ``max_length``, else the longest ballot.

    A project ranked k-th (k = 1, 2, ...) gets ``scale - k + 1`` points, whatever the ballot's
    length: Kraków 2021 (``max_length`` 3) gave 3, 2 and 1 points (docs/decisions/0420).
    """
    profile = election.profile
    lengths = np.diff(profile.indptr)
    longest = int(lengths.max()) if len(lengths) else 0
    declared = election.meta.get("max_length")
    if declared is None:
        return longest
    try:
        scale = int(declared)
    except ValueError:
        scale = 0
    if scale < 1:
        raise ValueError(
            f"META max_length {declared!r} is not a positive whole number: points by rank are undefined"
        )
    if longest > scale:
        voter = int(np.argmax(lengths > scale))
        raise ValueError(
            f"ballot {voter + 1} ranks {int(lengths[voter])} projects, more than META max_length {scale}: "
            "points by rank are undefined"
        )
    return scale


def project_points(election: Election) -> list[int | Fraction]:
    """Each project's total points: the sum over ballots of the points the ballot gives it.

    Cumulative and scoring ballots: their own points. Ordinal ballots: positional points, the first
    choice ``ordinal_scale`` points, then one fewer per rank. Approval and choose-1 ballots: 1 per
    approved project, so points are votes and greedy by points funds what greedy by cost funds.
    """
    profile = election.profile
    n = profile.num_projects
    if profile.values is not None:
        totals: list[int | Fraction] = [0] * n
        for col, value in zip(profile.indices.tolist(), profile.values, strict=True):
            totals[col] += value
        return totals
    if profile.vote_type == "ordinal":
        starts = np.repeat(profile.indptr[:-1], np.diff(profile.indptr))
        rank = np.arange(len(profile.indices), dtype=np.int64) - starts  # 0 for a first choice
        points = ordinal_scale(election) - rank
        totals_array = np.zeros(n, dtype=np.int64)
        np.add.at(totals_array, profile.indices, points)
        return totals_array.tolist()
    return profile.support_counts().tolist()


def greedy_order(
    election: Election, utility: str = "cost", tie_break: str = "lexico", seed=None
) -> tuple[list[int], list[Fraction | None]]:
    """Projects in greedy order, with their scores (``None`` for free projects with votes: infinite)."""
    if utility not in UTILITIES:
        raise ValueError(f"unknown utility {utility!r} (expected one of {', '.join(UTILITIES)})")
    votes = election.profile.support_counts().tolist()
    weight = project_points(election) if utility == "points" else votes
    costs = election.costs
    rank = tie_order(tie_break, election.project_ids, costs, votes, seed)
    scores: list[Fraction | None] = []
    for j, cost in enumerate(costs):
        if weight[j] <= 0:  # pabutools: a total satisfaction that is not positive scores 0
            scores.append(Fraction(0))
        elif cost == 0:
            scores.append(None)
        else:
            scores.append(Fraction(weight[j]) / cost if utility == "approval" else Fraction(weight[j]))

    def key(j):
        s = scores[j]
        return (0, Fraction(0), rank[j]) if s is None else (1, -s, rank[j])

    return sorted(range(len(costs)), key=key), scores


def greedy_select(
    election: Election,
    utility: str = "cost",
    tie_break: str = "lexico",
    seed=None,
    initial: Iterable[int] = (),
) -> tuple[list[int], list[int], dict[int, int], list[Fraction | None]]:
    """Indices funded by greedy after ``initial``; also the order, ranks and scores for explanations."""
    initial = list(initial)
    taken = set(initial)
    order, scores = greedy_order(election, utility, tie_break, seed)
    order = [j for j in order if j not in taken]
    remaining = election.budget - sum((election.costs[j] for j in initial), Fraction(0))
    chosen = []
    for j in order:
        if election.costs[j] <= remaining:
            chosen.append(j)
            remaining -= election.costs[j]
    return chosen, order, {j: r + 1 for r, j in enumerate(order)}, scores


def greedy(
    election: Election,
    *,
    utility: str = "cost",
    tie_break: str = "lexico",
    seed=None,
) -> ex.Outcome:
    """Greedy tally of an election (see module docstring)."""
    chosen, order, rank, scores = greedy_select(election, utility, tie_break, seed)
    ids, costs = election.project_ids, election.costs
    votes = election.profile.support_counts().tolist()
    points = project_points(election) if utility == "points" else [None] * len(ids)
    funded = set(chosen)
    ran_out = next((rank[j] for j in order if j not in funded), None)
    position = {j: k + 1 for k, j in enumerate(chosen)}
    results = []
    for j in range(len(ids)):
        results.append(
            ex.ProjectResult(
                project_id=ids[j],
                cost=costs[j],
                votes=votes[j],
                funded=j in funded,
                reason=ex.FUNDED if j in funded else ex.BUDGET_EXHAUSTED,
                position=position[j] if j in funded else rank[j],
                score=scores[j],
                points=points[j],
            )
        )
    total = sum((costs[j] for j in chosen), Fraction(0))
    details = {"utility": utility, "tie_break": tie_break, "budget_ran_out_at": ran_out}
    if utility == "points" and election.vote_type == "ordinal":
        details["points_by_rank"] = list(range(ordinal_scale(election), 0, -1))
    return ex.Outcome(
        rule=f"greedy/{utility}",
        selected=tuple(ids[j] for j in chosen),
        total_cost=total,
        budget=election.budget,
        projects=tuple(results),
        details=details,
    )
