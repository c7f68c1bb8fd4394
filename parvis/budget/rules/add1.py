"""The Add1 completion of the Method of Equal Shares, skipping the steps proved to change nothing.

pabutools' Add1 reruns MES with each voter's budget raised by a fixed step until the outcome is
exhaustive (or no longer fits the budget: then the previous one is kept). That is one full run per
step: 1,618 on Toulouse 2022, 22,001 on Budapest 2024, thousands in a participatory budget's small
reserved stage. Where the outcome is stable over many steps, we *probe* a step h ahead: replay the
current outcome at h's budget (no comparisons: a fraction of a run) and, when a certificate proves
that every budget in between funds the same projects, jump to h. Comparisons that the span's two
ends cannot settle (two projects close to a tie) are made step by step (``add1_sweep``), and a
certificate that fails at a step still proves the steps before it: the search jumps there, runs the
next step and probes again. A probe that proves nothing costs a replay and a certificate (on
Budapest, a few runs' worth): a long one is retried at once at half the span (a span that failed is
tried again only after four probes succeeded at half of it); a short one, or one that proves only a
step or two, sends the search one run at a time over its span. If the outcome changed once there,
probing goes on at once; if it did not change or changed more than once (Warsaw-Mokotow, where it
changes every step or two), the search keeps running steps one at a time for a while, longer each
time that happens. So it is never much slower than the loop (``linear``, kept as the reference the
tests compare with) and gives the same step and the same outcome. (With cost utility and few
supporter groups a project, where the outcome changes every few steps, ``add1_lockstep`` runs many
steps at a time instead.)

The certificate rests on three facts about MES with cost or approval utility, where all supporters
of a project value it the same:

1. Funding two projects with no supporter in common commutes. So what a run computes depends only on
   its *trace*: the funded projects and, for each pair sharing a supporter, which came first.
   After any downward-closed part D of the trace the voters' budgets are determined.
2. For a fixed trace, every voter's budget after any such D is nondecreasing in the initial
   per-voter budget b (a payer keeps max(0, budget - q), and the equal share q falls as budgets
   rise), so a funded project's price pi_r(b) is nonincreasing in b; and any project's price can
   only rise as more of the trace is funded.
3. A run picks, among affordable projects, the lowest (price, tie-break rank); prices never fall
   during a run.

Let the run at b_lo and the replay at b_hi have the same trace T, with U_r = pi_r(b_lo) >= pi_r(b) and
L_r = pi_r(b_hi) <= pi_r(b) for b in [b_lo, b_hi]. If U_p <= L_x whenever p precedes x in T, then when
r is the cheapest ready project of T at b, every funded w with U_w < L_r, and everything preceding r
or such a w, is already funded (call it before(r)). If moreover, for every r and every project j that
may still be waiting and not ready then (not funded, or funded after r in T and not ready after
before(r)):

    (U_r, rank r)  <  (price of j at b_hi after before(r), rank j)

then, by induction over the run's steps, some ready project of T is always cheaper than any project
that would leave T; and what the replay leaves unfunded at b_hi, unaffordable there, is unaffordable
below. So every b in [b_lo, b_hi] funds T's projects. Comparisons are made in floats with a margin;
within it, on exact values when they are known for free, else the certificate fails (conservative).

The argument needs the inequalities only at each budget b of the span: U_r may be replaced by
pi_r(b), j's price at b_hi by its price at b after before(r), and "U_p <= L_x" by pi_p(b) <= pi_x(b).
Where the ends do not settle one of them, ``add1_sweep`` checks it at every step of the span; a
project affordable at b_hi is then checked to be unaffordable at every step below.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import numpy as np

from .add1_sweep import Sweep
from .mes import _ABS, _REL, _Run, _Supports

#: A probe looks this many steps ahead at first, twice as far after each success (shorter spans
#: rarely pay for their certificate: on Budapest 2024, first spans of 4, 8 and 16 took 134, 123, 166 s).
FIRST_SPAN = 8
#: After a failed probe, full steps before the next one: 2, then four times as many after each failure.
MAX_COOLDOWN = 1024
#: With a handover (lockstep, see mes._add1), after this many runs and probes, if they covered fewer
#: than HANDOVER_SKIP steps each, the outcome changes too often for certificates: hand the rest over
#: (3 since certificates compare prices step by step, and skip more: Toulouse 2019 is handed over,
#: 0.10 s against 0.14 s without; Grabowka, 1,540 steps in 13 runs and probes, is not).
HANDOVER_RUNS = 12
HANDOVER_SKIP = 3
#: Steps run one by one are run this many at a time, from the last down (see ``search``'s next_run).
AHEAD = 8
#: After a failed probe, spans stay at most half of it until this many probes succeed at that span
#: (Budapest 2024: 1,399 probes with 2, 1,291 with 4, about 8 % faster; every other file unchanged).
RETRY_AFTER = 4
#: Spans grow no longer than this: a certificate that fails within a span replays it at more points
#: (Budapest 2024: 3.9 s with 256 or 512, 4.7 s with 1,024).
MAX_SPAN = 256
#: A certificate that proves this many steps of its span before failing is followed by one run and
#: a probe at once; one that proves fewer, like a failed one, by steps run one at a time (Warsaw-
#: Mokotow, where the outcome changes every step or two: 7.3 s with 0, 1.4 s with 2).
PARTIAL_MIN = 2
#: Comparisons are made step by step only in certificates over at least this many steps: a short
#: span is cheap to run one step at a time, and a replay at many budgets costs most where there are
#: many payment histories (Amsterdam 621: 37,303 signatures, 88 ms for a certificate over 8 steps
#: against 6 ms a run; Budapest 2024 the same with 0, 16 or 32).
SWEEP_SPAN = 32

#: In place of the funded projects, when ``bound`` stopped the search (or ``add1_lockstep.lockstep``):
#: (PASSED, None, runs, k), every step from the start to k being neither done nor over (``add1_split``).
PASSED = "passed"


def linear(election, sup: _Supports, utility, rank, step, exhaustive_stop, free, cands):
    """The step-by-step loop, as pabutools runs it: the reference the search must agree with."""
    b_first = election.budget / sup.num_voters
    outcomes = Outcomes(election.costs, election.budget, cands, free)
    run = _Run(election, sup, utility, rank, b_first)
    run.run(cands)
    runs, k, prev = 1, 0, None
    while True:
        state = outcomes.state(free + run.chosen, exhaustive_stop)
        if state == "over":
            if prev is None:
                return list(free), None, runs, None
            run, k = prev, k - 1
            break
        if state == "done":
            break
        prev = run
        k += 1
        run = _Run(election, sup, utility, rank, b_first + k * step)
        run.run(cands)
        runs += 1
    return free + run.chosen, run, runs, k


def search(
    election,
    sup: _Supports,
    utility,
    rank,
    step,
    exhaustive_stop,
    free,
    cands,
    handover=None,
    start=0,
    bound=None,
    first_span=FIRST_SPAN,
):
    """The same answer as ``linear``: (funded projects, the run, MES runs and replays, step).

    ``handover(k, run, runs)``, if given, may finish the search from step k (neither done nor over,
    funding what ``run`` funds) when certificates skip little; it returns the answer, or None to let
    the search go on.

    A range of steps only (``add1_split``): ``start`` is the first step looked at (the steps below
    are taken to be neither done nor over: if ``start`` is over, the answer is the step before it);
    ``bound(k, runs)`` is told each step k up to which every step is known to be neither done nor
    over (and the runs and probes so far), and when it returns True the search stops there with
    (PASSED, None, runs, k); ``first_span``: how far the first probe looks (a range searched from
    further on: as far as the search below it skips per run and probe)."""
    b_first = election.budget / sup.num_voters
    outcomes = Outcomes(election.costs, election.budget, cands, free)

    def run_at(k: int, hint: _Run | None = None, record: bool = False) -> _Run:
        r = _Run(election, sup, utility, rank, b_first + k * step)
        r.run(cands, hint, record)
        return r

    ahead: dict[int, _Run] = {}  # runs made ahead of the search, from the last step down
    unused = 0  # runs made ahead and never used (counted in the answer's runs, not in the search's)

    def next_run(k: int, count: int) -> _Run:
        """The run at step k: when ``count`` steps are to be run one by one, they are run from the
        last down, each using the one above as a hint (half as many prices to compute on
        Warsaw-Mokotow), at the cost of runs past the answer."""
        nonlocal unused
        if k in ahead:
            return ahead.pop(k)
        unused += len(ahead)
        ahead.clear()
        hint = None
        for i in range(k + min(count, AHEAD) - 1, k, -1):
            hint = ahead[i] = run_at(i, hint, record=True)
        return run_at(k, hint)

    k, cur, runs = start, run_at(start), 1
    state = outcomes.state(free + cur.chosen, exhaustive_stop)
    if state == "over":
        if start == 0:  # cannot happen with MES at budget/n, kept for the loop's semantics
            return list(free), None, runs, None
        cur = run_at(start - 1)  # the last step neither done nor over
        return free + cur.chosen, cur, runs + 1, start - 1
    span, cooldown, wait = first_span, 2, 0
    suspects: list[int] = []  # projects that made certificates fail, checked first
    judge_at, changed = None, 0  # after a failed short probe: where to judge it, changes seen since
    limit, streak = None, 0  # after a failed probe, spans stay at most half of it for a while
    stale = False  # cur funds what step k's run funds, but is an earlier step's (see partial)
    while state != "done":
        if bound is not None and bound(k, runs):
            return PASSED, None, runs + unused + len(ahead), k
        if handover is not None and runs >= HANDOVER_RUNS and k - start < HANDOVER_SKIP * runs:
            if cur.replayed:  # a probe's: the answer may start from it, in a run's order
                cur, runs = run_at(k), runs + 1
            answer = handover(k, cur, runs)
            if answer is not None:
                return (*answer[:2], answer[2] + unused + len(ahead), answer[3])
            handover = None
        if not cur.chosen:
            # MES funded nothing: no project is affordable with everyone's full share, and none is
            # until the share reaches the lowest cost per supporter; every step below gives nothing.
            first = min(election.costs[j] / sup.weight[j] for j in cands)
            jump = -((b_first - first) // step)  # ceil((first - b_first) / step)
            if jump > k + 1:
                k = int(jump) - 1
                cur = _Run(election, sup, utility, rank, b_first + k * step)  # funds nothing either
        elif wait == 0:
            h = k + span
            probe = _Run(election, sup, utility, rank, b_first + h * step)
            runs += 1
            partial: list[int] = []
            steps = step if span >= SWEEP_SPAN else None  # compare prices step by step (add1_sweep)
            if probe.replay(cur.chosen) and certified(cur, probe, sup, rank, cands, suspects, steps, partial):
                k, cur = h, probe  # every step up to h funds what cur funds: neither done nor over
                streak, cooldown = streak + 1, 2
                if limit is not None and span >= limit and streak >= RETRY_AFTER:
                    limit, streak = 2 * limit, 0
                span = 2 * span if limit is None else min(2 * span, limit)
                span = min(span, MAX_SPAN)
                continue
            if partial:  # every step up to k + partial[0] funds what cur funds; the next may not
                k, stale = k + partial[0], partial[0] > 0
            elif span > FIRST_SPAN:
                # a certificate's bounds loosen as its span grows, and the outcome may change
                # within it: probe half as far at once, and not further for a while
                span = limit = span // 2
                streak = 0
                continue
            if not partial or partial[0] < PARTIAL_MIN:
                # run the failed span one step at a time (past what it proved), then judge the
                # certificate by what it hid; after a longer proof, the next step is run and
                # probing goes on from there at once
                span, wait, limit = FIRST_SPAN, FIRST_SPAN - 1, None
                judge_at, changed = k + FIRST_SPAN, 0
        else:
            wait -= 1
        nxt = next_run(k + 1, wait + 1)
        runs += 1
        next_state = outcomes.state(free + nxt.chosen, exhaustive_stop)
        if next_state == "over":
            break
        changed += nxt.chosen != cur.chosen
        k, cur, state, stale = k + 1, nxt, next_state, False
        if k == judge_at:
            judge_at = None
            if changed == 1:  # the probe failed on a change: probing is worth it again at once
                cooldown = 2
            else:  # nothing changed (the certificate is loose here) or the outcome changes often
                wait, cooldown = cooldown, min(4 * cooldown, MAX_COOLDOWN)
    if cur.replayed or stale:  # a probe's, or an earlier step's: rerun the answer's step
        cur, runs = run_at(k), runs + 1
    return free + cur.chosen, cur, runs + unused + len(ahead), k


class Outcomes:
    """Whether funded sets fit the budget and are exhaustive, exactly, in integers (costs and budget
    scaled to a common denominator); one row per set, so that many steps are checked at once."""

    def __init__(self, costs: list[Fraction], budget: Fraction, cands: list[int], free: list[int] = ()):
        scale = lcm(budget.denominator, *(c.denominator for c in costs))
        ints = [int(c * scale) for c in costs]
        self.budget = int(budget * scale)
        big = max(ints + [self.budget]) * (len(costs) + 1)
        self.dtype = np.int64 if big < 2**62 else object
        self.cost = np.array(ints, dtype=self.dtype)
        self.ignored = np.ones(len(costs), dtype=bool)  # never funded by MES: not a reason to go on
        self.ignored[cands] = False
        self.everything = len(free) + len(cands)

    def states(self, funded: np.ndarray, exhaustive_stop: bool) -> list[str | None]:
        """For each row of ``funded`` (sets as boolean rows): "over" (costs more than the budget),
        "done" (the completion stops here) or None (go on)."""
        spent = funded.astype(self.dtype) @ self.cost
        if exhaustive_stop:
            left = np.where(funded | self.ignored[None, :], self.budget + 1, self.cost[None, :])
            done = left.min(axis=1) > self.budget - spent if left.shape[1] else np.ones(len(spent), bool)
        else:
            done = funded.sum(axis=1) == self.everything
        over = spent > self.budget
        return ["over" if o else ("done" if d else None) for o, d in zip(over, done, strict=True)]

    def state(self, chosen: list[int], exhaustive_stop: bool) -> str | None:
        funded = np.zeros((1, len(self.cost)), dtype=bool)
        funded[0, chosen] = True
        return self.states(funded, exhaustive_stop)[0]


class _Surely:
    """Every voter group's signature at b_hi once what is surely funded when winner t is the
    cheapest ready one is funded (row t), computed when a row is first asked for: a project's
    supporters are then read from one row.

    A row replays the payments of its sure set on the replay's signatures, in the replay's order,
    from the largest row already computed whose sure set it holds: a group's payments are to projects
    sharing it, so a sure set (closed under what precedes) holds a first part of them, and the last
    one replayed is where the group stands. (Sure sets mostly nest, so each payment is replayed about
    once a certificate: on Budapest 2024, 0.22–0.25 s in all against 0.66–0.80 s for per-group
    payment chains and their depths.)"""

    def __init__(self, hi: _Run, before_hi: np.ndarray):
        self.log = hi.pay_log  # each round's payers and their new signatures, in hi's order
        self.before = before_hi  # [t, k]: round k (hi's order) is surely funded when t is cheapest
        self.size = before_hi.sum(axis=1)
        self.n_groups = len(hi.s.mult)
        self.rows: dict[int, np.ndarray] = {}
        self.computed: list[int] = []  # rows computed, in order

    def __getitem__(self, t: int) -> np.ndarray:
        row = self.rows.get(t)
        if row is None:
            need = self.before[t]
            base = None
            if self.computed:  # the largest computed sure set inside this one, found at once
                done = np.asarray(self.computed)
                inside = ~(self.before[done] & ~need).any(axis=1)
                if inside.any():
                    base = int(done[inside][np.argmax(self.size[done[inside]])])
            if base is None:
                row, todo = np.ones(self.n_groups, dtype=np.int64), need
            else:
                row, todo = self.rows[base].copy(), need & ~self.before[base]
            for k in np.flatnonzero(todo).tolist():
                payers, new = self.log[k]
                row[payers] = new
            self.rows[t] = row
            self.computed.append(t)
        return row


def certified(
    lo: _Run,
    hi: _Run,
    sup: _Supports,
    rank,
    cands,
    suspects: list[int] | None = None,
    step=None,
    partial: list[int] | None = None,
) -> bool:
    """True when every per-voter budget between lo's and hi's funds what both fund (see above).

    ``suspects``: projects that made earlier certificates fail, checked first (where two projects
    are close to a tie, the same one fails certificate after certificate); a project that makes
    this one fail is put first. ``step``: the Add1 step, when every budget between lo's and hi's
    that needs a certificate is lo's plus a whole number of steps: then a project that bounds from
    the span's ends cannot order after a winner is compared with it step by step (``add1_sweep``);
    if that fails at a step, yet proves the steps before it and everything else holds, False comes
    back with the number of steps past lo's proven appended to ``partial``."""
    winners = lo.chosen
    m = len(winners)
    if m != len(hi.chosen) or set(winners) != set(hi.chosen):
        return False
    funded = set(winners)
    # comparisons the span's ends cannot settle are collected here, then settled step by step
    span = Sweep(lo, hi, step) if step is not None and hi.chosen == lo.chosen else None

    def blame(j: int) -> None:
        if suspects is not None:
            suspects[:] = [j] + [x for x in suspects if x != j][:3]

    def finish() -> bool:
        """Nothing else is affordable at b_hi (else hi is a replay a run at b_hi would have gone
        on from), and the comparisons collected hold at every step."""
        for j in cands:
            if j not in funded and hi.affordable(j):
                if span is None:
                    return False
                span.unaffordable(j, hi.sig[sup.sup[j]], sup.supw[j])
        if span is None or not span.checks:
            return True
        culprit = span.settle()
        if culprit is None:
            return True
        blame(culprit)
        if partial is not None and span.limit >= 0:
            partial.append(span.limit)
        return False

    if m == 0:
        return finish()  # then nothing is affordable below b_hi either
    idx = np.asarray(winners, dtype=np.int64)
    overlap = np.triu(sup.overlap[np.ix_(idx, idx)], 1)  # [t1, t2]: t1 before t2 in lo, sharing voters
    hi_pos = {j: t for t, j in enumerate(hi.chosen)}
    order_hi = np.array([hi_pos[j] for j in winners])
    if (overlap & (order_hi[:, None] > order_hi[None, :])).any():
        return False  # two projects sharing a supporter came in another order: another trace
    pred = _closure(overlap.T)  # pred[t]: what precedes winner t in the trace
    # upper (at b_lo) and lower (at b_hi) bounds of each winner's price, in lo's order
    up = np.asarray(lo.round_rho)
    low = np.asarray(hi.round_rho)[order_hi]
    up_err = lo.errs(idx, up)
    low_err = hi.errs(idx, low)
    # prices never fall along the trace: pi_p(b_lo) <= pi_x(b_hi) when p precedes x
    close = overlap & ((up + up_err)[:, None] >= (low - low_err)[None, :])
    for t1, t2 in zip(*np.nonzero(close), strict=True):
        a, b = lo.round_exact[t1], hi.round_exact[order_hi[t2]]
        if a is None or b is None or a > b:  # not provably in order from the span's ends
            if span is None:
                return False
            span.in_order(t1, t2)
    # what is surely funded when winner t is the cheapest ready one: its predecessors, and every
    # winner surely cheaper than it (and what precedes those)
    before = pred | ((up + up_err)[None, :] < (low - low_err)[:, None])
    before |= (before.astype(np.float32) @ pred.astype(np.float32)) > 0
    lo_pos = {j: t for t, j in enumerate(winners)}
    others = np.asarray(cands, dtype=np.int64)
    # pairs (winner t, project j) to check: every project not funded, every funded one that may
    # still be waiting, not ready, when t is: x waits when t is cheapest if it is not surely funded
    # then while something that precedes it may not be
    need = np.ones((m, len(others)), dtype=bool)
    col_of = np.searchsorted(others, idx)  # the winners' columns (cands are in increasing order)
    waiting = (~before).astype(np.float32) @ pred.T.astype(np.float32) > 0  # [t, x]
    need[:, col_of] = ~before & waiting
    need[np.arange(m), col_of] = False
    # cheap lower bound on j's price: before anything is funded, at b_hi
    weight = np.asarray(sup.weight, dtype=np.float64)[others]
    cost, util = np.asarray(lo.cf)[others], np.asarray(lo.uf)[others]
    held = hi.b0f * weight
    margin = _REL * cost + _ABS * hi.b0f * weight
    first = cost / (weight * util)
    lower = first - hi.errs(others, first)
    lower = np.where(held > cost + margin, lower, np.where(held < cost - margin, np.inf, -np.inf))
    todo = need & ~((up + up_err)[:, None] < lower[None, :])
    if not todo.any():
        return finish()
    before_hi = before[:, [lo_pos[j] for j in hi.chosen]]  # columns in hi's order
    surely = _Surely(hi, before_hi)
    ov_hi = sup.overlap[:, hi.chosen]
    cols = np.flatnonzero(todo.any(axis=0)).tolist()
    if suspects:
        at = {int(j): col for col, j in enumerate(others.tolist())}
        first = [at[j] for j in suspects if j in at and todo[:, at[j]].any()]
        cols = first + [col for col in cols if col not in first]
    for col in cols:
        j = int(others[col])
        if not _project_waits(lo, hi, rank, surely, before_hi & ov_hi[j], up, up_err, j, todo[:, col], span):
            blame(j)
            return False
    return finish()


def _closure(direct: np.ndarray) -> np.ndarray:
    """What precedes each winner in the trace: ``direct[t, u]`` when u comes before t and shares a
    supporter with it; then everything that precedes those (by squaring, a few products)."""
    pred = direct.copy()
    while True:
        more = pred | ((pred.astype(np.float32) @ pred.astype(np.float32)) > 0)
        if (more == pred).all():
            return pred
        pred = more


def _project_waits(lo, hi, rank, surely, before_j, pi, pi_err, j, rows, sweep=None) -> bool:
    """The inequality for project j against each winner t flagged in ``rows``: j's price at b_hi
    after what is surely funded when t is the cheapest ready project exceeds t's price at b_lo;
    or, where those bounds overlap and ``sweep`` (an ``add1_sweep.Sweep``) is given, the same two
    prices compared step by step, once the certificate's other comparisons are collected."""
    s = hi.s.sup[j]
    w = hi.s.supw[j]
    known: dict[bytes, tuple[float, Fraction | None | bool]] = {}
    todo = np.flatnonzero(rows)
    # smallest sets first: where j is unaffordable after a set, it is after any larger one (its
    # supporters only pay more), so those rows need no price (most rows, on Budapest 2024)
    todo = todo[np.argsort(before_j[todo].sum(axis=1), kind="stable")]
    done = np.zeros(len(before_j), dtype=bool)
    for t in todo.tolist():
        if done[t]:
            continue
        key = before_j[t].tobytes()  # j's price depends only on the funded projects it overlaps
        above = pi[t] + pi_err[t]
        got = known.get(key)
        if got is None or (got[1] is False and got[0] - hi.err(j, got[0]) <= above):
            got = known[key] = _price(hi, j, surely[t][s], w, above)
        rho, exact_rho = got
        if rho == np.inf:
            done[todo] |= ~(before_j[t] & ~before_j[todo]).any(axis=1)
            continue
        if exact_rho is False:  # a lower bound on j's price, already surely above t's
            continue
        r = lo.chosen[t]
        err = hi.err(j, rho)
        if pi[t] + pi_err[t] < rho - err:
            continue
        if pi[t] - pi_err[t] <= rho + err:
            exact_pi = lo.round_exact[t]
            if exact_pi is not None and exact_rho is not None and (exact_pi, rank[r]) < (exact_rho, rank[j]):
                continue
        # not provably after t from the span's ends (an exact value would cost more than a run)
        if sweep is None:
            return False
        sweep.precedes(t, j, surely[t][s], w)  # settled step by step, later
    return True


def _price(
    hi: _Run, j: int, sigs: np.ndarray, w: np.ndarray, above: float
) -> tuple[float, Fraction | None | bool]:
    """j's price at b_hi for supporters holding signatures ``sigs`` (inf: unaffordable), and its
    exact value when known for free; or, with False, a lower bound once it surely exceeds ``above``."""
    rho, exact = hi.price(j, sigs, w, 0.0, above, coarse=True)
    return (np.inf, None) if rho is None else (rho, exact)
