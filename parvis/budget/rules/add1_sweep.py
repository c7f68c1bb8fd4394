"""One Add1 certificate's replay at many budgets at once, to compare two prices budget by budget.

Why: a certificate (``add1.certified``) bounds a price over its span by its values at the two ends
(prices fall as the per-voter budget b rises). Where two projects stay within that drift of a tie
for hundreds of steps (Budapest 2024), no bound from the ends can order them, and the search ran
those steps one at a time. Both prices can instead be computed at every step of the span, or at a
grid of steps with the same bounds between neighbouring points: refined only where they come
close, a few dozen points prove the order over hundreds of steps.

A certificate collects the comparisons its bounds could not settle (``precedes``, ``in_order``,
``unaffordable``) and ``settle`` decides them together, each round of refinement replaying the
span at the new points of all of them at once (a replay costs about a millisecond whatever the
number of points, up to a few dozen). If one fails at a step, the steps before it are still
proven: the search then jumps there and runs the next step.

The replay at b_hi (``hi``) holds every voter group's payment history as a tree of signatures; a
voter capped there (signature 0) is capped at every lower budget too. So the same tree, each node
holding max(0, its parent's budget - the round's share), gives every group's budget at each lower
budget of the span, one column per budget: a round's share is a water-filling per column.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .mes import _Run

#: Points of a first grid over a span; at most this many more in a gap that bounds could not settle.
GRID = 16
MAX_CUT = 64


def _shares(held: np.ndarray, w: np.ndarray, c: float, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """For each column of ``held`` (supporters x budgets; ``w`` voters each), the equal share q with
    sum(w * min(held, q)) = c, nan where the supporters surely cannot afford c; and where that is
    within ``margin`` of what they hold (affordable or not: not decided in floats).

    Newton's method from c / (total weight), below the root, as mes._float_share: each step caps
    the supporters holding less than q, and never uncaps one (it ends even if rounding wavers)."""
    total = float(w.sum())
    q = np.full(held.shape[1], c / total)
    capped = held < q[0]
    if not capped.any():  # everyone pays the plain share, which they all hold
        return q, np.zeros(held.shape[1], dtype=bool)
    n = -1
    with np.errstate(divide="ignore", invalid="ignore"):
        while (m := int(np.count_nonzero(capped))) != n:
            n = m
            q = (c - w @ (held * capped)) / (total - w @ capped)
            capped |= held < q[None, :]
    avail = w @ held
    q[avail < c] = np.nan
    return q, np.abs(avail - c) <= margin


class _Check:
    """A comparison high(b) < low(b) at every step, both given at columns of computed points.

    ``rising``: high rises with b and low is fixed (affordability), so a gap between two points
    is settled by the upper one. Otherwise both fall as b rises: between two points, high is at
    most its value at the lower one and low at least its value at the upper one."""

    def __init__(self, high, low, tag, rising: bool = False) -> None:
        self.high, self.low, self.tag, self.rising = high, low, tag, rising
        self.high_at: dict[int, float] = {}
        self.low_at: dict[int, float] = {}
        self.cuts: list[np.ndarray] = []

    def gaps(self, fail: int) -> list[tuple[int, int, bool]]:
        """Gaps between computed points, below ``fail``, that the bounds do not settle: (a, z,
        whether z is computed here; if not, ``fail`` came from another comparison, and the gap
        ends just before it)."""
        out = []
        for cut in self.cuts:
            for a, z in zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True):
                if a >= fail:
                    break
                z = min(z, fail)
                if z not in self.high_at:
                    if z - 1 > a:
                        out.append((a, z - 1, False))
                    continue
                if z - a <= 1:
                    continue
                if self.rising:
                    if z < fail:  # held there: it holds below, what supporters hold rises with b
                        continue
                elif self.high_at[a] < self.low_at[z]:
                    continue
                out.append((a, z, True))
        return out


class Sweep:
    """The replay ``hi`` (funding what ``lo`` funds) at the budgets b_lo + i * step, 0 <= i <= n.
    Rounding margins are ``hi``'s (``err``, ``margin``): at b_hi, the largest budget, they bound
    those at every budget of the span."""

    def __init__(self, lo: _Run, hi: _Run, step) -> None:
        self.hi = hi
        self.n = int((hi.b0 - lo.b0) / step)
        self.limit = self.n  # steps past b_lo proven so far: the span, until a comparison fails
        # b_lo + i * step = (num + i * step_num) / den, in integers: rounded once, as float(Fraction)
        b_lo, step = Fraction(lo.b0), Fraction(step)
        den = b_lo.denominator * step.denominator
        self.b_num = (b_lo.numerator * step.denominator, den)
        self.step_num = step.numerator * b_lo.denominator
        n_sigs = hi.n_sigs
        self.made: list[np.ndarray] = []  # the signatures each round made (see _add)
        self.parent = hi.sig_parent[:n_sigs]
        self.points = np.zeros(0, dtype=np.int64)  # steps computed so far, in columns
        self.column: dict[int, int] = {}
        self.held = np.zeros((n_sigs, 0))  # each signature's budget at each point
        self.rho = np.zeros((len(hi.rounds), 0))  # each round's price at each point
        self.broken = np.zeros(0, dtype=bool)  # a funded project unaffordable there (not the trace)
        self.checks: list[_Check] = []
        self.rounds = 0  # rounds the comparisons collected read: the replay stops after them
        self.replayed = 0  # rounds replayed at the points computed

    def _add(self, points: np.ndarray) -> None:
        """Replay at more points (steps within the span, not yet computed)."""
        hi = self.hi
        if not self.made:  # first replay: the signatures each round made, in order
            made = hi.sig_round[2 : hi.n_sigs]
            order = np.argsort(made, kind="stable") + 2
            bounds = np.searchsorted(made[order - 2], np.arange(len(hi.rounds) + 1))
            self.made = [order[bounds[k] : bounds[k + 1]] for k in range(len(hi.rounds))]
        num, den = self.b_num
        b = np.array([(num + int(i) * self.step_num) / den for i in points])  # float(b_lo + i step)
        held = np.zeros((hi.n_sigs, len(points)))
        held[1] = b
        rho = np.zeros((len(hi.rounds), len(points)))
        for k, (j, sigs, ws) in enumerate(hi.rounds[: self.rounds]):
            q, unsure = _shares(held[sigs], np.asarray(ws, dtype=np.float64), hi.cf[j], hi.margin(j))
            rho[k] = np.where(unsure, np.nan, q / hi.uf[j])  # nan: not this trace, or not surely
            new = self.made[k]
            held[new] = np.maximum(held[self.parent[new]] - q[None, :], 0.0)
        self.column.update((int(p), len(self.points) + c) for c, p in enumerate(points.tolist()))
        self.points = np.concatenate((self.points, points))
        self.held = np.concatenate((self.held, held), axis=1)
        self.rho = np.concatenate((self.rho, rho), axis=1)
        self.broken = np.concatenate((self.broken, np.isnan(rho).any(axis=0)))

    def _high(self, t: int):
        """Round t's price plus rounding, at columns (inf where the replay broke)."""
        x = self.hi.chosen[t]

        def high(cols: np.ndarray) -> np.ndarray:
            rho = self.rho[t, cols]
            return np.where(self.broken[cols], np.inf, rho + self.hi.err(x, rho))

        return high

    def precedes(self, t: int, j: int, sigs: np.ndarray, w: np.ndarray) -> None:
        """To settle: at every step, round t's price is surely below j's price for supporters
        holding signatures ``sigs`` (per supporter group, ``w`` voters each; signatures of
        ``hi``'s tree, read at each budget)."""
        hi = self.hi
        distinct, weight = hi.count(sigs, w)  # one row per distinct signature

        def low(cols: np.ndarray) -> np.ndarray:
            q, unsure = _shares(self.held[np.ix_(distinct, cols)], weight, hi.cf[j], hi.margin(j))
            rho = np.where(np.isnan(q), np.inf, q / hi.uf[j])  # unaffordable: never cheaper
            low = rho - np.where(np.isinf(rho), 0.0, self.hi.err(j, rho))
            return np.where(unsure, -np.inf, low)  # affordable or not within rounding: not sure

        self.checks.append(_Check(self._high(t), low, j))
        self._reads(t, distinct)

    def in_order(self, t1: int, t2: int) -> None:
        """To settle: round t1's price is surely below round t2's at every step."""
        x = self.hi.chosen[t2]
        self.checks.append(
            _Check(self._high(t1), lambda cols: self.rho[t2, cols] - self.hi.err(x, self.rho[t2, cols]), x)
        )
        self._reads(max(t1, t2), np.zeros(0, dtype=np.int64))

    def unaffordable(self, j: int, sigs: np.ndarray, w: np.ndarray) -> None:
        """To settle: supporters holding ``sigs`` surely cannot pay for j at any step."""
        hi = self.hi
        distinct, weight = hi.count(sigs, w)  # one row per distinct signature
        need = hi.cf[j] - hi.margin(j)

        def held(cols: np.ndarray) -> np.ndarray:
            return np.where(self.broken[cols], np.inf, weight @ self.held[np.ix_(distinct, cols)])

        self.checks.append(_Check(held, lambda cols: np.full(len(cols), need), j, rising=True))
        self._reads(-1, distinct)

    def _reads(self, t: int, sigs: np.ndarray) -> None:
        """A comparison reads round t's price and signatures ``sigs``: rounds up to those."""
        made = int(self.hi.sig_round[sigs].max()) if len(sigs) else -1
        self.rounds = max(self.rounds, t + 1, made + 1)

    def settle(self):
        """Decide the comparisons collected, all at once: ``limit`` becomes the last step before
        the first one where one of them is not sure (-1 if that is b_lo's own). Returns the tag
        (a project) of the comparison that failed first, or None if all held."""
        fail, culprit = self.limit + 1, None  # the first step not proven
        if self.rounds > self.replayed:  # columns computed before stopped short of these rounds
            self.points = np.zeros(0, dtype=np.int64)
            self.column = {}
            self.held, self.rho, self.broken = self.held[:, :0], self.rho[:, :0], self.broken[:0]
            self.replayed = self.rounds
        first = np.linspace(0, self.limit, min(GRID, self.limit) + 1).round().astype(np.int64)
        for check in self.checks:
            check.cuts = [first]
        live = self.checks
        while live:
            wanted = [np.concatenate(c.cuts) for c in live]
            new = np.setdiff1d(np.concatenate(wanted), self.points)
            new = new[new < fail]
            if len(new):
                self._add(new)
            for check, points in zip(live, wanted, strict=True):
                points = np.unique(points[points < fail])
                points = points[[p not in check.high_at for p in points.tolist()]]
                if not len(points):
                    continue
                cols = np.array([self.column[p] for p in points.tolist()], dtype=np.int64)
                high, low = check.high(cols), check.low(cols)
                check.high_at.update(zip(points.tolist(), high.tolist(), strict=True))
                check.low_at.update(zip(points.tolist(), low.tolist(), strict=True))
                bad = points[~(high < low)]  # within rounding of a tie, or the wrong way, there
                if len(bad) and int(bad.min()) < fail:
                    fail, culprit = int(bad.min()), check.tag
            for check in live:
                check.cuts = [
                    _cut(a, z, check.high_at, check.low_at)
                    if known and not check.rising
                    else np.linspace(a, z, min(GRID, z - a) + 1).round().astype(np.int64)
                    for a, z, known in check.gaps(fail)
                ]
            live = [c for c in live if c.cuts]
        self.checks = []
        if fail <= self.limit:
            self.limit = fail - 1
            return culprit
        return None


def _cut(a: int, z: int, high_at: dict[int, float], low_at: dict[int, float]) -> np.ndarray:
    """Points that should settle the gap between a and z (high(a) >= low(z)): where low falls by
    about d a step, the next point after p is p + (low(p) - high(p)) / (2 d) steps on, with the
    margin low - high interpolated between the ends: close together only near a crossing."""
    m_a, m_z = low_at[a] - high_at[a], low_at[z] - high_at[z]
    fall = (low_at[a] - low_at[z]) / (z - a)
    if not (np.isfinite(m_a) and np.isfinite(m_z) and fall > 0):
        return np.linspace(a, z, min(GRID, z - a) + 1).round().astype(np.int64)
    points, p = [a], a
    while p < z and len(points) < MAX_CUT:
        margin = m_a + (m_z - m_a) * (p - a) / (z - a)
        if margin < 0 and len(points) > 2:  # past the crossing: z is the first failure, or later
            break
        p = min(z, p + max(1, int(margin / (2 * fall))))
        points.append(p)
    if p < z:
        points.append(z)  # a later cut settles the rest
    return np.array(points, dtype=np.int64)
