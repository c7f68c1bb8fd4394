"""Every benchmark at one scale, and one table: each target of the issues with its measured figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_bench PARVIS_HOME=/tmp/pvhome-bench \\
        /work/venv/bin/python bench/run.py --scale small|full [--only reports,budget,ideas]

``full`` is the scale of the targets (2,000,000 reports, 250,000 voters, 20,000 ideas, 5,000 × 500
opinions); ``small`` runs the same measurements on data a laptop generates in minutes. Reports are
generated only up to the scale's count (an existing table is kept and topped up). Each script's own
output goes to standard error as it runs; standard output ends with the Markdown table that the docs
quote, the machine's load average before and after, and the command.
"""

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCALES = {
    "tiny": {  # for the test suite's smoke test: every script runs, no figure means anything
        "reports": 300,
        "map_runs": 3,
        "post_seconds": 2,
        "voters": 40,
        "result_voters": 100,
        "ideas": 60,
        "idea_requests": 2,
        "participants": 60,
        "statements": 20,
    },
    "small": {
        "reports": 50_000,
        "map_runs": 60,
        "post_seconds": 15,
        "voters": 1_000,
        "result_voters": 25_000,
        "ideas": 2_000,
        "idea_requests": 40,
        "participants": 1_000,
        "statements": 200,
    },
    "full": {
        "reports": 2_000_000,
        "map_runs": 300,
        "post_seconds": 30,
        "voters": 6_000,
        "result_voters": 250_000,
        "ideas": 20_000,
        "idea_requests": 200,
        "participants": 5_000,
        "statements": 500,
    },
}


@dataclass
class Row:
    what: str
    target: str
    measured: str
    holds: bool | None  # None: no target, or not measured


def script(name: str, *args, timeout: float = 4 * 3600) -> str:
    """Run one bench script, echo its output to standard error, return its standard output."""
    command = [sys.executable, str(ROOT / "bench" / name), *map(str, args)]
    print(f"\n$ {shlex.join(command[1:])}", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    sys.stderr.write(done.stdout + done.stderr[-4000:])
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed ({done.returncode})")
    return done.stdout


def number(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1).replace(",", "")) if found else None


def p95_rows(text: str, prefix: str, limit: float) -> list[Row]:
    rows = []
    for line in text.splitlines():
        if line.startswith(prefix):
            name = line.split("  p50")[0].strip()
            p95 = number(r"p95\s+([\d.]+) ms", line)
            rows.append(Row(name, f"p95 ≤ {limit:g} ms", f"p95 {p95:.1f} ms", p95 <= limit))
    return rows


def reports(scale: dict, port: int) -> list[Row]:
    from_db = script("reports_generate.py", "--count", 0)
    have = int(number(r"([\d,]+) in the table", from_db) or 0)
    if have < scale["reports"]:
        script("reports_generate.py", "--count", scale["reports"] - have)
    out = script("reports_bench.py", "--runs", scale["map_runs"], "--port", port)
    rows = p95_rows(out, "duplicate lookup", 20) + p95_rows(out, "map:", 100)
    rows += p95_rows(out, "Open311 GET", 300)
    out = script("reports_post_throughput.py", "--seconds", scale["post_seconds"], "--port", port + 1)
    rate = number(r"throughput: ([\d.]+) reports/s", out)
    lost = "nothing lost" not in out
    drain = number(r"queue drained ([\d.]+) s", out)
    rows.append(
        Row(
            "Open311 POST requests.json, parvis worker running",
            "≥ 100/s, nothing lost",
            f"{rate:.1f}/s, {'LOST OR DOUBLED' if lost else 'nothing lost'}; "
            f"queue drained {drain:.1f} s after",
            rate >= 100 and not lost and "NOT DRAINED" not in out,
        )
    )
    return rows


def budget(scale: dict, port: int) -> list[Row]:
    out = script("budget_ballots.py", "--voters", scale["voters"], "--port", port + 2)
    rate = number(r"= ([\d.]+) ballots/s", out)
    ratio = number(r"ratio ballots / trivial: ([\d.]+)", out)
    last = "last one acknowledged for its voter: True" in out
    rows = [
        Row(
            "ballots through parvis serve (real token use)",
            "≥ 300/s and ≥ 50 % of the trivial endpoint",
            f"{rate:.0f}/s, {ratio:.0%} of trivial; last ballot stored: {'yes' if last else 'NO'}",
            rate >= 300 and ratio >= 0.5 and last,
        )
    ]
    for rule in ("greedy", "mes", "mj"):
        out = script("budget_results.py", "--voters", scale["result_voters"], "--rule", rule)
        seconds = number(r"end to end \(.*?\): ([\d.]+) s", out)
        rows.append(
            Row(
                f"campaign results, {scale['result_voters']:,} voters, rule {rule}",
                "≤ 5 s",
                f"{seconds:.2f} s",
                seconds <= 5,
            )
        )
    return rows


def ideas(scale: dict, port: int) -> list[Row]:
    out = script(
        "ideas_consultation_page.py", "--ideas", scale["ideas"], "--requests", scale["idea_requests"]
    )
    p95 = number(r"first-time anonymous visitor, worst sort: ([\d.]+) ms", out)
    queries = number(r"SQL queries per page \(worst\): (\d+)", out)
    rows = [
        Row(
            f"idea list of {scale['ideas']:,} ideas, queries per page",
            "≤ 10",
            f"{queries:.0f}",
            queries <= 10,
        ),
        Row(
            "idea list, first-time anonymous visitor, worst sort",
            "p95 ≤ 100 ms",
            f"p95 {p95:.1f} ms",
            p95 <= 100,
        ),
    ]
    out = script(
        "ideas_opinion_map.py",
        *("--participants", scale["participants"], "--statements", scale["statements"], "--database"),
    )
    worst = number(r"full recomputation .*?worst ([\d.]+) s", out)
    rows.append(
        Row(
            f"opinion map, {scale['participants']:,} × {scale['statements']} (read, compute, store)",
            "≤ 5 s",
            f"worst {worst:.2f} s",
            worst <= 5,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--only", default="reports,budget,ideas", help="comma-separated groups")
    parser.add_argument("--port", type=int, default=8320, help="first of three ports for servers")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Run against PostgreSQL: DATABASE_URL=postgres://… (a database for benchmarks only).")
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[Row] = []
    for group in args.only.split(","):
        rows += {"reports": reports, "budget": budget, "ideas": ideas}[group.strip()](
            SCALES[args.scale], args.port
        )
    load_after = os.getloadavg()
    print(f"\n| measurement ({args.scale} scale) | target | measured | holds |")
    print("|---|---|---|---|")
    for row in rows:
        verdict = "-" if row.holds is None else ("yes" if row.holds else "**no**")
        print(f"| {row.what} | {row.target} | {row.measured} | {verdict} |")
    print(
        f"\nMachine: {os.cpu_count()} CPUs; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.1f}' for x in load_before)}, after {', '.join(f'{x:.1f}' for x in load_after)}; "
        f"{time.perf_counter() - started:.0f} s in all."
    )
    print(f"Command: DATABASE_URL=… python bench/run.py {shlex.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
