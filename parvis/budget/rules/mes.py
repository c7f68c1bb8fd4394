"""The Method of Equal Shares (Peters, Pierczyński, Skowron), as pabutools 1.2.3 computes it.

Every voter gets an equal share of the budget. In each round, the project that its supporters can
buy at the lowest price per unit of utility (rho) is funded; each supporter pays ``rho x utility``,
or all they have left if that is less. The rule stops when no project can be paid for by its
supporters. Utility is the project's cost ("cost", a voter values a project by what it costs) or 1
("approval"). Only whether a voter supports a project counts, so cumulative and ordinal ballots
count as approval of the projects they name, as pabutools' ``Cost_Sat``/``Cardinality_Sat`` do.

Completions: *Add1* reruns MES with the per-voter budget raised by ``increment`` (one currency unit
by default) until the outcome is exhaustive (stop) or no longer fits the budget (keep the previous
one), exactly as pabutools' ``voter_budget_increment``; with ``exhaustive_stop=False``, it goes on
past exhaustive outcomes up to the last affordable one (equalshares.net's variant, used by some
cities). *Add1 then greedy* fills what is left with greedy (cost utility).

Exactness. A run computes in floats (fast, vectorised), while every voter's budget is also tracked
symbolically: voters who paid the same prices in the same rounds share a "signature" whose exact
value (a ``Fraction``) is computed only when needed. Whenever two candidates' prices come within
rounding distance of each other, or a project is within rounding distance of being affordable,
the decision is taken on the exact values instead. The selected projects are therefore those exact
rational arithmetic gives; the explanation (rho, payers, money left) is exact as well.
"""

from __future__ import annotations

import heapq
from fractions import Fraction

import numpy as np

from . import explain as ex
from .greedy import greedy_select
from .profile import Election
from .tiebreak import tie_order

COMPLETIONS = ("none", "add1", "add1-greedy")
UTILITIES = ("cost", "approval")
_REL = 1e-9  # relative float tolerance under which a decision is re-taken exactly
_ABS = 1e-10  # absolute tolerance, as a fraction of the initial per-voter budget
_NOTHING = Fraction(0)


def _waterfill(values: list[Fraction], weights: list[int], cost: Fraction, lump: int = 0) -> Fraction | None:
    """Smallest equal share q with sum(w * min(v, q)) >= cost, or None if unaffordable.

    ``lump``: the weight of further supporters, each holding more than the answer (the caller
    checks it): they are not listed, and pay the share in full."""
    paid = Fraction(0)
    remaining = sum(weights) + lump
    # floats order the values as exactly as Fractions do, except between equal floats
    for v, w in sorted(zip(values, weights, strict=True), key=lambda vw: (float(vw[0]), vw[0])):
        q = (cost - paid) / remaining
        if q <= v:
            return q
        paid += w * v
        remaining -= w
    return (cost - paid) / lump if lump else None


def _float_share(
    b: np.ndarray, w: np.ndarray, c: float, total: float, start: float = 0.0, above: float = np.inf
) -> tuple[float, int]:
    """Float water-filling: the equal share q with sum(w * min(b, q)) = c, for supporters holding
    ``b`` with weights ``w`` (``total`` in all; the caller checked that they can afford c, beyond
    rounding); and how many supporters it caps (they pay all they hold). ``start``: a share known
    to be at most the answer (the same project's earlier share in the same run: shares only rise).
    Every step is a lower bound: once one exceeds ``above``, it is returned with a count of -1.

    Newton's method on that concave, piecewise-linear sum, from c / total, below the root: each
    step caps the supporters holding less than q, and q is exact once they are the right ones (two
    or three steps, on Warsaw-Mokotow's ballots); no sorting, which took twice as long. A capped
    supporter stays capped, so it ends even if rounding wavers."""
    spent = w * b
    q = max(c / total, start)
    capped = b < q
    n = -1
    while (m := int(np.count_nonzero(capped))) != n:
        n = m
        q = (c - float(np.dot(spent, capped))) / (total - float(np.dot(w, capped)))
        if q > above:
            return q, -1
        capped |= b < q
    return q, n


class _Supports:
    """Voter groups (identical support sets, weighted) and, per project, the groups supporting it."""

    def __init__(self, election: Election):
        lens, flat, mult = election.profile.distinct_groups()
        n_groups = len(lens)
        self.num_voters = int(election.profile.num_voters)
        self.mult = mult
        self.multf = mult.astype(np.float64)
        n_proj = len(election.project_ids)
        owner = np.repeat(np.arange(n_groups, dtype=np.int64), lens)
        order = np.argsort(flat, kind="stable")
        counts = np.bincount(flat, minlength=n_proj)
        self.sup = np.split(owner[order], np.cumsum(counts)[:-1]) if n_proj else []
        self.supw = [self.multf[s] for s in self.sup]
        self.weight = [int(mult[s].sum()) for s in self.sup]
        self._numbers: dict[str, tuple] = {}
        # overlap[a, b]: projects a and b share a supporter (funding a can change b's price)
        self.overlap = np.zeros((n_proj, n_proj), dtype=bool)
        chunk = 8192
        for start in range(0, n_groups, chunk):
            sel = (owner >= start) & (owner < start + chunk)
            m = np.zeros((min(chunk, n_groups - start), n_proj), dtype=np.float32)
            m[owner[sel] - start, flat[sel]] = 1.0
            self.overlap |= (m.T @ m) > 0

    def numbers(self, election: Election, utility: str) -> tuple[list[float], list[Fraction], list[float]]:
        """Costs as floats, utilities exact and as floats: computed once for all Add1 runs."""
        if utility not in self._numbers:
            costs = election.costs
            util = [c if utility == "cost" else Fraction(1) for c in costs]
            self._numbers[utility] = ([float(c) for c in costs], util, [float(u) for u in util])
        return self._numbers[utility]


class _Run:
    """One MES run with a given initial per-voter budget."""

    def __init__(self, election: Election, sup: _Supports, utility: str, rank: list[int], b0: Fraction):
        self.e = election
        self.s = sup
        self.rank = rank
        self.b0 = b0
        self.b0f = float(b0)
        costs = election.costs
        self.costs = costs
        self.cf, self.util, self.uf = sup.numbers(election, utility)
        n_types = len(sup.mult)
        self.sig = np.ones(n_types, dtype=np.int64)
        # signature 0: nothing left (exactly); 1: untouched initial share
        self.sig_f = np.zeros(1024, dtype=np.float64)  # grows with the signatures
        self.sig_f[1] = self.b0f
        # each signature's parent and the round that made it (grow with sig_f)
        self.sig_parent = np.zeros(len(self.sig_f), dtype=np.int64)
        self.sig_round = np.full(len(self.sig_f), -1, dtype=np.int64)
        self.n_sigs = 2
        self.scratch = np.zeros(0, dtype=np.int64)  # for group()
        self.sig_exact: dict[int, Fraction] = {0: Fraction(0), 1: b0}
        self.rounds: list[tuple[int, np.ndarray, np.ndarray]] = []  # project, distinct sigs, weights
        # what the Add1 search needs to compare two runs (see add1.py)
        self.chosen: list[int] = []
        self.round_rho: list[float] = []  # the winner's price, round by round
        self.round_exact: list[Fraction | None] = []  # and its exact value, when known for free
        self.pay_log: list[tuple[np.ndarray, np.ndarray]] = []  # supporters, their new signatures
        self.replayed = False  # funds what a run would, but may order projects sharing no supporter otherwise
        self.q_exact: dict[int, Fraction] = {}
        self.unaffordable_at: dict[int, int] = {}
        self.exact_fast: dict[int, Fraction] = {}  # exact rho known from the last float evaluation
        self.bounded = False  # the last float_rho gave a lower bound only
        self.split: dict[int, tuple] = {}  # see _inputs
        self.lump_min: dict[int, float] = {}
        self.last_q: dict[int, float] = {}  # each project's last equal share, a start for the next
        self.last_held: dict[int, np.ndarray] = {}  # supporters' signatures at each project's last evaluation

    # -- exact side ---------------------------------------------------------------------------
    def exact_sig(self, s: int) -> Fraction:
        """Exact budget of signature ``s``, computing what it depends on (iteratively, no recursion)."""
        cache = self.sig_exact
        if s in cache:
            return cache[s]
        stack = [s]
        while stack:
            t = stack[-1]
            if t in cache:
                stack.pop()
                continue
            parent, k = int(self.sig_parent[t]), int(self.sig_round[t])
            if parent not in cache:
                stack.append(parent)
                continue
            if k not in self.q_exact:
                missing = [x for x in self._inputs(k)[0] if x not in cache]
                if missing:
                    stack.extend(missing)
                    continue
                self._solve(k)
            left = cache[parent] - self.q_exact[k]
            cache[t] = left if left.numerator > 0 else _NOTHING  # a sign test, not a Fraction comparison
            stack.pop()
        return cache[s]

    def exact_q(self, k: int) -> Fraction:
        """Round k's exact equal share."""
        if k not in self.q_exact:
            for x in self._inputs(k)[0]:
                self.exact_sig(x)
            self._solve(k)
        return self.q_exact[k]

    def _inputs(self, k: int) -> tuple[list[int], list[int], int]:
        """What round k's exact share needs: the signatures that may be capped (holding no more
        than the float share, beyond rounding) and their weights, and the weight of the others,
        who surely paid the share in full and whose exact budgets are not needed. Computing only
        those keeps an explanation's exact arithmetic to a fraction of the signatures."""
        if k in self.split:
            return self.split[k]
        j, sigs, weights = self.rounds[k]
        if self.round_exact[k] is not None:  # known for free (a plain share, or decided exactly)
            self.split[k] = ([], [], 0)
            return self.split[k]
        b = self.sig_f[sigs]
        full = b > self.round_rho[k] * self.uf[j] * (1 + _REL) + _ABS * self.b0f
        ws = np.asarray(weights, dtype=np.int64)
        self.split[k] = (sigs[~full].tolist(), ws[~full].tolist(), int(ws[full].sum()))
        self.lump_min[k] = float(b[full].min()) if full.any() else np.inf
        return self.split[k]

    def _solve(self, k: int) -> None:
        j, sigs, weights = self.rounds[k]
        if self.round_exact[k] is not None:
            self.q_exact[k] = self.round_exact[k] * self.util[j]
            return
        cand, ws, lump = self._inputs(k)
        cache = self.sig_exact
        q = _waterfill([cache[x] for x in cand], ws, self.costs[j], lump)
        if q is None or (lump and not float(q) < self.lump_min[k] - 0.5 * _ABS * self.b0f):
            # not provably below every full payer's budget: the share from every supporter
            weights = weights.astype(np.int64).tolist()
            q = _waterfill([self.exact_sig(int(x)) for x in sigs], weights, self.costs[j])
        assert q is not None, "a funded project must have been affordable"
        self.q_exact[k] = q

    def positive(self, sigs: np.ndarray) -> np.ndarray:
        """Which signatures hold more than nothing, exactly (floats decide beyond rounding)."""
        b = self.sig_f[sigs]
        out = b > _ABS * self.b0f
        for i in np.flatnonzero(~out & (sigs != 0)).tolist():
            out[i] = self.exact_sig(int(sigs[i])) > 0
        return out

    def money_left(self, j: int) -> Fraction:
        """What j's supporters hold now, exactly. A supporter holding anything paid every share in
        full, so this is (live weight) x b0 - sum over rounds of (live weight that paid) x share:
        one exact product a round instead of one exact budget a voter group."""
        groups, w = self.s.sup[j], self.s.supw[j]
        live = np.zeros(len(self.s.mult))
        live[groups] = np.where(self.positive(self.sig[groups]), w, 0.0)
        spent = Fraction(0)
        for k, (paid, _) in enumerate(self.pay_log):
            if v := int(live[paid].sum()):
                spent += v * self.exact_q(k)
        return int(live.sum()) * self.b0 - spent

    def exact_rho(self, j: int) -> Fraction | None:
        if j in self.exact_fast:
            return self.exact_fast[j]
        sigs, ws, _ = self.held(j)
        return self.exact_price(j, sigs, ws)

    def exact_price(self, j: int, sigs: np.ndarray, ws: np.ndarray) -> Fraction | None:
        """Exact price of j for supporters holding signatures ``sigs`` (distinct, ``ws`` voters each)."""
        q = _waterfill([self.exact_sig(int(s)) for s in sigs], ws.astype(np.int64).tolist(), self.costs[j])
        return None if q is None else q / self.util[j]

    # -- float side ----------------------------------------------------------------------------
    def err(self, j: int, rho: float) -> float:
        """How far a float price ``rho`` of j may be from the exact one."""
        return _REL * rho + (_ABS * self.b0f + 1e-13 * self.cf[j]) / self.uf[j]

    def errs(self, projects: np.ndarray, rho: np.ndarray) -> np.ndarray:
        """``err`` for many projects at once (their prices ``rho``)."""
        cf, uf = np.asarray(self.cf)[projects], np.asarray(self.uf)[projects]
        return _REL * rho + (_ABS * self.b0f + 1e-13 * cf) / uf

    def margin(self, j: int) -> float:
        """Within this of j's cost, what its supporters hold does not decide in floats whether they
        can pay for it."""
        return _REL * self.cf[j] + _ABS * self.b0f * self.s.weight[j]

    def count(self, sig_s: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct signatures among supporters holding ``sig_s`` (weights ``w``), and their total
        weights. Supporters sharing a payment history share a signature, so this is counted
        (bincount) rather than sorted whenever signatures are few for the supporters."""
        if self.n_sigs <= 16 * len(sig_s) + 1024:  # counting beats sorting up to there
            total = np.bincount(sig_s, weights=w, minlength=self.n_sigs)
            sigs = total.nonzero()[0]
            return sigs, total[sigs]
        return self.group(sig_s, w)[:2]

    def group(self, sig_s: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Supporters grouped by signature, in linear time (no sorting): the distinct signatures, their
        total weights, and each supporter's place among them."""
        n = len(sig_s)
        if n == 0:
            return sig_s, np.zeros(0), sig_s
        if len(self.scratch) < self.n_sigs:
            self.scratch = np.zeros(len(self.sig_f), dtype=np.int64)
        if self.n_sigs <= n:  # few signatures for many supporters: count them
            sigs = np.bincount(sig_s, minlength=self.n_sigs).nonzero()[0]
        else:
            at = np.arange(n)
            self.scratch[sig_s] = at  # one supporter of each signature (the last) represents it
            sigs = sig_s[self.scratch[sig_s] == at]
        self.scratch[sigs] = np.arange(len(sigs))
        slot = self.scratch[sig_s]
        return sigs, np.bincount(slot, weights=w, minlength=len(sigs)), slot

    def held(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """j's supporters now: distinct signatures, their weights, and each supporter's signature."""
        sig_s = self.sig[self.s.sup[j]]
        return (*self.count(sig_s, self.s.supw[j]), sig_s)

    def price(
        self,
        j: int,
        sig_s: np.ndarray,
        w: np.ndarray,
        start: float = 0.0,
        above: float = np.inf,
        coarse: bool = False,
    ) -> tuple[float | None, Fraction | None | bool]:
        """j's price (rho) for its supporters holding signatures ``sig_s`` (one entry per voter group,
        ``w`` voters each; signatures may repeat): as a float (None: unaffordable), and exactly when
        that comes for free. Floats need no grouping by signature, so none is made unless a decision
        is taken exactly.

        Affordability within rounding is decided exactly. When every supporter either has exactly
        nothing left or surely holds more than the equal share ``c / payers``, that share is the
        price and its exact value is known for free; this is where exact ties (equal numbers of
        payers) come from, so it keeps tie checks cheap.

        ``above``: a price that j's surely exceeds is not worth computing in full: it comes back as
        a lower bound, with False in place of the exact value, once one surely exceeds ``above``
        (beyond the rounding margin ``err``); with ``coarse``, that bound may be ``above`` itself
        (plus the margin), when one pass shows it.
        """
        b = self.sig_f[sig_s]
        avail = float(b @ w)
        c = self.cf[j]
        margin = self.margin(j)
        if avail < c - margin:
            return None, None
        if avail <= c + margin:
            exact = self.exact_price(j, *self.count(sig_s, w))
            return (None, None) if exact is None else (float(exact), exact)
        total = self.s.weight[j]
        uf = self.uf[j]
        if above < np.inf:  # rho - err(rho) > above, in shares, with room for rounding
            above = uf * (above + (_ABS * self.b0f + 1e-13 * c) / uf) / (1 - _REL) * (1 + 1e-12)
            if coarse and float(np.minimum(b, above) @ w) < c - margin:
                # a share of ``above`` leaves the cost unpaid: the share is larger (one pass
                # instead of Newton's steps, for a caller that needs no better bound than that)
                return above / uf, False
        q, capped = _float_share(b, w, c, total, start, above)
        if capped < 0:
            return q / uf, False
        zero = sig_s == 0  # signature 0: exactly nothing left
        if capped == np.count_nonzero(zero):
            # only those are capped: the plain share c / payers, if no payer is within rounding of it
            payers = total - int(np.dot(w, zero)) if capped else total
            q = c / payers
            if (b[~zero] if capped else b).min() > q * (1 + 1e-9) + _ABS * self.b0f:
                return q / self.uf[j], self.costs[j] / payers / self.util[j]
        return q / self.uf[j], None

    def float_rho(self, j: int, above: float = np.inf) -> float | None:
        """j's price now as a float (None if unaffordable); its exact value, when known for free,
        is kept in ``exact_fast`` until j's supporters pay again. If it surely exceeds ``above``,
        a lower bound on it may come instead, and j stays in ``self.bounded``."""
        sig_s = self.sig[self.s.sup[j]]
        self.last_held[j] = sig_s  # still true when j is funded: nothing paid since (else j is dirty)
        w = self.s.supw[j]
        if 4 * self.n_sigs < len(sig_s):  # many supporters share few budgets: price those (a large city)
            sig_s, w = self.count(sig_s, w)
        rho, exact = self.price(j, sig_s, w, self.last_q.get(j, 0.0), above)
        if rho is not None:  # a lower bound on j's next share, kept off rounding
            self.last_q[j] = rho * self.uf[j] * (1 - 1e-12)
        if exact is False:
            self.bounded = True
            self.exact_fast.pop(j, None)  # j stays dirty: fully priced before it can win
            return rho
        self.bounded = False
        if exact is None:
            self.exact_fast.pop(j, None)
        else:
            self.exact_fast[j] = exact
        return rho

    def pay(self, j: int, q: float) -> None:
        """Every supporter pays ``q`` or all they have left; supporters sharing a signature move together."""
        sig_s = self.last_held.pop(j, None)
        if sig_s is None:
            sig_s = self.sig[self.s.sup[j]]
        sigs, ws, slot = self.group(sig_s, self.s.supw[j])
        k = len(self.rounds)
        self.rounds.append((j, sigs, ws))
        new = self.sig_f[sigs] - q
        keep = (sigs != 0) & (new >= -_ABS * self.b0f)  # the others certainly have nothing left: signature 0
        n_new = int(np.count_nonzero(keep))
        new_ids = np.zeros(len(sigs), dtype=np.int64)
        if n_new:
            need = self.n_sigs + n_new
            if need > len(self.sig_f):
                more = need + len(self.sig_f)
                self.sig_f = np.concatenate((self.sig_f, np.zeros(more)))
                self.sig_parent = np.concatenate((self.sig_parent, np.zeros(more, dtype=np.int64)))
                self.sig_round = np.concatenate((self.sig_round, np.zeros(more, dtype=np.int64)))
            new_ids[keep] = ids = np.arange(self.n_sigs, need)
            self.sig_f[ids] = np.maximum(new[keep], 0.0)
            self.sig_parent[ids] = sigs[keep]
            self.sig_round[ids] = k
            self.n_sigs = need
        new_sig = new_ids[slot]
        self.sig[self.s.sup[j]] = new_sig
        self.pay_log.append((self.s.sup[j], new_sig))

    # -- the rule ------------------------------------------------------------------------------
    def run(self, candidates: list[int], hint: _Run | None = None, record: bool = False) -> list[int]:
        """Projects funded, in order (candidates: supported projects of positive cost).

        Prices only rise as voters spend, so a project's last computed rho is a lower bound: the
        projects are kept in a heap by that bound and only those that could still win are recomputed.

        ``hint``: a run at a larger budget that recorded (``record``) every project's lower bound
        at each of its rounds. While both runs have funded the same projects in the same order,
        voters hold no more here than there, so prices are no lower here: its bounds are bounds
        here too, often tight enough to skip a project that would otherwise be recomputed.
        """
        inf = float("inf")
        heap = [(self.cf[j] / (self.s.weight[j] * self.uf[j]), j) for j in candidates]
        heapq.heapify(heap)
        dirty = np.ones(len(self.costs), dtype=bool)  # price changed since last computed
        known = [0.0] * len(self.costs)  # each project's lower bound, kept for a later run's hint
        for stale, j in heap:
            known[j] = stale
        self.bounds = []
        chosen: list[int] = []
        while heap:
            best = float("inf")
            best_err = 0.0
            evaluated: list[tuple[float, int]] = []
            lower = hint.bounds[len(chosen)] if hint is not None and len(chosen) < len(hint.bounds) else None
            while heap:
                stale, j = heap[0]
                if stale - self.err(j, stale) > best + best_err:
                    break
                heapq.heappop(heap)
                if lower is not None and lower[j] > stale and dirty[j]:
                    if lower[j] == inf:  # unaffordable with more money: unaffordable here
                        self.unaffordable_at[j] = len(chosen)
                        known[j] = inf
                    else:
                        heapq.heappush(heap, (lower[j], j))
                        known[j] = lower[j]
                    continue
                if dirty[j]:
                    rho = self.float_rho(j, best + best_err)
                    if self.bounded:  # surely dearer than best: keep the better bound, still dirty
                        heapq.heappush(heap, (rho, j))
                        known[j] = rho
                        continue
                    dirty[j] = False
                else:
                    rho = stale  # none of its supporters paid since: still its price
                if rho is None:
                    self.unaffordable_at[j] = len(chosen)
                    known[j] = inf
                    continue
                known[j] = rho
                evaluated.append((rho, j))
                if rho < best:
                    best, best_err = rho, self.err(j, rho)
            if record:
                self.bounds.append(known.copy())  # a list: cheap to copy and to read one by one
            if not evaluated:
                break
            near = [j for rho, j in evaluated if rho - self.err(j, rho) <= best + best_err]
            exact = {}
            if len(near) == 1:
                winner = near[0]
            else:
                exact = {j: self.exact_rho(j) for j in near}
                exact = {j: r for j, r in exact.items() if r is not None}
                low = min(exact.values())
                winner = min((j for j, r in exact.items() if r == low), key=self.rank.__getitem__)
            if hint is not None and (len(chosen) >= len(hint.chosen) or hint.chosen[len(chosen)] != winner):
                hint = None  # the runs part: their states differ from here on
            chosen.append(winner)
            for rho, j in evaluated:
                if j == winner:
                    self.round_rho.append(rho)
                    self.round_exact.append(exact.get(j, self.exact_fast.get(j)))
                    self.pay(j, rho * self.uf[j])
                    dirty |= self.s.overlap[j]
                else:
                    heapq.heappush(heap, (rho, j))
        self.chosen = chosen
        return chosen

    def replay(self, order: list[int]) -> bool:
        """Fund ``order`` in turn (another run's outcome) at this run's budget, comparing nothing:
        a fraction of a run. False if one of them is unaffordable."""
        for j in order:
            rho = self.float_rho(j)
            if rho is None:
                return False
            self.round_rho.append(rho)
            self.round_exact.append(self.exact_fast.get(j))
            self.pay(j, rho * self.uf[j])
        self.chosen = list(order)
        self.replayed = True
        return True

    def affordable(self, j: int) -> bool:
        """Can j's supporters pay for it now (decided exactly near the boundary)?"""
        return self.price(j, self.sig[self.s.sup[j]], self.s.supw[j])[0] is not None


def _candidates(election: Election, sup: _Supports, utility: str) -> tuple[list[int], list[int]]:
    """Free projects funded up front, and the projects MES considers.

    As in pabutools, a voter supports a project when it gives them positive utility: with cost
    utility a free project gives none, so it is never funded by MES.
    """
    free = [j for j, c in enumerate(election.costs) if c == 0 and sup.weight[j] > 0 and utility != "cost"]
    cands = [j for j, c in enumerate(election.costs) if c > 0 and sup.weight[j] > 0]
    return free, cands


def equal_shares(
    election: Election,
    *,
    utility: str = "cost",
    completion: str = "none",
    increment=1,
    exhaustive_stop: bool = True,
    tie_break: str = "lexico",
    seed=None,
    workers: int = 1,
) -> ex.Outcome:
    """Method of Equal Shares with an optional completion (see the module docstring). ``workers``:
    processes an Add1 search may use (``add1_split``: two at most)."""
    if utility not in UTILITIES:
        raise ValueError(f"unknown utility {utility!r} (expected one of {', '.join(UTILITIES)})")
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r} (expected one of {', '.join(COMPLETIONS)})")
    step = Fraction(str(increment)) if not isinstance(increment, int | Fraction) else Fraction(increment)
    if completion != "none" and step <= 0:
        raise ValueError("the Add1 increment must be positive")
    sup = _Supports(election)
    votes = [int(w) for w in sup.weight]
    rank = tie_order(tie_break, election.project_ids, election.costs, votes, seed)
    free, cands = _candidates(election, sup, utility)
    budget = election.budget
    costs = election.costs
    n = sup.num_voters
    chosen: list[int] = []
    run = None
    runs = k = 0
    if n > 0:  # like pabutools, MES funds nothing without voters (a completion still may)
        if completion != "none" and workers > 1:
            from . import add1_split

            args = (election, sup, utility, rank, step, exhaustive_stop, free, cands)
            chosen, run, runs, k = add1_split.search(*args)
        else:
            chosen, run, runs, k = _add1(
                election, sup, utility, rank, completion, step, exhaustive_stop, free, cands
            )
    iterations = runs
    extra: list[int] = []
    if completion == "add1-greedy":
        spent = sum((costs[j] for j in chosen), Fraction(0))
        taken = set(chosen)
        if any(spent + c <= budget for j, c in enumerate(costs) if j not in taken):
            extra, _, _, _ = greedy_select(election, "cost", tie_break, seed, initial=chosen)
    facts = run  # the helper process of a split Add1 search sends its run's facts
    if run is not None and not isinstance(run, Facts):
        facts = Facts(run, sup, set(chosen) | set(extra))
    return _outcome(election, sup, utility, completion, chosen, facts, extra, iterations, votes, k)


def _add1(election, sup, utility, rank, completion, step, exhaustive_stop, free, cands, **within):
    """MES, rerun with a growing per-voter budget when an Add1 completion is asked for. ``within``:
    ``add1.search``'s ``start``, ``bound`` and ``first_span``, to search a range of steps only."""
    if completion == "none":
        run = _Run(election, sup, utility, rank, election.budget / sup.num_voters)
        return free + run.run(cands), run, 1, 0
    from . import add1, add1_lockstep  # both build on this module's runs

    handover = None
    if utility == "cost" and add1_lockstep.suits(sup, cands):  # no free projects with cost utility
        bound = within.get("bound")

        def handover(k, run, runs):  # certificates skip little: many steps at a time instead
            return add1_lockstep.lockstep(
                election, sup, rank, step, exhaustive_stop, cands, (k, run), runs, bound
            )

    return add1.search(election, sup, utility, rank, step, exhaustive_stop, free, cands, handover, **within)


class Facts:
    """What an outcome's explanation reads from the run that decided it, exactly: each funded
    project's price (rho) and payers, what the supporters of each other project hold, and the
    per-voter budget. Plain data, so that another process can compute it (``add1_split``)."""

    def __init__(self, run: _Run, sup: _Supports, skip) -> None:
        self.rounds = {}
        for k, (j, sigs, weights) in enumerate(run.rounds):
            q = run.exact_q(k)
            payers = int(weights[run.positive(sigs)].sum())
            self.rounds[j] = (q / run.util[j], payers)
        self.left = {
            j: run.money_left(j) for j in range(len(sup.weight)) if j not in skip and sup.weight[j] > 0
        }
        self.b0 = run.b0


def _outcome(
    election, sup, utility, completion, chosen, facts: Facts | None, extra, iterations, votes, steps=0
) -> ex.Outcome:
    ids, costs = election.project_ids, election.costs
    position = {j: k + 1 for k, j in enumerate(chosen + extra)}
    mes_rounds = facts.rounds if facts is not None else {}
    in_mes = set(chosen)
    in_extra = set(extra)
    results = []
    for j in range(len(ids)):
        rho = payers = left = None
        stage = None
        if j in in_mes:
            reason = ex.FUNDED
            stage = "equal shares"
            if j in mes_rounds:
                rho, payers = mes_rounds[j]
            else:
                rho, payers, stage = Fraction(0), 0, "free project"
        elif j in in_extra:
            reason, stage = ex.FUNDED, "greedy completion"
        elif sup.weight[j] == 0:
            reason = ex.NO_SUPPORT
        else:
            reason = (
                ex.BUDGET_EXHAUSTED
                if in_extra or completion == "add1-greedy"
                else ex.SUPPORTERS_CANNOT_AFFORD
            )
            if facts is not None:
                left = facts.left[j]
        results.append(
            ex.ProjectResult(
                project_id=ids[j],
                cost=costs[j],
                votes=votes[j],
                funded=j in position,
                reason=reason,
                position=position.get(j),
                rho=rho,
                payers=payers,
                money_left=left,
                stage=stage,
            )
        )
    selected = chosen + extra
    details = {
        "utility": utility,
        "completion": completion,
        "voter_budget": facts.b0 if facts is not None else Fraction(0),
        "runs": iterations,
        "add1_steps": steps,
    }
    return ex.Outcome(
        rule=f"mes/{utility}" + ("" if completion == "none" else f"/{completion}"),
        selected=tuple(ids[j] for j in selected),
        total_cost=sum((costs[j] for j in selected), Fraction(0)),
        budget=election.budget,
        projects=tuple(results),
        details=details,
    )
