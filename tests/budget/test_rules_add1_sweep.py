"""Add1 certificates that compare prices step by step (``add1_sweep``): the replay at many budgets
at once matches replays made one budget at a time, a certificate proves a span its ends alone
cannot, and one that fails within its span still proves the steps before the change."""

from fractions import Fraction

import numpy as np
import pytest

from parvis.budget import rules
from parvis.budget.rules import add1, mes
from parvis.budget.rules.add1_sweep import Sweep
from parvis.budget.rules.tiebreak import tie_order

# two projects close to a tie over the whole span: bounds from its ends cannot order them
LOOSE = (
    {"1": 169, "2": 134, "3": 64, "4": 40},
    112,
    "24 12 24 124 124 12 124 134 24 12 124 134 134",
    (10, 18),
)
# the outcome changes 12 steps into the span
CHANGING = (
    {"1": 155, "2": 26, "3": 75, "4": 40},
    235,
    "34 34 12 34 34 34 34 34 13 12 13",
    (10, 26),
)


def span(case):
    """The election, its supporters, tie-break and candidates, the run at the span's first step,
    and a function giving the run (or the replay of the first run's outcome) at step k."""
    costs, budget, ballots, (lo_k, hi_k) = case
    election = rules.Election.from_data(costs, budget, [set(b) for b in ballots.split()])
    sup = mes._Supports(election)
    rank = tie_order("lexico", election.project_ids, election.costs, [int(w) for w in sup.weight], None)
    _free, cands = mes._candidates(election, sup, "cost")
    b0 = election.budget / sup.num_voters

    def at(k, replay_of=None):
        run = mes._Run(election, sup, "cost", rank, b0 + k)
        if replay_of is None:
            run.run(cands)
        else:
            assert run.replay(replay_of.chosen)
        return run

    return sup, rank, cands, at, lo_k, hi_k


def certify(case, step):
    sup, rank, cands, at, lo_k, hi_k = span(case)
    lo = at(lo_k)
    partial = []
    ok = add1.certified(lo, at(hi_k, lo), sup, rank, cands, None, step, partial)
    funded = [set(at(k).chosen) for k in range(lo_k, hi_k + 1)]
    return ok, partial, funded


def test_the_replay_at_many_budgets_matches_replays_one_budget_at_a_time():
    for case in (LOOSE, CHANGING):
        _sup, _rank, _cands, at, lo_k, hi_k = span(case)
        lo = at(lo_k)
        hi = at(hi_k, lo)
        sweep = Sweep(lo, hi, Fraction(1))
        points = np.arange(hi_k - lo_k + 1)
        sweep.rounds = len(hi.rounds)  # every round (a certificate replays those its comparisons read)
        sweep._add(points)
        for i in points.tolist():
            one = at(lo_k + i, lo)
            assert sweep.held[1, sweep.column[i]] == one.b0f  # the untouched share, rounded once
            np.testing.assert_allclose(sweep.rho[:, sweep.column[i]], one.round_rho, rtol=1e-12)
            # every signature of hi's tree holds at this budget what the replay's voters hold
            for group, sig in enumerate(hi.sig.tolist()):
                assert sweep.held[sig, sweep.column[i]] == pytest.approx(one.sig_f[one.sig[group]], abs=1e-9)


def test_a_span_whose_ends_cannot_order_two_prices_is_proved_step_by_step():
    ok, partial, funded = certify(LOOSE, None)
    assert not ok  # bounds from the span's ends alone
    ok, partial, funded = certify(LOOSE, Fraction(1))
    assert ok
    assert partial == []
    assert all(f == funded[0] for f in funded)  # what the proof claims, run step by step


def test_a_certificate_that_fails_within_its_span_proves_the_steps_before_the_change():
    ok, partial, funded = certify(CHANGING, Fraction(1))
    assert not ok
    assert partial == [11]
    assert all(f == funded[0] for f in funded[:12])
    assert funded[12] != funded[0]
    ok, partial, _ = certify(CHANGING, None)
    assert not ok
    assert partial == []  # without steps, nothing is proved
