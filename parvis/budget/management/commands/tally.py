"""``parvis tally FILE.pb --rule ...``: recount a pabulib election with the tally engine.

All logic lives in ``parvis.budget.rules``; this command parses arguments, calls, prints. Any
error (malformed file, unknown rule, a ballot type the rule does not accept) is reported on stderr
with exit code 2.
"""

from __future__ import annotations

import json
import os
from fractions import Fraction

from django.core.management.base import BaseCommand, CommandError

from parvis.budget import rules


def _number(x: Fraction) -> int | float:
    x = Fraction(x)
    return x.numerator if x.denominator == 1 else float(x)


class Command(BaseCommand):
    help = "Tally a participatory-budget election from a pabulib .pb file (same outcome as pabutools)."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.pb")
        parser.add_argument("--rule", default="greedy", help="greedy | mes | phragmen | mj (default: greedy)")
        parser.add_argument(
            "--utility",
            default=None,
            help="cost | approval (greedy, mes) | points (greedy: total points per project); default: cost",
        )
        parser.add_argument(
            "--completion", default=None, help="none | add1 | add1-greedy (mes; default: none)"
        )
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
        parser.add_argument(
            "--max-winners", type=int, default=None, help="mj: fund at most this many projects"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="mes with add1: processes a long search may use (default: 2 with two CPUs or more)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--explain", action="store_true", help="say why each project was or was not funded"
        )

    def handle(self, *args, **opts):
        rule = opts["rule"]
        if rule not in rules.RULES:
            raise CommandError(
                f"unknown rule {rule!r} (expected one of {', '.join(rules.RULES)})", returncode=2
            )
        if opts["tie_break"] == "lottery" and opts["seed"] is None:
            raise CommandError("--tie-break lottery needs --seed", returncode=2)
        workers = opts["workers"]
        if workers is not None and workers < 1:
            raise CommandError("--workers must be 1 or more", returncode=2)
        if workers is None and rule == "mes" and opts["completion"] in ("add1", "add1-greedy"):
            workers = min(2, os.cpu_count() or 1)
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
            election = rules.pabulib.read(opts["file"])
            outcome = rules.tally(election, rule, **options)
        except OSError as e:
            raise CommandError(f"cannot read {opts['file']}: {e.strerror or e}", returncode=2)
        except (ValueError, ArithmeticError) as e:  # PabulibError and BallotTypeError are ValueErrors
            raise CommandError(f"{opts['file']}: {e}", returncode=2)
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
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
            return
        if opts["explain"]:
            self.stdout.write(outcome.explain())
            return
        self.stdout.write(f"rule: {outcome.rule}")
        self.stdout.write(f"selected ({len(outcome.selected)}): {', '.join(outcome.selected)}")
        self.stdout.write(f"total cost: {_number(outcome.total_cost)} of {_number(outcome.budget)}")
