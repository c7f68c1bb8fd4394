"""Add1 searched in two ranges (``add1_split``) must answer as the step-by-step loop does, wherever
the steps are split: below the answer, at it, just past it, far past it; and when the helper
process fails, this process searches its range itself."""

import os
import sys
import threading
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parvis.budget import rules
from parvis.budget.rules import add1, add1_split, mes

from .test_rules_add1 import EXAMPLES, elections, prepared, real_election

# Each example starts a process: fewer of them than the in-process property tests.
SPLIT_EXAMPLES = max(10, EXAMPLES // 5)


def loop_answer(election, utility="cost", increment=1, exhaustive_stop=True):
    sup, rank, free, cands, step = prepared(election, utility, increment)
    return add1.linear(election, sup, utility, rank, step, exhaustive_stop, free, cands)


def outcome(election, **options):
    return rules.equal_shares(election, completion="add1", **options)


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    election=elections(),
    utility=st.sampled_from(["cost", "approval"]),
    increment=st.sampled_from([Fraction(1, 50), Fraction(1, 7), 1]),
    exhaustive_stop=st.booleans(),
    where=st.integers(-3, 3),
)
def test_each_range_gives_its_part_of_the_loops_answer(election, utility, increment, exhaustive_stop, where):
    # the two halves of a split, in this process: below G the search stops once every step below G
    # is known to go on (or answers, if the answer is below G); from G it answers as the loop does
    want_chosen, _run, _runs, want_k = loop_answer(election, utility, increment, exhaustive_stop)
    if want_k is None:
        return
    sup, rank, free, cands, step = prepared(election, utility, increment)
    args = (election, sup, utility, rank, step, exhaustive_stop, free, cands)
    point = max(1, want_k + where)
    told = []

    def bound(k, runs):
        told.append(k)
        return k >= point - 1

    below = add1.search(*args, bound=bound)
    assert told == sorted(told)
    if below[0] is not add1.PASSED:  # found before every step below G was known to go on
        assert (below[0], below[3]) == (want_chosen, want_k)
        return
    # every step up to where it stopped goes on: the loop's answer is beyond, or is over right after
    assert point - 1 <= below[3] <= want_k
    if _state(args, want_k) == "done":
        assert below[3] < want_k
    chosen, run, _r, k = add1.search(*args, start=point)
    assert (chosen, k) == (want_chosen, want_k)
    assert run.b0 == election.budget / sup.num_voters + k * step


@settings(
    max_examples=SPLIT_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    election=elections(),
    increment=st.sampled_from([Fraction(1, 50), Fraction(1, 7), 1]),
    exhaustive_stop=st.booleans(),
    share=st.sampled_from([0.0, 0.1, 0.5, 1.0]),
    offset=st.integers(-1, 2),
)
def test_two_processes_give_the_loops_outcome_wherever_the_steps_are_split(
    monkeypatch, election, increment, exhaustive_stop, share, offset
):
    want = outcome(election, increment=increment, exhaustive_stop=exhaustive_stop)
    if want.details["add1_steps"] is None or not want.selected:
        return
    point = max(1, int(share * want.details["add1_steps"]) + offset)
    monkeypatch.setattr(add1_split, "FORCED_POINT", point)
    got = outcome(election, increment=increment, exhaustive_stop=exhaustive_stop, workers=2)
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"]
    assert got.details["voter_budget"] == want.details["voter_budget"]
    assert got.projects == want.projects  # the explanation too, whichever process computed it


def test_the_helpers_answer_and_explanation_are_used(monkeypatch):
    # split at step 1: this process knows at once that step 0 goes on, and waits for the helper
    election = real_election("Poland_Wieliczka_2023_Green_Budget")
    want = outcome(election)
    monkeypatch.setattr(add1_split, "FORCED_POINT", 1)
    answered = []
    real_answer = add1_split._Split.answer

    def spy(self):
        answered.append(real_answer(self))
        return answered[-1]

    monkeypatch.setattr(add1_split._Split, "answer", spy)
    got = outcome(election, workers=2)
    assert len(answered) == 1
    assert isinstance(answered[0][1], mes.Facts)
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"] == answered[0][3]
    assert got.projects == want.projects


def test_a_split_at_an_over_budget_step_keeps_the_step_before():
    # steps 0-3 fund {a} and go on (29 of 58 left, c costs 33); step 4 funds {a, c}, over the budget:
    # the answer is step 3, and a helper starting at step 4 must give it
    election = rules.Election.from_data({"a": 19, "b": 37, "c": 33}, 58, [{"c"}] * 3 + [{"a", "b"}] * 5)
    sup, rank, free, cands, step = prepared(election)
    args = (election, sup, "cost", rank, step, True, free, cands)
    assert [_state(args, k) for k in range(5)] == [None] * 4 + ["over"]
    want_chosen, _run, _runs, want_k = loop_answer(election)
    assert want_k == 3
    chosen, run, _r, k = add1.search(*args, start=4)
    assert (chosen, k) == (want_chosen, 3)
    assert run.b0 == election.budget / sup.num_voters + 3
    below = add1.search(*args, bound=lambda k, runs: k >= 3)
    assert below[0] is add1.PASSED
    assert below[3] == 3


def _state(args, k):
    election, sup, utility, rank, step, exhaustive_stop, free, cands = args
    run = mes._Run(election, sup, utility, rank, election.budget / sup.num_voters + k * step)
    run.run(cands)
    return add1.Outcomes(election.costs, election.budget, cands, free).state(
        free + run.chosen, exhaustive_stop
    )


needs_fork = pytest.mark.skipif(
    sys.platform != "linux",
    reason="the helper is replaced in a forked process only",
)


@needs_fork
@pytest.mark.parametrize("failure", ["raises", "dies"])
def test_when_the_helper_fails_this_process_searches_its_range(monkeypatch, failure):
    election = real_election("Poland_Wieliczka_2023_Green_Budget")
    want = outcome(election)

    def broken(conn, progress, chosen, payload):
        chosen.value = 40
        if failure == "dies":
            os._exit(1)
        conn.send(("error", "Traceback: a test"))

    monkeypatch.setattr(add1_split, "_helper", broken)
    monkeypatch.setattr(add1_split, "FORCED_POINT", 40)
    got = outcome(election, workers=2)
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"]


@pytest.mark.parametrize("name", ["Poland_Warszawa_2020_Mokotow", "France_Toulouse_2019"])
def test_two_processes_give_the_same_outcome_on_real_elections(monkeypatch, name):
    # the helper is started at once, and picks G from its own estimate of where the search ends
    election = real_election(name)
    want = outcome(election)
    monkeypatch.setattr(add1_split, "START_AFTER", 0.0)
    started = []
    real_start = add1_split._Split._start

    def spy(self):
        real_start(self)
        started.append(self.process is not None)

    monkeypatch.setattr(add1_split._Split, "_start", spy)
    got = outcome(election, workers=2)
    assert started == [True]
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"]
    assert got.projects == want.projects


@pytest.mark.parametrize(("elapsed", "starts"), [(0.0, False), (0.029, False), (0.031, True)])
def test_the_helper_starts_only_once_the_search_has_run_a_while(monkeypatch, elapsed, starts):
    # the clock is the test's: a slow machine must not turn a short search into a long one
    election = real_election("Poland_Warszawa_2020_Mokotow")
    monkeypatch.setattr(add1_split, "START_AFTER", 0.03)
    ticks = iter([0.0])
    monkeypatch.setattr(add1_split, "_clock", lambda: next(ticks, elapsed))
    started = []
    monkeypatch.setattr(add1_split._Split, "_start", lambda self: started.append(1))
    want = outcome(election)
    assert outcome(election, workers=2).selected == want.selected
    # a _start that starts nothing is asked again at every bound: once is enough to know
    assert bool(started) == starts


def test_the_split_point_is_halfway_through_what_is_left(monkeypatch):
    # steps 0..999 go on, 1000 on stop: the estimate brackets 1000 and G splits what is left
    def fake_run(stop_at):
        class Run:
            def __init__(self, election, sup, utility, rank, b):
                self.b = b

            def run(self, cands):
                self.chosen = [1] if self.b >= stop_at else [0]

        return Run

    election = rules.Election.from_data({"a": 10, "b": 30}, 40, [{"a"}, {"b"}])
    sup = mes._Supports(election)
    b_first = election.budget / sup.num_voters
    monkeypatch.setattr(add1_split, "_Run", fake_run(b_first + 1000))

    class Stops:
        def __init__(self, *args):
            pass

        def state(self, chosen, exhaustive_stop):
            return "done" if chosen == [1] else None

    monkeypatch.setattr(add1_split, "Outcomes", Stops)
    task = (election, sup, "cost", None, Fraction(1), True, [], [0, 1])
    point = add1_split._point(task, [100, -1, 0])
    end_low, end_high = 1000 - 1000 // 2**add1_split.HALVINGS, 1000 + 1000 // 2**add1_split.HALVINGS
    assert 100 + add1_split.SHARE * (end_low - 100) <= point <= 100 + add1_split.SHARE * (end_high - 100)
    # nearly there: not worth a helper
    assert add1_split._point(task, [990, -1, 0]) is None


@pytest.mark.parametrize("point", [200, 300])
def test_a_helper_done_first_takes_over_part_of_this_processs_range(monkeypatch, point):
    # Warsaw-Mokotow's outcome changes every step or two, and its Add1 stops at step 244: split near
    # the end (or past it), the helper is done long before this process and lowers G, searching the
    # steps above the new G itself (past 244, it finds there the stop its first range missed)
    election = real_election("Poland_Warszawa_2020_Mokotow")
    want = outcome(election)
    monkeypatch.setattr(add1_split, "FORCED_POINT", point)
    monkeypatch.setattr(add1_split, "MIN_LEFT", 8)
    # this process waits, early in its range, for the helper to lower G: the order is the test's, not
    # the machine's (on a busy machine this process might otherwise pass G before the helper is done)
    real_bound = add1_split._Split.bound

    def waiting_bound(self, k, runs):
        if self.process is not None and not getattr(self, "waited", False):
            self.waited = True
            deadline = time.monotonic() + 60
            while self.shared[1] >= point and self.process.is_alive() and time.monotonic() < deadline:
                time.sleep(0.005)
        return real_bound(self, k, runs)

    monkeypatch.setattr(add1_split._Split, "bound", waiting_bound)
    passed = []
    real_close = add1_split._Split.close

    def spy(self):
        passed.append(self.point)
        real_close(self)

    monkeypatch.setattr(add1_split._Split, "close", spy)
    got = outcome(election, workers=2)
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"] == 244
    assert got.projects == want.projects
    assert passed[0] < min(point, 244)  # this process stopped below the first G, and the answer


@pytest.mark.parametrize(
    ("steps", "runs", "span"), [(0, 0, 8), (244, 256, 8), (2000, 40, 32), (22001, 300, 64), (10**6, 10, 256)]
)
def test_the_helpers_first_span_is_what_this_process_skipped_per_run(steps, runs, span):
    assert add1_split._span(steps, runs) == span


def test_a_spawned_helper_gives_the_same_outcome(monkeypatch):
    # where this process runs other threads (a web or task worker), the helper is spawned, not
    # forked, and sent the election through a pipe
    election = real_election("Poland_Wieliczka_2023_Green_Budget")
    want = outcome(election)
    monkeypatch.setattr(add1_split.threading, "active_count", lambda: 2)
    monkeypatch.setattr(add1_split, "FORCED_POINT", 1)
    methods = []
    real_start = add1_split._Split._start

    def spy(self):
        real_start(self)
        methods.append(type(self.process).__name__)

    monkeypatch.setattr(add1_split._Split, "_start", spy)
    answered = []
    real_answer = add1_split._Split.answer
    monkeypatch.setattr(
        add1_split._Split, "answer", lambda self: answered.append(real_answer(self)) or answered[-1]
    )
    got = outcome(election, workers=2)
    assert methods == ["SpawnProcess"]
    assert answered[0] is not None  # the helper's answer, not this process's own search
    assert got.selected == want.selected
    assert got.details["add1_steps"] == want.details["add1_steps"]
    assert got.projects == want.projects


def test_this_process_passes_g_only_once_its_steps_reach_it():
    # G is set by the helper at any moment: a step reported while it goes from unknown (-1) to 50
    # must not pass it (G read once), nor any step below 49
    class Shared(list):
        def __init__(self, values):
            super().__init__([0, -1, 0, 0])
            self.g = iter(values)

        def __getitem__(self, i):
            return next(self.g) if i == 1 else super().__getitem__(i)

    election = rules.Election.from_data({"a": 10, "b": 30}, 40, [{"a"}, {"b"}])
    split = add1_split._Split((election, None, "cost", None, 1, True, [], []), None)
    split.process, split.lock = object(), threading.Lock()
    split.shared = Shared([-1, 50, 50, 50, 50, 50])
    assert split.bound(10, 1) is False  # G unknown when read
    assert split.bound(10, 1) is False  # G = 50, step 10
    assert split.bound(48, 2) is False
    assert split.bound(49, 3) is True  # every step below 50 goes on
    assert split.point == 50
    assert split.shared[2] == 1


def test_usable_cpus_are_the_processs_own(monkeypatch):
    # a container or taskset may leave this process one CPU of many: a helper would only share it
    monkeypatch.setattr(add1_split.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    monkeypatch.setattr(add1_split.os, "cpu_count", lambda: 8)
    assert add1_split.usable_cpus() == 1
    monkeypatch.delattr(add1_split.os, "sched_getaffinity")  # macOS, Windows: the machine's count
    assert add1_split.usable_cpus() == 8
