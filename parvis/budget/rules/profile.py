"""Ballots held as a sparse voters x projects matrix.

A city-wide vote has 100,000+ voters who each mark a handful of projects, so ballots are kept in
compressed sparse rows (CSR): ``indptr`` delimits each voter's slice of ``indices`` (project columns)
and ``values`` (points, scores or grades; 1 for approval). Order inside a row is the ballot's own
order, which matters for ordinal ballots.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

VOTE_TYPES = ("approval", "choose-1", "ordinal", "cumulative", "scoring")


@dataclass(frozen=True, eq=False)
class Profile:
    """Ballots of ``num_voters`` voters over ``num_projects`` projects, as CSR arrays.

    ``values`` holds exact numbers (ints, or Fractions when a file had decimal points) only when
    the vote type carries them (cumulative, scoring); it is ``None`` for approval and ordinal.
    """

    num_projects: int
    indptr: np.ndarray
    indices: np.ndarray
    vote_type: str = "approval"
    values: tuple | None = None

    @property
    def num_voters(self) -> int:
        return len(self.indptr) - 1

    def ballot(self, voter: int) -> list[int]:
        return self.indices[self.indptr[voter] : self.indptr[voter + 1]].tolist()

    def ballot_values(self, voter: int) -> list:
        start, end = self.indptr[voter], self.indptr[voter + 1]
        if self.values is None:
            return [1] * int(end - start)
        return list(self.values[start:end])

    def support_counts(self) -> np.ndarray:
        """Voters who put each project on their ballot (any points, even zero, count, as in pabutools)."""
        return np.bincount(self.indices, minlength=self.num_projects).astype(np.int64)

    def distinct_groups(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Group voters by the set of projects on their ballot, in order of first appearance:
        ``(lengths, projects, voters)`` — each group's number of projects, all groups' projects
        (sorted within a group, concatenated) and each group's number of voters.

        Rules whose utility depends only on which projects a voter supports (greedy, MES with cost
        or approval utility, Phragmén) give every voter of a group the same treatment, so they run on
        groups weighted by their size: Wrocław's 131,778 ballots become 197 groups. Ballots are
        packed into bit rows and grouped by numpy, not one by one.
        """
        n, n_proj = int(self.num_voters), int(self.num_projects)
        if n == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        width = max((n_proj + 63) // 64, 1) * 8  # whole 64-bit words: one word sorts fastest
        packed = np.zeros((n, width), dtype=np.uint8)
        lengths = np.diff(self.indptr)
        chunk = max(1, (1 << 24) // max(n_proj, 1))  # at most 16 MB of booleans at a time
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            lo, hi = int(self.indptr[start]), int(self.indptr[stop])
            dense = np.zeros((stop - start, width * 8), dtype=bool)
            voters = np.repeat(np.arange(stop - start), lengths[start:stop])
            dense[voters, self.indices[lo:hi]] = True
            packed[start:stop] = np.packbits(dense, axis=1)
        keys = packed.view(np.uint64 if width == 8 else np.dtype((np.void, width))).ravel()
        _, first, counts = np.unique(keys, return_index=True, return_counts=True)
        order = np.argsort(first)
        bits = np.unpackbits(packed[first[order]], axis=1)[:, :n_proj]
        group, flat = np.nonzero(bits)
        return (
            np.bincount(group, minlength=len(order)).astype(np.int64),
            flat.astype(np.int64),
            counts[order].astype(np.int64),
        )

    @classmethod
    def from_ballots(
        cls,
        ballots: Iterable[Iterable[str] | Mapping[str, object]],
        project_ids: Sequence[str],
        vote_type: str | None = None,
    ) -> Profile:
        """Build a profile from plain data: sets or lists of project ids, or mappings id -> points.

        Unknown ids raise ``ValueError`` naming the ballot; repeated ids in a set-like ballot count once.
        """
        column = {pid: i for i, pid in enumerate(project_ids)}
        indptr = [0]
        indices: list[int] = []
        values: list = []
        has_values = False
        for number, ballot in enumerate(ballots):
            seen: dict[int, int] = {}
            items = ballot.items() if isinstance(ballot, Mapping) else ((pid, 1) for pid in ballot)
            if isinstance(ballot, Mapping):
                has_values = True
            for pid, value in items:
                try:
                    col = column[str(pid)]
                except KeyError:
                    raise ValueError(f"ballot {number + 1}: unknown project id {pid!r}")
                if col in seen:
                    values[seen[col]] = _exact(value)
                    continue
                seen[col] = len(indices)
                indices.append(col)
                values.append(_exact(value))
            indptr.append(len(indices))
        if vote_type is None:
            vote_type = "cumulative" if has_values else "approval"
        return cls(
            num_projects=len(project_ids),
            indptr=np.asarray(indptr, dtype=np.int64),
            indices=np.asarray(indices, dtype=np.int32),
            vote_type=vote_type,
            values=tuple(values) if vote_type in ("cumulative", "scoring") else None,
        )


def _exact(value) -> int | Fraction:
    if isinstance(value, int | Fraction):
        return value
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**12)
    return Fraction(str(value))


@dataclass(eq=False)
class Election:
    """One participatory-budget election: projects with exact costs, a budget, ballots.

    Costs and budget are exact (``Fraction``) so that affordability is never decided by rounding.
    """

    project_ids: list[str]
    costs: list[Fraction]
    budget: Fraction
    profile: Profile
    meta: dict[str, str] = field(default_factory=dict)
    project_meta: list[dict[str, str]] = field(default_factory=list)

    @property
    def vote_type(self) -> str:
        return self.profile.vote_type

    @classmethod
    def from_data(
        cls,
        projects: Mapping[str, object],
        budget,
        ballots,
        vote_type: str | None = None,
    ) -> Election:
        """Build an election from ``{project_id: cost}``, a budget and ballots (or a ``Profile``)."""
        ids = [str(pid) for pid in projects]
        costs = [
            Fraction(str(c)) if not isinstance(c, int | Fraction) else Fraction(c) for c in projects.values()
        ]
        if any(c < 0 for c in costs):
            raise ValueError("project costs must not be negative")
        if isinstance(ballots, Profile):
            profile = ballots
            if profile.num_projects != len(ids):
                raise ValueError("profile and projects disagree on the number of projects")
        else:
            profile = Profile.from_ballots(ballots, ids, vote_type)
        return cls(ids, costs, _exact_budget(budget), profile)


def _exact_budget(budget) -> Fraction:
    if isinstance(budget, int | Fraction):
        return Fraction(budget)
    return Fraction(str(budget))
