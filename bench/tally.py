"""Tally engine benchmark: Parvis against pabutools 1.2.3, same files, same run.

For each file: voters, projects, Parvis's parse time and peak memory, then for each rule Parvis's
time, pabutools' time (in a subprocess, with a timeout) and the ratio; a mark says whether both
funded the same projects. Prints the command used and a Markdown table.

    python bench/tally.py --files Toulouse_2022 --rules mes_cost_add1 --pabutools-timeout 300
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parvis.budget import rules  # noqa: E402
from parvis.budget.rules.add1_split import usable_cpus  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "../shared/data/pabulib"

RULES = {
    "greedy_cost": ("greedy", {"utility": "cost"}),
    "mes_cost": ("mes", {"utility": "cost"}),
    "mes_card": ("mes", {"utility": "approval"}),
    "mes_cost_add1": ("mes", {"utility": "cost", "completion": "add1"}),
    "mes_cost_add1_greedy": ("mes", {"utility": "cost", "completion": "add1-greedy"}),
    "seq_phragmen": ("phragmen", {}),
}

PABUTOOLS = r"""
import json, sys, time
from pabutools.election import Cost_Sat, Cardinality_Sat
from pabutools.election.pabulib import parse_pabulib
from pabutools.rules import (greedy_utilitarian_welfare, method_of_equal_shares, sequential_phragmen,
                             completion_by_rule_combination)
path, rule = sys.argv[1], sys.argv[2]
t = time.perf_counter(); instance, profile = parse_pabulib(path); parse = time.perf_counter() - t
t = time.perf_counter()
if rule == "parse":
    out = []
elif rule == "greedy_cost":
    out = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
elif rule == "mes_cost":
    out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
elif rule == "mes_card":
    out = method_of_equal_shares(instance, profile, sat_class=Cardinality_Sat)
elif rule == "mes_cost_add1":
    out = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
elif rule == "mes_cost_add1_greedy":
    out = completion_by_rule_combination(instance, profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}])
elif rule == "seq_phragmen":
    out = sequential_phragmen(instance, profile)
seconds = time.perf_counter() - t
print(json.dumps({"parse": parse, "seconds": seconds, "selected": sorted(p.name for p in out)}))
"""


def pabutools_run(path: Path, rule: str, timeout: float) -> dict | None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", PABUTOOLS, str(path), rule],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--files", nargs="*", help="substrings of file names (default: files with 4,000+ voters)"
    )
    parser.add_argument("--rules", nargs="*", default=list(RULES), choices=list(RULES))
    parser.add_argument("--pabutools-timeout", type=float, default=300.0, metavar="SECONDS")
    parser.add_argument("--no-pabutools", action="store_true", help="time Parvis only")
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, usable_cpus()),
        help="processes an Add1 search may use, as `parvis tally` (default: 2 with two CPUs or more)",
    )
    args = parser.parse_args(argv)
    data = Path(args.data)
    paths = sorted(data.glob("*.pb"))
    if args.files:
        paths = [p for p in paths if any(f in p.name for f in args.files)]
    print("command: python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv or sys.argv[1:])]))
    print(f"workers for Add1: {args.workers} (of {usable_cpus()} usable CPUs)")
    header = ["file", "voters", "projects", "parse s (Parvis / pabutools)", "parse peak MB"]
    for r in args.rules:
        header.append(f"{r} s (Parvis / pabutools = ratio)")
    rows = []
    for path in paths:
        t = time.perf_counter()
        election = rules.pabulib.read(path)
        parse = time.perf_counter() - t
        tracemalloc.start()  # a second parse for memory: tracing slows it down
        rules.pabulib.read(path)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        if not args.files and election.profile.num_voters < 4000:
            continue
        pb_parse = None if args.no_pabutools else pabutools_run(path, "parse", args.pabutools_timeout)
        pb_parse_s = f"{pb_parse['parse']:.2f}" if pb_parse and "parse" in pb_parse else "-"
        row = [
            path.stem[:40],
            f"{election.profile.num_voters:,}",
            str(len(election.project_ids)),
            f"{parse:.2f} / {pb_parse_s}",
            f"{peak:.0f}",
        ]
        for name in args.rules:
            rule, options = RULES[name]
            if "completion" in options:
                options = {**options, "workers": args.workers}
            t = time.perf_counter()
            try:
                outcome = rules.tally(election, rule, **options)
                ours = sorted(outcome.selected)
            except rules.BallotTypeError:
                row.append("n/a")
                continue
            seconds = time.perf_counter() - t
            if args.no_pabutools:
                steps = outcome.details.get("add1_steps")
                runs = f" ({steps:,} steps, {outcome.details['runs']:,} MES runs)" if steps else ""
                row.append(f"{seconds:.3f}{runs}")
                continue
            theirs = pabutools_run(path, name, args.pabutools_timeout)
            if theirs is None:
                row.append(
                    f"{seconds:.3f} / >{args.pabutools_timeout:.0f}"
                    f" = >{args.pabutools_timeout / seconds:.0f}x"
                )
            elif "error" in theirs:
                row.append(f"{seconds:.3f} / error")
            else:
                same = "" if theirs["selected"] == ours else " DIFFERENT"
                ratio = theirs["seconds"] / seconds if seconds > 0 else float("inf")
                row.append(f"{seconds:.3f} / {theirs['seconds']:.2f} = {ratio:.0f}x{same}")
        rows.append(row)
        print("| " + " | ".join(row) + " |", file=sys.stderr, flush=True)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
