"""``parvis tally FILE.pb --rule ...``: recount a pabulib election with the tally engine.

Why here, beside the rules and without Django: a count needs no settings, database or app, and
starting Django takes longer than most counts (about 0.6 s, against 0.1 s for numpy and the rules).
So ``parvis tally`` comes straight here (``parvis.cli``), while ``manage.py tally`` and
``call_command("tally")`` (the budget app's management command) take the same arguments and print
the same output. Any error (malformed file, unknown rule, a ballot type the rule does not accept)
is a ``UsageError``: a clear message and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from fractions import Fraction

from . import RULES, pabulib, tally
from .add1_split import usable_cpus

HELP = "Tally a participatory-budget election from a pabulib .pb file (same outcome as pabutools)."


class UsageError(Exception):
    """A bad argument or file: its message is for the user, and the command exits with code 2."""


def _number(x: Fraction) -> int | float:
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else float(x)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE.pb")
    parser.add_argument("--rule", default="greedy", help="greedy | mes | phragmen | mj (default: greedy)")
    parser.add_argument(
        "--utility",
        default=None,
        help="cost | approval (greedy, mes) | points (greedy: total points per project); default: cost",
    )
    parser.add_argument("--completion", default=None, help="none | add1 | add1-greedy (mes; default: none)")
    parser.add_argument(
        "--increment", default=None, help="Add1 step per voter, in currency units (default: 1)"
    )
    parser.add_argument(
        "--no-exhaustive-stop",
        action="store_true",
        help="Add1: go on past exhaustive outcomes up to the last affordable one (equalshares.net)",
    )
    parser.add_argument("--tie-break", default=None, help="lexico | min-cost | max-votes | lottery")
    parser.add_argument("--seed", default=None, help="published seed for --tie-break lottery")
    parser.add_argument("--max-winners", type=int, default=None, help="mj: fund at most this many projects")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="mes with add1: processes a long search may use (default: 2 with two CPUs or more)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--explain", action="store_true", help="say why each project was or was not funded")


def run(opts: dict, write: Callable[[str], None]) -> None:
    """Count as ``opts`` (the parsed arguments) say, and ``write`` each line of the output."""
    rule = opts["rule"]
    if rule not in RULES:
        raise UsageError(f"unknown rule {rule!r} (expected one of {', '.join(RULES)})")
    if opts["tie_break"] == "lottery" and opts["seed"] is None:
        raise UsageError("--tie-break lottery needs --seed")
    workers = opts["workers"]
    if workers is not None and workers < 1:
        raise UsageError("--workers must be 1 or more")
    if workers is None and rule == "mes" and opts["completion"] in ("add1", "add1-greedy"):
        workers = min(2, usable_cpus())
    options = {
        "utility": opts["utility"],
        "completion": opts["completion"],
        "increment": opts["increment"],
        "exhaustive_stop": False if opts["no_exhaustive_stop"] else None,
        "tie_break": opts["tie_break"],
        "seed": opts["seed"],
        "max_winners": opts["max_winners"],
        "workers": workers,
    }
    try:
        election = pabulib.read(opts["file"])
        outcome = tally(election, rule, **options)
    except OSError as e:
        raise UsageError(f"cannot read {opts['file']}: {e.strerror or e}") from e
    except (ValueError, ArithmeticError) as e:  # PabulibError and BallotTypeError are ValueErrors
        raise UsageError(f"{opts['file']}: {e}") from e
    if opts["json"]:
        data = outcome.as_dict()
        data.update(
            {
                "file": str(opts["file"]),
                "vote_type": election.vote_type,
                "num_voters": election.profile.num_voters,
                "num_projects": len(election.project_ids),
                "total_cost": _number(outcome.total_cost),
                "budget": _number(outcome.budget),
            }
        )
        if not opts["explain"]:
            data.pop("projects")
        write(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if opts["explain"]:
        write(outcome.explain())
        return
    write(f"rule: {outcome.rule}")
    write(f"selected ({len(outcome.selected)}): {', '.join(outcome.selected)}")
    write(f"total cost: {_number(outcome.total_cost)} of {_number(outcome.budget)}")


def main(argv: list[str]) -> int:
    """``parvis tally``: the exit code (0, or 2 with a message on stderr)."""
    parser = argparse.ArgumentParser(prog="parvis tally", description=HELP)
    add_arguments(parser)
    opts = vars(parser.parse_args(argv))  # a malformed command line: argparse says why, exit code 2
    try:
        run(opts, print)
        sys.stdout.flush()
    except UsageError as e:
        print(f"parvis tally: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`parvis tally ... | head`): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0
