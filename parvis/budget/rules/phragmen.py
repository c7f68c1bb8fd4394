"""Sequential Phragmén for approval ballots, as pabutools 1.2.3 computes it.

Voters earn virtual money continuously; a project is bought as soon as its supporters together hold
its cost, and the buyers' loads become equal. Each round funds the project with the smallest new
maximal load ``(sum of supporters' loads + cost) / supporters``; the rule stops (no skipping) as
soon as one of the projects tied for that round does not fit in the budget. Projects costing more
than the whole budget are never considered; projects without supporters have an infinite load and
come last, in tie-break order, as in pabutools.

Loads are floats for speed, checked exactly (each voter's load is one of the exact loads of past
rounds) whenever two candidates come within rounding distance.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from . import explain as ex
from .profile import Election
from .tiebreak import tie_order

_REL = 1e-9


class BallotTypeError(ValueError):
    """The rule does not accept this kind of ballot."""


def phragmen(election: Election, *, tie_break: str = "lexico", seed=None) -> ex.Outcome:
    """Sequential Phragmén tally (approval and choose-1 ballots only)."""
    if election.vote_type not in ("approval", "choose-1"):
        raise BallotTypeError(
            f"sequential Phragmén needs approval ballots; this election has {election.vote_type} ballots"
        )
    lens, flat, mult = election.profile.distinct_groups()
    ids, costs, budget = election.project_ids, election.costs, election.budget
    n_proj = len(ids)
    owner = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    order = np.argsort(flat, kind="stable")
    counts = np.bincount(flat, minlength=n_proj)
    sup = np.split(owner[order], np.cumsum(counts)[:-1]) if n_proj else []
    supw = [mult[s] for s in sup]
    score = [int(w.sum()) for w in supw]
    rank = tie_order(tie_break, ids, costs, score, seed)

    last = np.full(len(lens), -1, dtype=np.int64)  # index into loads, -1 = no load yet
    loads: list[Fraction] = []
    loads_f = np.zeros(n_proj + 1)  # loads_f[k] for k >= 0; slot -1 maps to the last cell (0.0)
    cf = [float(c) for c in costs]

    def exact_new_load(j: int) -> Fraction:
        ks = last[sup[j]] + 1
        tot = np.bincount(ks, weights=supw[j])
        s = sum((int(tot[k]) * loads[k - 1] for k in range(1, len(tot)) if tot[k]), Fraction(0))
        return (s + costs[j]) / score[j]

    remaining = [j for j in range(n_proj) if costs[j] <= budget]
    spent = Fraction(0)
    chosen: list[int] = []
    stop_reason: dict[int, str] = {}
    exact_load: dict[int, Fraction] = {}
    while remaining:
        finite = [j for j in remaining if score[j] > 0]
        if finite:
            vals = {}
            for j in finite:
                vals[j] = (float(loads_f[last[sup[j]]] @ supw[j]) + cf[j]) / score[j]
            best = min(vals.values())
            near = [j for j in finite if vals[j] <= best * (1 + _REL) + 1e-300]
            if len(near) > 1:
                exact = {j: exact_new_load(j) for j in near}
                low = min(exact.values())
                tied = [j for j in near if exact[j] == low]
            else:
                low = exact_new_load(near[0])
                tied = near
        else:
            low = None
            tied = list(remaining)
        if any(spent + costs[j] > budget for j in tied):
            for j in remaining:
                stop_reason[j] = ex.BUDGET_EXHAUSTED
            break
        winner = min(tied, key=rank.__getitem__)
        remaining.remove(winner)
        chosen.append(winner)
        spent += costs[winner]
        if low is not None:
            exact_load[winner] = low
            loads.append(low)
            loads_f[len(loads) - 1] = float(low)
            last[sup[winner]] = len(loads) - 1
    position = {j: k + 1 for k, j in enumerate(chosen)}
    results = []
    for j in range(n_proj):
        if j in position:
            reason = ex.FUNDED
        elif costs[j] > budget:
            reason = ex.BUDGET_EXHAUSTED
        else:
            reason = stop_reason.get(j, ex.NOT_REACHED)
        results.append(
            ex.ProjectResult(
                project_id=ids[j],
                cost=costs[j],
                votes=score[j],
                funded=j in position,
                reason=reason,
                position=position.get(j),
                score=exact_load.get(j),
            )
        )
    return ex.Outcome(
        rule="phragmen",
        selected=tuple(ids[j] for j in chosen),
        total_cost=spent,
        budget=budget,
        projects=tuple(results),
        details={"tie_break": tie_break},
    )
