"""Every benchmark script runs on tiny data, as a newcomer would run it: a schema change or a new
required argument can never silently break one again.

Each script runs in its own process against a database of its own (a fresh SQLite file, or a fresh
PostgreSQL database next to the test database when the suite runs on PostgreSQL), with small
arguments. Nothing here asserts a timing: the figures are the scripts' business, the tests check that
they run to the end and print what they promise.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds per script: generous for a loaded 2-core machine, small data throughout

TINY_PB = """META
key;value
description;Tiny election for the benchmark smoke test
country;Nowhere
unit;Tiny
instance;2026
num_projects;4
num_votes;6
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
1;40;Un
2;30;Deux
3;50;Trois
4;20;Quatre
VOTES
voter_id;vote
1;1,2
2;1,3
3;2,4
4;3
5;1,4
6;2,3,4
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


needs_postgresql = pytest.mark.skipif(
    not on_postgresql(), reason="the script loads its data with PostgreSQL's COPY or measures PostgreSQL"
)


@pytest.fixture(scope="module")
def bench_env(tmp_path_factory, worker_id):
    """Environment of a script: its own home and database, migrated once for the module's scripts."""
    home = tmp_path_factory.mktemp("bench-home")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PARVIS_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "parvis.settings",
        "SECRET_KEY": "bench-smoke-secret-key-bench-smoke-secret-key",
        "PARVIS_HTTPS": "0",
        "PARVIS_DEBUG": "0",
        "PARVIS_RATE_LIMITS_ENABLED": "0",
    }
    env.pop("PARVIS_TESTING", None)
    database = None
    if on_postgresql():
        import psycopg

        db = settings.DATABASES["default"]
        database = f"{db['NAME']}_bench_{worker_id}"[:63]
        admin = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"]}
        admin["password"] = db["PASSWORD"] or None
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database}"')
        user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{user}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{database}"
    else:
        env.pop("DATABASE_URL", None)
    run(env, "-m", "parvis.cli", "migrate", "--verbosity", "0")
    yield env
    if database:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_core_locate(bench_env):
    out = run(bench_env, "bench/core_locate.py", "--points", "50", "--image-runs", "0")
    assert "lookups/s" in out


def test_ideas_consultation_page(bench_env):
    out = run(bench_env, "bench/ideas_consultation_page.py", "--ideas", "60", "--requests", "2")
    assert "SQL queries per page" in out


def test_ideas_opinion_map(bench_env):
    out = run(
        bench_env,
        "bench/ideas_opinion_map.py",
        *("--participants", "60", "--statements", "20", "--runs", "1", "--database"),
    )
    assert "full recomputation" in out
    assert "groups found" in out


def test_tally(bench_env, tmp_path):
    (tmp_path / "Tiny_2026.pb").write_text(TINY_PB)
    out = run(bench_env, "bench/tally.py", "--data", str(tmp_path), "--files", "Tiny", "--no-pabutools")
    assert "| Tiny_2026 | 6 | 4 |" in out


@needs_postgresql
@pytest.mark.xfail(
    reason="KNOWN BUG, open in issue 19: budget_ballots.py's 30 ballots are refused since the permissions "
    "contract and the charter changed who may vote (its voters need to meet the new rules)",
    strict=False,
)
def test_run_every_benchmark_at_tiny_scale(bench_env):
    """bench/run.py runs every PostgreSQL benchmark (reports generated, map, Open311 over HTTP, POST with
    the worker, ballots through parvis serve, results with each rule, the ideas page, the opinion map)
    and prints one table with a row per target."""
    port = free_port()
    out = run(bench_env, "bench/run.py", "--scale", "tiny", "--port", str(port))
    table = [line for line in out.splitlines() if line.startswith("| ")]
    assert table[0].startswith("| measurement (tiny scale) | target | measured | holds |")
    rows = "\n".join(table)
    for what in [
        "duplicate lookup",
        "map: whole city, zoom 12, status=done",
        "Open311 GET requests.json",
        "Open311 POST requests.json, parvis worker running",
        "ballots through parvis serve",
        "rule mes",
        "first-time anonymous visitor",
        "opinion map",
    ]:
        assert what in rows
    assert "LOST" not in rows
    assert "last ballot stored: yes" in rows
    assert "load average" in out
