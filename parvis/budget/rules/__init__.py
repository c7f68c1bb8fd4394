"""Tally rules for participatory budgets: pure functions, numpy and the standard library only.

Each rule takes either an ``Election`` (e.g. from ``pabulib.read``) or plain data:
``{project_id: cost}``, a budget, and ballots (a list of sets of project ids, of
``{project_id: points}`` mappings, or a ``Profile``), and returns an ``Outcome``. Outcomes are the
same as pabutools 1.2.3's (see docs/decisions/0002-tally-engine.md), computed in a fraction of the
time.

    >>> from parvis.budget import rules
    >>> rules.equal_shares({"a": 60, "b": 50, "c": 40}, 100, [{"a"}, {"a", "b"}, {"c"}]).selected
    ('a',)
"""

from __future__ import annotations

from collections.abc import Mapping

from . import pabulib
from .explain import Outcome, ProjectResult
from .greedy import UTILITIES as GREEDY_UTILITIES
from .greedy import greedy as _greedy
from .majority_judgment import majority_judgment as _majority_judgment
from .mes import COMPLETIONS
from .mes import UTILITIES as MES_UTILITIES
from .mes import equal_shares as _equal_shares
from .pabulib import PabulibError
from .phragmen import BallotTypeError
from .phragmen import phragmen as _phragmen
from .profile import Election, Profile
from .tiebreak import TIE_BREAKS

__all__ = [
    "COMPLETIONS",
    "RULES",
    "TIE_BREAKS",
    "BallotTypeError",
    "Election",
    "Outcome",
    "PabulibError",
    "Profile",
    "ProjectResult",
    "equal_shares",
    "greedy",
    "majority_judgment",
    "pabulib",
    "phragmen",
    "tally",
]

RULES = ("greedy", "mes", "phragmen", "mj")


def _election(election, budget, ballots, vote_type=None) -> Election:
    if isinstance(election, Election):
        return election
    if not isinstance(election, Mapping) or budget is None or ballots is None:
        raise TypeError("pass an Election, or {project_id: cost}, a budget and ballots")
    return Election.from_data(election, budget, ballots, vote_type)


def greedy(election, budget=None, ballots=None, *, utility="cost", tie_break="lexico", seed=None) -> Outcome:
    """Utilitarian greedy with skipping.

    ``utility="cost"`` ranks by votes, ``"approval"`` by votes/cost, ``"points"`` by total points
    (cumulative/scoring points, positional points on ordinal ballots, 1 per approval).
    """
    return _greedy(_election(election, budget, ballots), utility=utility, tie_break=tie_break, seed=seed)


def equal_shares(
    election,
    budget=None,
    ballots=None,
    *,
    utility="cost",
    completion="none",
    increment=1,
    exhaustive_stop=True,
    tie_break="lexico",
    seed=None,
    workers=1,
) -> Outcome:
    """Method of Equal Shares; ``completion`` is ``"none"``, ``"add1"`` or ``"add1-greedy"``.
    ``workers``: processes a long Add1 search may use (two at most; the outcome is the same)."""
    return _equal_shares(
        _election(election, budget, ballots),
        utility=utility,
        completion=completion,
        increment=increment,
        exhaustive_stop=exhaustive_stop,
        tie_break=tie_break,
        seed=seed,
        workers=workers,
    )


def phragmen(election, budget=None, ballots=None, *, tie_break="lexico", seed=None) -> Outcome:
    """Sequential Phragmén (approval ballots)."""
    return _phragmen(_election(election, budget, ballots, "approval"), tie_break=tie_break, seed=seed)


def majority_judgment(
    election,
    budget=None,
    ballots=None,
    *,
    max_winners=None,
    missing_grade=None,
    tie_break="lexico",
    seed=None,
) -> Outcome:
    """Majority judgment on grade ballots (``{project_id: grade}`` per voter, higher is better)."""
    return _majority_judgment(
        _election(election, budget, ballots, "scoring"),
        max_winners=max_winners,
        missing_grade=missing_grade,
        tie_break=tie_break,
        seed=seed,
    )


def tally(election: Election, rule: str, **options) -> Outcome:
    """Run ``rule`` (one of ``RULES``) on an election; raises ``ValueError`` on a rule/ballot mismatch."""
    options = {k: v for k, v in options.items() if v is not None}
    if rule == "greedy":
        allowed = {"utility", "tie_break", "seed"}
        fn = greedy
    elif rule == "mes":
        utility = options.get("utility")
        if utility in GREEDY_UTILITIES and utility not in MES_UTILITIES:
            raise ValueError(
                f"utility {utility!r} applies to rule greedy only; "
                f"rule mes takes utility {' or '.join(MES_UTILITIES)}"
            )
        allowed = {"utility", "completion", "increment", "exhaustive_stop", "tie_break", "seed", "workers"}
        fn = equal_shares
    elif rule == "phragmen":
        allowed = {"tie_break", "seed"}
        fn = phragmen
    elif rule == "mj":
        if election.profile.values is None:
            raise BallotTypeError(
                "majority judgment needs grade (scoring) ballots; "
                f"this election has {election.vote_type} ballots"
            )
        allowed = {"max_winners", "missing_grade", "tie_break", "seed"}
        fn = majority_judgment
    else:
        raise ValueError(f"unknown rule {rule!r} (expected one of {', '.join(RULES)})")
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"option(s) {', '.join(sorted(unknown))} do not apply to rule {rule}")
    return fn(election, **options)
