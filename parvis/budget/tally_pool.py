"""Tallying a campaign's envelopes on every CPU.

Envelopes are independent counts, and a city-wide vote is large (hundreds of thousands of ballots
in the city-wide envelope, tens of thousands in each district): tallied one after the other they
leave all but one CPU idle. A ``TallyPool`` sends each envelope's data to worker processes as soon as
it has been read, so that reading the next envelope from the database overlaps with counting the
previous ones, and returns the outcomes in submission order. Small campaigns are counted in this
process: starting workers costs more than it saves. Workers are *spawned* (a fresh interpreter that
imports only the pure tally code), never forked from a web or task worker that holds threads and
database connections.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from . import tally
from .rules.add1_split import usable_cpus

#: Below this many ballots in the whole campaign, workers are not worth starting.
PARALLEL_MIN_BALLOTS = 50_000


class TallyPool:
    """``submit(data)`` each envelope's ``EnvelopeData``, then ``outcomes()`` in the same order.

    Workers start once the envelopes submitted so far hold ``PARALLEL_MIN_BALLOTS`` ballots counted by
    the Method of Equal Shares (the city-wide envelope, read first, usually decides), and take over
    what was submitted before.
    """

    def __init__(self, workers: int | None = None):
        self.workers = workers or usable_cpus()
        self._executor = None
        self._ballots = 0
        self._jobs: list[list] = []  # [data, future or None]

    @property
    def parallel(self) -> bool:
        return self._executor is not None

    def submit(self, data: tally.EnvelopeData) -> None:
        self._jobs.append([data, None])
        if data.rule == "mes":  # greedy and majority judgment are a sort and a count: faster here
            self._ballots += len(data.ballots) if isinstance(data.ballots, list) else data.ballots.num_voters
        if self._executor is None and self.workers > 1 and self._ballots >= PARALLEL_MIN_BALLOTS:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        if self._executor is not None:
            for job in self._jobs:
                if job[1] is None:
                    job[1] = self._executor.submit(tally.tally_envelope, tally.packed(job[0]))

    def outcomes(self) -> list[tally.EnvelopeOutcome]:
        """Every submitted envelope's outcome; an error in an envelope's data is raised as is."""
        results = []
        try:
            for data, future in self._jobs:
                if future is None:
                    results.append(tally.tally_envelope(data))
                    continue
                try:
                    results.append(future.result())
                except BrokenProcessPool:  # a worker could not start or died: count it here
                    results.append(tally.tally_envelope(data))
        finally:
            self.close()
        return results

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
