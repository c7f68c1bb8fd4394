"""Utilitarian greedy with skipping: fund projects by decreasing score while they fit.

Scores as in pabutools' ``greedy_utilitarian_welfare``: with cost utility a project's score is its
number of votes (total satisfaction ``cost x votes`` divided by cost); with approval (cardinality)
utility it is votes per unit of cost. A project that no longer fits is skipped and the next one is
tried. Like pabutools, a project without votes scores 0 and is still funded if money is left, and a
free project with votes comes first. Scores are compared as exact fractions.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from . import explain as ex
from .profile import Election
from .tiebreak import tie_order

UTILITIES = ("cost", "approval")
_INF = (1, Fraction(0))  # sorts before any finite score


def greedy_order(
    election: Election, utility: str = "cost", tie_break: str = "lexico", seed=None
) -> tuple[list[int], list[Fraction | None]]:
    """Projects in greedy order, with their scores (``None`` for free projects with votes: infinite)."""
    if utility not in UTILITIES:
        raise ValueError(f"unknown utility {utility!r} (expected one of {', '.join(UTILITIES)})")
    votes = election.profile.support_counts().tolist()
    costs = election.costs
    rank = tie_order(tie_break, election.project_ids, costs, votes, seed)
    scores: list[Fraction | None] = []
    for j, cost in enumerate(costs):
        if votes[j] == 0:
            scores.append(Fraction(0))
        elif cost == 0:
            scores.append(None)
        else:
            scores.append(Fraction(votes[j]) if utility == "cost" else Fraction(votes[j]) / cost)

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
            )
        )
    total = sum((costs[j] for j in chosen), Fraction(0))
    details = {"utility": utility, "tie_break": tie_break, "budget_ran_out_at": ran_out}
    return ex.Outcome(
        rule=f"greedy/{utility}",
        selected=tuple(ids[j] for j in chosen),
        total_cost=total,
        budget=election.budget,
        projects=tuple(results),
        details=details,
    )
