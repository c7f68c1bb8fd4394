"""Add1 for cost utility with many steps at a time: MES runs at consecutive budgets, in lockstep.

Why: a run is about a hundred rounds of small numpy calls, so one run at a time is bound by the
calls' overhead, not by arithmetic (Toulouse 2022: 6 ms a run, 1,618 steps). Runs at neighbouring
budgets fund nearly the same projects in nearly the same order, so a *block* of them shares the
calls: in every round, the prices all the runs need are computed in one pass over the supporters,
and every run's payment for its winner in another.

Exactness is that of ``mes._Run``: decisions are taken in floats with the same margins; within a
margin, the price is exact when it is the plain share (every payer holds more than cost / payers,
with cost utility rho = 1 / payers, compared as integers). Any other decision within a margin (a
near tie with a capped supporter, affordability within rounding, a payment leaving a voter within
rounding of zero) sends that step to an exact run instead, so the step and the outcome are those of
the step-by-step loop (``add1.linear``), which the tests compare with.
"""

from __future__ import annotations

import numpy as np

from .add1 import PASSED, Outcomes
from .mes import _ABS, _REL, _Run, _Supports

#: Budgets held at once: the first block is small (most elections stop within a few steps).
FIRST_BLOCK = 8
#: Then blocks grow four times up to this many steps (a longer block overshoots the stopping step more).
MAX_BLOCK = 256
#: A block's budgets take at most this many floats (voter groups x steps).
MAX_CELLS = 4_000_000
#: Lockstep is used where projects have at most this many distinct supporter groups on average.
MAX_MEAN_GROUPS = 300


def suits(sup: _Supports, cands: list[int]) -> bool:
    """True where lockstep is the faster way: small numpy calls, dominated by their overhead.

    Where projects have thousands of supporter groups (a large city's ballots), one run at a time
    (``add1.search``) is faster: it counts supporters by payment history, which lockstep does not
    (Toulouse 2022, 35 groups a project: 1.7 s against 11 s; Warsaw-Mokotów, 799: 5.8 s against
    5.2 s). The search is also faster where no two projects share a supporter (Wrocław 2015: one
    project a ballot): funding order does not matter there, and its certificates cover long ranges."""
    if not cands:
        return False
    idx = np.asarray(cands, dtype=np.int64)
    shared = int(sup.overlap[np.ix_(idx, idx)].sum()) > len(idx)  # beyond each project with itself
    return shared and sum(len(sup.sup[j]) for j in cands) <= MAX_MEAN_GROUPS * len(cands)


class _Layout:
    """Projects' supporter groups end to end (CSR), to gather many (row, project) pairs in one call."""

    def __init__(self, sup: _Supports):
        self.size = np.array([len(g) for g in sup.sup], dtype=np.int64)
        self.start = np.concatenate(([0], np.cumsum(self.size)[:-1])) if len(self.size) else self.size
        self.groups = np.concatenate(sup.sup) if sup.sup else np.zeros(0, dtype=np.int64)
        self.weights = np.concatenate(sup.supw) if sup.supw else np.zeros(0)
        self.n_groups = len(sup.mult)

    def cells(self, rows: np.ndarray, projects: np.ndarray, m: int):
        """For pairs (rows[k], projects[k]): each supporter group's cell in a (groups x m rows) array
        (flat index), its weight, its pair, and where each pair's cells begin."""
        size = self.size[projects]
        first = np.cumsum(size) - size
        pair = np.repeat(np.arange(len(rows)), size)
        src = np.repeat(self.start[projects] - first, size) + np.arange(int(size.sum()))
        flat = self.groups[src] * m + np.repeat(rows, size)
        return flat, self.weights[src], pair, first


class _Block:
    """MES with cost utility at per-voter budgets ``b`` (floats, one row each), in lockstep."""

    def __init__(self, layout: _Layout, sup: _Supports, cf, rank, cands: list[int], b: np.ndarray):
        m, n_groups, n_proj = len(b), len(sup.mult), len(cf)
        self.m = m  # rows: one per budget
        self.s, self.cf, self.rank = sup, cf, rank
        self.layout = layout  # built once per election, shared by its blocks
        self.tol = _ABS * b  # absolute tolerance of each row, as in _Run
        # every row's budget of every voter group, flat: cells indexed by group * rows + row, so that
        # a project's cells in neighbouring rows, often asked for together, are close in memory
        # (Toulouse 2022: gathers 3x faster than by row * groups + group, the whole 5 % faster)
        self.flat = np.tile(b, n_groups)
        weight = np.array(sup.weight, dtype=np.float64)
        self.weight = weight
        lower = np.full(n_proj, np.inf)
        idx = np.asarray(cands, dtype=np.int64)
        lower[idx] = 1.0 / weight[idx]  # rho before anything is paid: a lower bound from then on
        # each open project's price (a lower bound until fresh); inf once funded or unaffordable
        self.price = np.tile(lower, (m, 1))
        # _Run.err without its relative part, ABS * b0 / c + 1e-13 (cost utility), at the block's
        # largest b0 (a wider margin only sends more near decisions to exact prices)
        free = np.full(n_proj, np.inf)  # projects of no cost are never candidates
        self.err0 = np.divide(self.tol.max(), cf, out=free, where=cf > 0) + 1e-13
        self.fresh = np.zeros((m, n_proj), dtype=bool)  # price computed since its supporters last paid
        self.payers = np.zeros((m, n_proj), dtype=np.int64)  # > 0: the price is exactly 1 / payers
        self.funded = np.zeros((m, n_proj), dtype=bool)
        self.active = np.ones(m, dtype=bool)
        self.sure = np.ones(m, dtype=bool)  # False: a decision needs exact arithmetic, rerun exactly

    def _unsure(self, rows: np.ndarray) -> None:
        self.sure[rows] = False
        self.active[rows] = False

    def _refresh(self, rows: np.ndarray, projects: np.ndarray) -> None:
        """Prices of projects[k] in rows[k], as _Run.price computes them, all pairs at once."""
        flat, w, pair, first = self.layout.cells(rows, projects, self.m)
        held = self.flat[flat]
        c = self.cf[projects]
        tol = self.tol[rows]
        avail = np.add.reduceat(held * w, first)
        margin = _REL * c + tol * self.weight[projects]
        cannot = avail < c - margin
        unsure = ~cannot & (avail <= c + margin)
        if unsure.any():
            self._unsure(rows[unsure])
        self.price[rows[cannot], projects[cannot]] = np.inf
        zero = held == 0.0  # exactly nothing left (capped in an earlier payment)
        payers = self.weight[projects] - np.add.reduceat(zero * w, first)
        with np.errstate(divide="ignore"):  # no payers at all: a pair that cannot afford it
            q = c / payers
        live_min = np.minimum.reduceat(np.where(zero, np.inf, held), first)
        ok = ~cannot & ~unsure
        plain = ok & (live_min > q * (1 + 1e-9) + tol)
        rho = q / c
        slow = ok & ~plain
        if slow.any():
            cell = slow[pair]
            rho[slow] = _shares(held[cell], w[cell], self.layout.size[projects[slow]], c[slow]) / c[slow]
        r, j = rows[ok], projects[ok]
        self.price[r, j] = rho[ok]
        self.payers[r, j] = np.where(plain, payers, 0.0)[ok].astype(np.int64)
        self.fresh[r, j] = True

    def _cheapest(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's cheapest open project, its price made fresh (stale prices are lower bounds),
        and that price. Rows that drop out on the way get price nan."""
        key = self.price[rows]
        arg = key.argmin(axis=1)
        best = key[np.arange(len(rows)), arg]
        todo = np.arange(len(rows))
        while True:
            r, j = rows[todo], arg[todo]
            stale = ~self.fresh[r, j] & np.isfinite(best[todo])
            if not stale.any():
                break
            self._refresh(r[stale], j[stale])
            todo = todo[stale]
            gone = ~self.active[rows[todo]]
            best[todo[gone]] = np.nan
            todo = todo[~gone]
            sub = self.price[rows[todo]]
            arg[todo] = sub.argmin(axis=1)
            best[todo] = sub[np.arange(len(todo)), arg[todo]]
        return arg, best

    def _select(self, rows: np.ndarray) -> np.ndarray:
        """Each row's winner, as _Run.run picks it: -1 when nothing is affordable, -2 when a near
        tie needs exact prices (the row drops out), -3 for rows that dropped out on the way."""
        out = np.full(len(self.active), -3)
        while len(rows):
            arg, best = self._cheapest(rows)
            keep = ~np.isnan(best)
            rows, arg, best = rows[keep], arg[keep], best[keep]
            # every price within rounding of the cheapest: near ties are decided on exact prices
            key = self.price[rows]
            with np.errstate(invalid="ignore"):
                limit = best * (1 + _REL) + self.err0[arg]
                near = (key * (1 - _REL) - self.err0 <= limit[:, None]) & (key < np.inf)
            need = near & ~self.fresh[rows]
            again = need.any(axis=1)
            done = ~again
            winner = np.where(np.isinf(best[done]), -1, arg[done])
            done_rows = rows[done]
            near = near[done]
            tied = np.flatnonzero(near.sum(axis=1) > 1)
            if len(tied):
                # a near tie is decided by the tie-break when every price in it is exact and equal
                # (1 / payers, payers > 0); otherwise, or in theory, the row needs exact prices
                near = near[tied]
                p = self.payers[done_rows[tied]]
                low = np.where(near, p, np.iinfo(np.int64).max).min(axis=1)
                high = np.where(near, p, 0).max(axis=1)
                first = np.where(near, self.rank[None, :], np.iinfo(np.int64).max).argmin(axis=1)
                winner[tied] = np.where((low > 0) & (low == high), first, -2)
            out[done_rows] = winner
            if not again.any():
                break
            r, c = np.nonzero(need[again])
            redo = rows[again]
            self._refresh(redo[r], c)
            rows = redo[self.active[redo]]
        return out

    def _pay(self, rows: np.ndarray, projects: np.ndarray) -> None:
        """Each row funds its winner: supporters pay the share, or all they have left."""
        flat, _, pair, _ = self.layout.cells(rows, projects, self.m)
        held = self.flat[flat]
        c = self.cf[projects]
        exact = self.payers[rows, projects]
        q = np.where(exact > 0, c / np.maximum(exact, 1), self.price[rows, projects] * c)
        new = held - q[pair]
        tol = self.tol[rows][pair]
        near_zero = (held != 0.0) & (new >= -tol) & (new < tol)
        self.flat[flat] = np.where(new < -tol, 0.0, new)
        self.funded[rows, projects] = True
        self.price[rows, projects] = np.inf
        self.fresh[rows] &= ~self.s.overlap[projects]
        if near_zero.any():
            self._unsure(np.unique(rows[pair[near_zero]]))

    def run(self) -> None:
        while True:
            rows = np.flatnonzero(self.active)
            if not len(rows):
                return
            winner = self._select(rows)
            self._unsure(np.flatnonzero(winner == -2))
            self.active[winner == -1] = False  # nothing affordable: the run is over
            paying = np.flatnonzero(winner >= 0)
            if len(paying):
                self._pay(paying, winner[paying])


def _shares(held: np.ndarray, w: np.ndarray, size: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Float water-filling for many pairs at once: for each pair's cells (``size[k]`` cells for
    pair k, one pair after another), the equal share q with sum(w * min(held, q)) = c (the pair
    can afford c).

    Newton's method on that concave, piecewise-linear sum, from c / (total weight) below the root:
    every step stays below the root and caps at least one more supporter, and it is exact once the
    capped supporters are the right ones; no sorting. It computes q as mes._float_share does:
    (c - what the capped supporters hold) / (weight of the others)."""
    first = np.cumsum(size) - size
    ids = np.repeat(np.arange(len(size)), size)
    spent = w * held
    q = c / np.add.reduceat(w, first)
    capped = np.zeros(len(held), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        while True:
            now = capped | (held < q[ids])  # never uncapped: ends even if rounding wavers
            if (now == capped).all():
                return q
            capped = now
            q = (c - np.add.reduceat(np.where(capped, spent, 0.0), first)) / np.add.reduceat(
                np.where(capped, 0.0, w), first
            )


def lockstep(election, sup: _Supports, rank, step, exhaustive_stop, cands, start=None, runs=0, bound=None):
    """add1.linear's answer for cost utility: (funded projects, the exact run, runs, step), or None
    if the exact rerun of the answer step disagrees with its float run (then the caller falls back
    to ``add1.search``: a float decision would have been wrong, which the margins are there to
    prevent; this is the guard). ``start``: (k, run) to go on from step k, neither done nor over,
    where ``run`` was computed exactly (``add1.search``'s handover); ``runs``: runs made so far;
    ``bound``: as ``add1.search``'s (then (``add1.PASSED``, None, runs, k) may come back)."""
    b_first = election.budget / sup.num_voters
    cf = np.array(sup.numbers(election, "cost")[0])
    rank_arr = np.asarray(rank, dtype=np.int64)
    outcomes = Outcomes(election.costs, election.budget, cands)
    layout = _Layout(sup)

    def exact(k: int) -> _Run:
        r = _Run(election, sup, "cost", rank, b_first + k * step)
        r.run(cands)
        return r

    def finish(k: int, funded: np.ndarray, run: _Run | None, runs: int):
        if run is None:  # the float run's answer: rerun exactly, for the explanation and as a check
            run, runs = exact(k), runs + 1
            if set(run.chosen) != set(np.flatnonzero(funded).tolist()):
                return None
        return list(run.chosen), run, runs, k

    # prev: the last step neither done nor over, what it funds, and its exact run if it had one
    k, prev = 0, None
    nothing = np.zeros((1, len(cf)), dtype=bool)
    if start is not None:
        funded = nothing[0].copy()
        funded[start[1].chosen] = True
        k, prev = start[0] + 1, (start[0], funded, start[1])
    elif cands and outcomes.states(nothing, exhaustive_stop)[0] is None:
        # MES funds nothing until the share reaches the lowest cost per supporter, and an empty
        # outcome is neither done nor over: jump to the last step below that (as add1.search)
        first = min(election.costs[j] / sup.weight[j] for j in cands)
        k = max(0, int(-((b_first - first) // step)) - 1)
        prev = (k - 1, nothing[0], None) if k > 0 else None
    size = FIRST_BLOCK
    cap = max(1, MAX_CELLS // max(1, len(sup.mult)))
    while True:
        steps = np.arange(k, k + size)
        b = np.array([float(b_first + int(i) * step) for i in steps])
        block = _Block(layout, sup, cf, rank_arr, cands, b)
        block.run()
        runs += size
        states = outcomes.states(block.funded, exhaustive_stop)
        for i, kk in enumerate(steps.tolist()):
            funded, r, state = block.funded[i], None, states[i]
            if not block.sure[i]:
                r = exact(kk)
                runs += 1
                funded = np.zeros(len(cf), dtype=bool)
                funded[r.chosen] = True
                state = outcomes.state(r.chosen, exhaustive_stop)
            if state == "over":
                return ([], None, runs, None) if prev is None else finish(*prev, runs)
            if state == "done":
                return finish(kk, funded, r, runs)
            prev = (kk, funded, r)
            if bound is not None and bound(kk, runs):
                return PASSED, None, runs, kk
        k += size
        size = min(4 * size, cap, MAX_BLOCK)
