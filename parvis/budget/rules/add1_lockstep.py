"""Add1 for cost utility with many steps at a time: MES runs at consecutive budgets, in lockstep.

Why: a run is about a hundred rounds of small numpy calls, so one run at a time is bound by the
calls' overhead, not by arithmetic (Toulouse 2022: 6 ms a run, 1,618 steps). Runs at neighbouring
budgets fund nearly the same projects in nearly the same order, so a *block* of them shares each
call: in every round, a project's price is computed in one call for all the runs that need it, and
a winner's payment in one call for all the runs that fund it.

Exactness is that of ``mes._Run``: decisions are taken in floats with the same margins; within a
margin, the price is exact when it is the plain share (every payer holds more than cost / payers,
with cost utility rho = 1 / payers, compared as integers). Any other decision within a margin (a
near tie with a capped supporter, affordability within rounding, a payment leaving a voter within
rounding of zero) sends that step to an exact run instead, so the step and the outcome are those of
the step-by-step loop (``add1.linear``), which the tests compare with.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import numpy as np

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
    (Toulouse 2022, 35 groups a project: 2 s against 11 s; Warsaw-Mokotów, 799: 5.8 s against 5.2 s)."""
    return bool(cands) and sum(len(sup.sup[j]) for j in cands) <= MAX_MEAN_GROUPS * len(cands)


class _Block:
    """MES with cost utility at per-voter budgets ``b`` (floats, one row each), in lockstep."""

    def __init__(self, sup: _Supports, cf: np.ndarray, rank: np.ndarray, cands: list[int], b: np.ndarray):
        m, n_groups, n_proj = len(b), len(sup.mult), len(cf)
        self.s, self.cf, self.rank = sup, cf, rank
        self.tol = _ABS * b  # absolute tolerance of each row, as in _Run
        self.budget = np.repeat(b[:, None], n_groups, axis=1)
        weight = np.array(sup.weight, dtype=np.float64)
        self.weight = weight
        lower = np.full(n_proj, np.inf)
        idx = np.asarray(cands, dtype=np.int64)
        lower[idx] = 1.0 / weight[idx]  # rho before anything is paid: a lower bound from then on
        # each open project's price (a lower bound until fresh); inf once funded or unaffordable
        self.price = np.tile(lower, (m, 1))
        # _Run.err without its relative part: ABS * b0 / c + 1e-13 (cost utility)
        self.err0 = self.tol[:, None] / cf[None, :] + 1e-13
        self.fresh = np.zeros((m, n_proj), dtype=bool)  # price computed since its supporters last paid
        self.payers = np.zeros((m, n_proj), dtype=np.int64)  # > 0: the price is exactly 1 / payers
        self.funded = np.zeros((m, n_proj), dtype=bool)
        self.active = np.ones(m, dtype=bool)
        self.sure = np.ones(m, dtype=bool)  # False: a decision needs exact arithmetic, rerun exactly

    def _unsure(self, rows: np.ndarray) -> None:
        self.sure[rows] = False
        self.active[rows] = False

    def _refresh(self, j: int, rows: np.ndarray) -> None:
        """Project j's price for the given rows, as _Run.price computes it."""
        s, w = self.s.sup[j], self.s.supw[j]
        held = self.budget[rows[:, None], s[None, :]]
        c = self.cf[j]
        tol = self.tol[rows]
        avail = held @ w
        margin = _REL * c + tol * self.weight[j]
        cannot = avail < c - margin
        unsure = ~cannot & (avail <= c + margin)
        if unsure.any():
            self._unsure(rows[unsure])
        self.price[rows[cannot], j] = np.inf
        ok = ~cannot & ~unsure
        rows, held, tol = rows[ok], held[ok], tol[ok]
        if not len(rows):
            return
        zero = held == 0.0  # exactly nothing left (capped in an earlier payment)
        payers = self.weight[j] - zero.astype(np.float64) @ w
        q = c / payers
        live_min = np.where(zero, np.inf, held).min(axis=1)
        plain = live_min > q * (1 + 1e-9) + tol
        rho = q / c
        exact = np.where(plain, payers, 0.0).astype(np.int64)
        if not plain.all():
            slow = ~plain
            rho[slow] = _shares(held[slow], w, c) / c
        self.price[rows, j] = rho
        self.payers[rows, j] = exact
        self.fresh[rows, j] = True

    def _select(self, rows: np.ndarray) -> np.ndarray:
        """Each row's winner, as _Run.run picks it: -1 when nothing is affordable, -2 when a near
        tie needs exact prices (the row drops out), -3 for rows that dropped out on the way."""
        while True:
            # first make every row's cheapest price fresh (stale prices are lower bounds)
            key = self.price[rows]
            arg = key.argmin(axis=1)
            stale = ~self.fresh[rows, arg] & np.isfinite(key[np.arange(len(rows)), arg])
            if stale.any():
                self._refresh_pairs(rows[stale], arg[stale])
                rows = rows[self.active[rows]]
                continue
            # then every price within rounding of it: near ties are decided on exact prices
            best = key[np.arange(len(rows)), arg]
            limit = best * (1 + _REL) + self.err0[rows, arg]
            with np.errstate(invalid="ignore"):
                near = (key * (1 - _REL) - self.err0[rows] <= limit[:, None]) & (key < np.inf)
            need = near & ~self.fresh[rows]
            if not need.any():
                break
            r, c = np.nonzero(need)
            self._refresh_pairs(rows[r], c)
            rows = rows[self.active[rows]]
        winner = np.where(np.isinf(best), -1, arg)
        count = near.sum(axis=1)
        for i in np.flatnonzero(count > 1).tolist():
            js = np.flatnonzero(near[i])
            p = self.payers[rows[i], js]
            if (p == 0).any():
                winner[i] = -2  # a near tie without exact prices
                continue
            top = js[p == p.max()]  # rho = 1 / payers: the most payers is the cheapest
            winner[i] = top[np.argmin(self.rank[top])]
        out = np.full(len(self.active), -3)
        out[rows] = winner
        return out

    def _refresh_pairs(self, rows: np.ndarray, projects: np.ndarray) -> None:
        order = np.argsort(projects, kind="stable")
        rows, projects = rows[order], projects[order]
        cuts = np.flatnonzero(np.diff(projects)) + 1
        for part_rows, part in zip(np.split(rows, cuts), np.split(projects, cuts), strict=True):
            self._refresh(int(part[0]), part_rows)

    def _pay(self, j: int, rows: np.ndarray) -> None:
        s = self.s.sup[j]
        held = self.budget[rows[:, None], s[None, :]]
        exact = self.payers[rows, j]
        q = np.where(exact > 0, self.cf[j] / np.maximum(exact, 1), self.price[rows, j] * self.cf[j])
        new = held - q[:, None]
        tol = self.tol[rows, None]
        unsure = ((held != 0.0) & (new >= -tol) & (new < tol)).any(axis=1)
        self.budget[rows[:, None], s[None, :]] = np.where(new < -tol, 0.0, new)
        self.funded[rows, j] = True
        self.price[rows, j] = np.inf
        self.fresh[rows] &= ~self.s.overlap[j][None, :]
        if unsure.any():
            self._unsure(rows[unsure])

    def run(self) -> None:
        while True:
            rows = np.flatnonzero(self.active)
            if not len(rows):
                return
            winner = self._select(rows)
            self._unsure(np.flatnonzero(winner == -2))
            self.active[winner == -1] = False  # nothing affordable: the run is over
            for j in np.unique(winner[winner >= 0]).tolist():
                self._pay(j, np.flatnonzero(winner == j))


def _shares(held: np.ndarray, w: np.ndarray, c: float) -> np.ndarray:
    """Float water-filling row by row (as mes._float_share): the equal share q with
    sum(w * min(held, q)) = c."""
    order = held.argsort(axis=1)
    bs = np.take_along_axis(held, order, axis=1)
    ws = w[order]
    spent = ws * bs
    paid = spent.cumsum(axis=1) - spent
    rem = w.sum() - (ws.cumsum(axis=1) - ws)
    qk = (c - paid) / rem
    ok = qk <= bs * (1 + 1e-15) + 1e-300
    k = np.where(ok.any(axis=1), ok.argmax(axis=1), bs.shape[1] - 1)
    return qk[np.arange(len(held)), k]


class _Money:
    """Exact totals of funded sets, in integers (costs and budget scaled to a common denominator)."""

    def __init__(self, costs: list[Fraction], budget: Fraction, cands: list[int]):
        scale = lcm(budget.denominator, *(c.denominator for c in costs))
        ints = [int(c * scale) for c in costs]
        self.budget = int(budget * scale)
        big = max(ints + [self.budget]) * (len(costs) + 1)
        self.dtype = np.int64 if big < 2**62 else object
        self.cost = np.array(ints, dtype=self.dtype)
        self.unfundable = np.ones(len(costs), dtype=bool)
        self.unfundable[cands] = False
        self.cands = len(cands)

    def states(self, funded: np.ndarray, exhaustive_stop: bool) -> list[str | None]:
        """For each row: "over", "done" or None, as add1._state."""
        spent = funded.astype(self.dtype) @ self.cost
        if exhaustive_stop:
            left = np.where(funded | self.unfundable[None, :], self.budget + 1, self.cost[None, :])
            done = left.min(axis=1) > self.budget - spent if left.shape[1] else np.ones(len(spent), bool)
        else:
            done = funded.sum(axis=1) == self.cands
        over = spent > self.budget
        return ["over" if o else ("done" if d else None) for o, d in zip(over, done, strict=True)]


def lockstep(election, sup: _Supports, rank, step, exhaustive_stop, cands):
    """add1.linear's answer for cost utility: (funded projects, the exact run, runs, step)."""
    b_first = election.budget / sup.num_voters
    cf = np.array([float(c) for c in election.costs])
    rank_arr = np.asarray(rank, dtype=np.int64)
    money = _Money(election.costs, election.budget, cands)

    def exact(k: int) -> _Run:
        r = _Run(election, sup, "cost", rank, b_first + k * step)
        r.run(cands)
        return r

    k, prev_k = 0, None  # prev_k: the last step neither done nor over
    nothing = np.zeros((1, len(cf)), dtype=bool)
    if cands and money.states(nothing, exhaustive_stop)[0] is None:
        # MES funds nothing until the share reaches the lowest cost per supporter, and an empty
        # outcome is neither done nor over: jump to the last step below that (as add1.search)
        first = min(election.costs[j] / sup.weight[j] for j in cands)
        k = max(0, int(-((b_first - first) // step)) - 1)
        prev_k = k - 1 if k > 0 else None
    size = FIRST_BLOCK
    runs = 0
    cap = max(1, MAX_CELLS // max(1, len(sup.mult)))
    while True:
        steps = np.arange(k, k + size)
        b = np.array([float(b_first + int(i) * step) for i in steps])
        block = _Block(sup, cf, rank_arr, cands, b)
        block.run()
        runs += size
        funded = block.funded
        states = money.states(funded, exhaustive_stop)
        for i, kk in enumerate(steps.tolist()):
            if not block.sure[i]:
                r = exact(kk)
                runs += 1
                row = np.zeros(len(cf), dtype=bool)
                row[r.chosen] = True
                state = money.states(row[None, :], exhaustive_stop)[0]
            else:
                state = states[i]
            if state == "over":
                if prev_k is None:
                    return [], None, runs, None
                return _finish(exact, prev_k, runs)
            if state == "done":
                return _finish(exact, kk, runs)
            prev_k = kk
        k += size
        size = min(4 * size, cap, MAX_BLOCK)


def _finish(exact, k: int, runs: int):
    run = exact(k)
    return list(run.chosen), run, runs + 1, k
