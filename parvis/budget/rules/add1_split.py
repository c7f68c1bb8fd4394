"""Add1 on two CPUs: the steps split in two ranges, searched at once.

Why: Add1's answer is the first step whose outcome is exhaustive (or over the budget), and whether
a step is one depends on that step alone. So the steps split into two ranges searched apart: this
process proves that no step below a split point G stops, while a helper process looks for the
first step from G on; the answer is this process's if it finds one below G, else the helper's.
On a large election most of the time goes into that search (Budapest 2024: 22,001 steps, about
three seconds alone), and a machine has at least two CPUs.

The helper is started only once the search has run for ``START_AFTER`` seconds (most elections end
before: nothing is started for them). It is forked where that is safe (this process runs no other
thread: a command, a benchmark), else spawned (as ``budget.tally_pool``: safe from a multi-threaded
server, at the cost of a fresh interpreter's start, while this process goes on). It estimates where
the search ends (runs at steps doubling from a small one until one stops, then halving the gap
three times) and picks G a little past halfway between where this process has got to and that
estimate. Having searched its range and explained its answer, if this process still has far to
go, the helper lowers G (under a lock, only while this process has not passed it) and searches
the steps between the new G and the old one too, keeping any stop it finds there. The estimate
and these moves only balance the work: the answer is the same whatever G (the tests split at
chosen points), and if the helper fails, this process searches on from its G itself.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import threading
import time
import traceback

from . import add1, mes
from .add1 import PASSED, Outcomes
from .mes import _Run, _Supports

#: Seconds the search runs alone before a helper is started (a fork takes a few milliseconds;
#: Budapest 2024, six alternating runs each: 1.53-1.82 s with 0.03, 1.53-2.10 s with 0.1).
START_AFTER = 0.03
#: No split when fewer than this many steps seem left: the helper would not pay for its start.
MIN_LEFT = 64
#: This process's share of the steps left when the helper picks G: a little more than half, as the
#: helper then explains its answer while this process may still be proving its range.
SHARE = 0.55
#: The helper, done with its range, takes over part of the caller's only if that would take the
#: caller at least this many seconds more (at its pace so far).
MIN_TAKEN = 0.05
#: A split point to use at once instead of the estimate (the tests split at chosen steps).
FORCED_POINT = None
#: Runs doubling the step before one stops, at most (then no split).
MAX_DOUBLINGS = 40
#: Halvings of the gap between the last step seen going on and the first seen stopping.
HALVINGS = 3
#: The clock START_AFTER is measured with (the tests set its time).
_clock = time.perf_counter


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity where the system keeps one (a container's CPU set,
    ``taskset``), else the machine's count. A helper process sharing a single CPU only slows a count."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # no affinity on this system (macOS, Windows)
        return os.cpu_count() or 1


def search(election, sup: _Supports, utility, rank, step, exhaustive_stop, free, cands):
    """Add1's answer (``mes._add1``'s, from step 0), searched in two ranges when it takes long:
    (funded projects, the run or, when the helper's answer is the one, its ``mes.Facts``, runs, step)."""
    task = (election, sup, utility, rank, step, exhaustive_stop, free, cands)
    split = _Split(task, FORCED_POINT)
    try:
        answer = _search(task, 0, split.bound)
        if answer[0] is not PASSED:
            return answer
        runs = answer[2]
        found = split.answer()
        if found is not None:
            chosen, facts, helper_runs, k = found
            return chosen, facts, runs + helper_runs, k
        answer = _search(task, split.point)  # the helper failed: search its range here
        return (*answer[:2], runs + answer[2], answer[3])
    finally:
        split.close()


def _search(task, start: int, bound=None, first_span: int = add1.FIRST_SPAN):
    """``mes._add1`` over the steps from ``start`` (see ``add1.search``); the greedy part of
    add1-greedy comes after, in ``mes.equal_shares``."""
    election, sup, utility, rank, step, exhaustive_stop, free, cands = task
    args = (election, sup, utility, rank, "add1", step, exhaustive_stop, free, cands)
    return mes._add1(*args, start=start, bound=bound, first_span=first_span)


class _Split:
    """This process's side: when to start the helper, and where it has split the steps."""

    def __init__(self, task, at) -> None:
        self.task = task  # search's arguments, for the helper
        self.at = at
        self.began = _clock()
        self.process = None
        self.point = at  # G, once the helper has picked it (or given)

    def bound(self, k: int, runs: int) -> bool:
        """Every step up to k is neither done nor over: True once that covers every step below G
        (which the helper may lower, taking over the steps above, until this process passes it)."""
        if self.process is None:
            if _clock() - self.began < START_AFTER and self.at is None:
                return False
            self._start()
            if self.process is None:
                return False
        shared = self.shared
        shared[0], shared[3] = k, runs
        point = shared[1]  # read once: the helper may set it at any moment
        if point < 0 or k < point - 1:
            return False
        with self.lock:  # the helper lowers G only under the lock, while this process has not passed it
            self.point = shared[1]  # at most what was read: k covers it too
            shared[2] = 1
        return True

    def _start(self) -> None:
        if multiprocessing.current_process().daemon:  # a pool's worker: no children allowed
            self.began = float("inf")
            return
        # forked where that is safe (on Linux, this process running no other thread: a command, a
        # benchmark), the helper starts at once with the election in memory; else spawned, it
        # imports numpy and the tally code first (a fifth of a second) and is sent the election
        fork = sys.platform == "linux" and threading.active_count() == 1  # (macOS: fork is unsafe)
        ctx = multiprocessing.get_context("fork" if fork else "spawn")
        # [0] this process's k (see bound); [1] G, set by the helper (-1 until then, -2: no split);
        # [2] whether this process has passed G; [3] its runs and probes so far
        self.shared = ctx.RawArray("q", [0, -1 if self.at is None else self.at, 0, 0])
        self.lock = ctx.Lock()
        self.conn, child = ctx.Pipe()
        payload = (self.task, self.at)
        process = ctx.Process(
            target=_helper, args=(child, self.shared, self.lock, payload if fork else None), daemon=True
        )
        try:
            process.start()
        except Exception:  # no process could be started (or this is one starting): search alone
            self.began = float("inf")
            self.conn.close()
            return
        finally:
            child.close()
        self.process = process
        if not fork:  # sent from a thread: the helper reads it only once it has imported numpy
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            threading.Thread(target=_send, args=(self.conn, data), daemon=True).start()

    def answer(self):
        """The helper's (funded projects, ``mes.Facts``, its runs, step), or None if it failed."""
        try:
            while not self.conn.poll(0.1):
                if not self.process.is_alive() and not self.conn.poll():
                    return None  # died without a word
            message = self.conn.recv()
        except (EOFError, OSError):
            return None
        if message[0] != "answer":
            return None
        return message[1:]

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.conn.close()
            self.process = None


def _send(conn, data: bytes) -> None:
    try:
        conn.send_bytes(data)
    except OSError:  # the helper is gone: the caller sees it when it waits for the answer
        pass


def _helper(conn, shared, lock, payload) -> None:
    """The helper process: pick G, search from G on; then, while the caller has far to go below G,
    take over the upper part of what it has left (lowering G), and send the answer back."""
    try:
        if payload is None:
            payload = pickle.loads(conn.recv_bytes())  # noqa: S301 (from the process that started this one)
        task, point = payload
        began, first = time.perf_counter(), shared[0]
        if point is None:
            point = _point(task, shared)
        if point is None:
            shared[1] = -2
            conn.send(("no split",))
            return
        shared[1] = point
        span = _span(shared[0], shared[3])
        sup = task[1]
        answer = _search(task, point, first_span=span)
        runs = answer[2]
        facts = _facts(sup, answer)  # the explanation, while the caller may still be at work
        while True:
            with lock:
                here = shared[0]
                rate = (here - first) / max(time.perf_counter() - began, 1e-9)  # the caller's steps a second
                if shared[2] or point - here < max(MIN_LEFT, rate * MIN_TAKEN):
                    break
                top, point = point, here + int(SHARE * (point - here))
                shared[1] = point

            def bound(k, runs, top=top):
                return k >= top - 1

            taken = _search(task, point, bound, span)
            runs += taken[2]
            if taken[0] is not PASSED and taken[3] < answer[3]:  # a stop before the one found above
                answer, facts = taken, _facts(sup, taken)
        found, _, _, k = answer
        conn.send(("answer", found, facts, runs, k))
    except Exception:  # reported, and the caller searches the range itself
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _span(steps: int, runs: int) -> int:
    """The first span of the helper's searches: as many steps as the caller's search has skipped per
    run and probe (a power of two, from ``add1.FIRST_SPAN`` to ``add1.MAX_SPAN``). Where the outcome
    is stable over long ranges, short first spans cost probes and runs one step at a time (Budapest
    2024, five searches from steps 12,000-13,520: 6.2-6.8 s with first spans of 32 to 256, 7.3-7.7 s
    with 8); where it changes every few steps, long ones fail (Warsaw-Mokotow, two processes: 0.93 s
    with 8, 1.0-1.7 s with 64)."""
    skip = steps // max(runs, 1)
    return max(add1.FIRST_SPAN, min(add1.MAX_SPAN, 1 << max(skip.bit_length() - 1, 0)))


def _facts(sup, answer):
    found, run, _, _ = answer
    return mes.Facts(run, sup, set(found)) if run is not None else None


def _point(task, shared) -> int | None:
    """G: ``SHARE`` of the way from where the caller has got to, to where the search seems to end
    (None when that is too close to be worth a split)."""
    election, sup, utility, rank, step, exhaustive_stop, free, cands = task
    b_first = election.budget / sup.num_voters
    outcomes = Outcomes(election.costs, election.budget, cands, free)

    def stops(k: int) -> bool:
        run = _Run(election, sup, utility, rank, b_first + k * step)
        run.run(cands)
        return outcomes.state(free + run.chosen, exhaustive_stop) is not None

    going = shared[0]  # every step up to it goes on
    k = max(2 * going, int(b_first / step) // 16, 1)
    for _ in range(MAX_DOUBLINGS):
        if stops(k):
            break
        going, k = k, 2 * k
    else:
        return None
    ends = k
    for _ in range(HALVINGS):
        mid = (going + ends) // 2
        if mid <= going:
            break
        if stops(mid):
            ends = mid
        else:
            going = mid
    here = shared[0]
    end = (going + ends) // 2
    if end - here < MIN_LEFT:
        return None
    return here + int(SHARE * (end - here))
