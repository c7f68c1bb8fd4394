"""Majority judgment (Balinski and Laraki) for grade ballots, as Paris has used since 2021.

Each voter grades projects (Paris: four grades, from *coup de cœur* to *pas convaincu·e*); a
project a voter left ungraded gets the lowest grade (0 on a 0..k scale), or ``missing_grade``.
A project's majority grade is the lower median of its grades. Projects with the same majority
grade are ordered by the majority gauge: a project whose share of grades above its majority grade
(p) exceeds the share below it (q) comes first, the larger p the better; otherwise the smaller q
the better. Remaining ties go to the tie-break rule. Projects are then funded in that order within
the budget (skipping those that no longer fit), or the first ``max_winners`` are taken.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import explain as ex
from .profile import Election
from .tiebreak import tie_order


def majority_grades(election: Election, missing_grade=None) -> list[tuple[Fraction, int, int]]:
    """Per project: (majority grade, voters above it, voters below it)."""
    profile = election.profile
    if profile.values is None:
        raise ValueError(f"majority judgment needs grade (scoring) ballots, not {profile.vote_type} ballots")
    n = profile.num_voters
    raw = profile.values
    exact = {v: Fraction(v) for v in set(raw)}  # a few distinct grades among a million values
    scale = sorted(set(exact.values()))
    lowest = min(scale[0], Fraction(0)) if scale else Fraction(0)
    missing = lowest if missing_grade is None else Fraction(str(missing_grade))
    if missing not in scale:
        scale = sorted({*scale, missing})
    level = {g: i for i, g in enumerate(scale)}
    code = {v: level[g] for v, g in exact.items()}
    levels = np.fromiter(map(code.__getitem__, raw), dtype=np.int64, count=len(raw))
    width = len(scale)
    n_proj = len(election.project_ids)
    cells = profile.indices.astype(np.int64) * width + levels
    hist = np.bincount(cells, minlength=n_proj * width).reshape(n_proj, width)
    graded = hist.sum(axis=1)
    hist[:, level[missing]] += n - graded
    out = []
    for j in range(len(election.project_ids)):
        if n == 0:
            out.append((missing, 0, 0))
            continue
        cum = np.cumsum(hist[j])
        m = int(np.searchsorted(cum, (n - 1) // 2 + 1))  # lower median: the ((n+1)//2)-th lowest grade
        below = int(cum[m - 1]) if m > 0 else 0
        above = n - int(cum[m])
        out.append((scale[m], above, below))
    return out


def majority_judgment(
    election: Election,
    *,
    max_winners: int | None = None,
    missing_grade=None,
    tie_break: str = "lexico",
    seed=None,
) -> ex.Outcome:
    """Rank projects by majority judgment, then fund them in order (see module docstring)."""
    ids, costs, budget = election.project_ids, election.costs, election.budget
    grades = majority_grades(election, missing_grade)
    votes = election.profile.support_counts().tolist()
    rank = tie_order(tie_break, ids, costs, votes, seed)

    def key(j):
        g, above, below = grades[j]
        if above > below:
            return (-g, 0, -above, rank[j])
        return (-g, 1, below, rank[j])

    order = sorted(range(len(ids)), key=key)
    chosen: list[int] = []
    reasons: dict[int, str] = {}
    remaining = budget
    for j in order:
        if max_winners is not None and len(chosen) >= max_winners:
            reasons[j] = ex.OVER_WINNER_LIMIT
        elif costs[j] <= remaining:
            chosen.append(j)
            remaining -= costs[j]
        else:
            reasons[j] = ex.BUDGET_EXHAUSTED
    place = {j: r + 1 for r, j in enumerate(order)}
    funded = set(chosen)
    results = tuple(
        ex.ProjectResult(
            project_id=ids[j],
            cost=costs[j],
            votes=votes[j],
            funded=j in funded,
            reason=ex.FUNDED if j in funded else reasons[j],
            position=place[j],
            score=grades[j][0],
            stage=f"majority grade {grades[j][0]}, {grades[j][1]} above, {grades[j][2]} below",
        )
        for j in range(len(ids))
    )
    ran_out = next((place[j] for j in order if reasons.get(j) == ex.BUDGET_EXHAUSTED), None)
    return ex.Outcome(
        rule="mj",
        selected=tuple(ids[j] for j in chosen),
        total_cost=sum((costs[j] for j in chosen), Fraction(0)),
        budget=budget,
        projects=results,
        details={
            "ranking": [ids[j] for j in order],
            "budget_ran_out_at": ran_out,
            "max_winners": max_winners,
        },
    )
