"""Ballots per second through gunicorn on PostgreSQL, against a trivial authenticated JSON endpoint.

Usage (the database is emptied of the bench campaign and re-filled):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_budget PARVIS_HOME=/tmp/pvhome-bench \\
        /work/venv/bin/python bench/budget_ballots.py [--voters 6000] [--workers 4] [--clients 16]

Each ballot request authenticates by token, checks the phase, eligibility and the ballot rules, then
stores the ballot (one per voter, by the database constraint). Every voter votes once, then a tenth
of them change their ballot; the script checks ballots stored = distinct voters acknowledged, and
that every stored ballot is the last one acknowledged for its voter.
"""

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
os.environ.setdefault("PARVIS_HOME", str(ROOT / "parvis-data" / "bench"))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
os.environ.setdefault("PARVIS_HTTPS", "0")
os.environ.setdefault("PARVIS_DEBUG", "0")


def setup(voters: int):
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from parvis.budget.models import PHASE_ORDER, BallotStyle, Campaign, Envelope, Phase, Project, Status
    from parvis.core.models import ApiToken, Territory, TerritoryLevel, User
    from parvis.core.tokens import TOKEN_PREFIX, _hash

    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", interactive=False, verbosity=0)
    from parvis.budget.models import Ballot, DistrictChoice

    Ballot.objects.filter(envelope__campaign__slug="bench").delete()
    DistrictChoice.objects.filter(campaign__slug="bench").delete()
    Project.objects.filter(campaign__slug="bench").delete()
    Campaign.objects.filter(slug="bench").delete()
    district, _ = Territory.objects.get_or_create(
        level=TerritoryLevel.DISTRICT,
        code="BENCH",
        defaults={
            "name": "Bench",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[2.3, 48.8], [2.31, 48.8], [2.31, 48.81], [2.3, 48.8]]],
            },
        },
    )
    campaign = Campaign.objects.create(slug="bench", title="Bench", eligibility_checks=["resident"])
    now = timezone.now()
    index = PHASE_ORDER.index("vote")
    for i, kind in enumerate(PHASE_ORDER):
        start = now + timedelta(days=10 * (i - index) - 1)
        Phase.objects.create(
            campaign=campaign,
            kind=kind,
            starts_at=start,
            ends_at=None if kind == "followup" else start + timedelta(days=10),
        )
    env = Envelope.objects.create(
        campaign=campaign,
        slug="paris",
        name="Tout Paris",
        amount=10_000_000,
        ballot_style=BallotStyle.KNAPSACK,
        max_choices=5,
    )
    projects = Project.objects.bulk_create(
        [
            Project(
                campaign=campaign,
                envelope=env,
                title=f"Projet {i}",
                body="x" * 40,
                cost=300_000 + 10_000 * i,
                status=Status.FEASIBLE,
                feasibility="feasible",
                review_published_at=now,
            )
            for i in range(25)
        ]
    )
    User.objects.filter(email__startswith="bench-voter-").delete()
    users = []
    for i in range(voters):
        u = User(email=f"bench-voter-{i}@bench.localhost", home_district=district, email_confirmed_at=now)
        u.set_unusable_password()
        users.append(u)
    users = User.objects.bulk_create(users, batch_size=2000)
    keys = [f"{TOKEN_PREFIX}bench{i:07d}{'x' * 30}" for i in range(voters)]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=u, name="bench", prefix=k[:12], key_hash=_hash(k), last_used_at=now)
            for u, k in zip(users, keys, strict=True)
        ],
        batch_size=2000,
    )
    return [p.pk for p in projects], keys, [u.pk for u in users]


def client(args):
    port, jobs, path_kind = args
    out = []
    conn = None
    for key, body in jobs:
        for _attempt in range(3):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                if path_kind == "trivial":
                    conn.request("GET", "/api/account/me", headers=headers)
                else:
                    conn.request(
                        "POST",
                        "/api/budget/campaigns/bench/envelopes/paris/ballot",
                        body=body,
                        headers=headers,
                    )
                resp = conn.getresponse()
                resp.read()
                out.append((key, body, resp.status))
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
    return out


_POOL = None


def run(port, jobs, clients, kind):
    """Send ``jobs`` from ``clients`` processes (started once, before any timing)."""
    global _POOL
    if _POOL is None:
        _POOL = mp.get_context("fork").Pool(clients)
    chunks = [jobs[i::clients] for i in range(clients)]
    start = time.perf_counter()
    results = _POOL.map(client, [(port, c, kind) for c in chunks])
    elapsed = time.perf_counter() - start
    return [r for chunk in results for r in chunk], elapsed


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each workload")
    args = parser.parse_args()
    project_ids, keys, user_ids = setup(args.voters)
    rnd = random.Random(1)

    def ballot():
        return json.dumps({"choices": sorted(rnd.sample(project_ids, rnd.randint(1, 5)))})

    env = dict(os.environ)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "parvis.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_port(args.port)
        run(args.port, [(k, "") for k in keys[:200]], args.clients, "trivial")  # warm-up
        first = [(k, ballot()) for k in keys]
        changes = [(k, ballot()) for k in rnd.sample(keys, len(keys) // 10)]
        # Alternate rounds of the two workloads so that a change in the machine's load weighs on both.
        trivial, votes, t_elapsed, v_elapsed = [], [], 0.0, 0.0
        rounds = args.rounds
        for r in range(rounds):
            got, elapsed = run(args.port, [(k, "") for k in keys[r::rounds]], args.clients, "trivial")
            trivial += got
            t_elapsed += elapsed
            got, elapsed = run(args.port, first[r::rounds] + changes[r::rounds], args.clients, "ballot")
            votes += got
            v_elapsed += elapsed
    finally:
        if _POOL is not None:
            _POOL.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    from parvis.budget.models import Ballot

    ok_trivial = sum(1 for _k, _b, s in trivial if s == 200)
    acked = [(k, b) for k, b, s in votes if s == 201]
    errors = [s for _k, _b, s in votes if s != 201]
    acknowledged = {}
    for k, b in acked:
        acknowledged.setdefault(k, []).append(json.loads(b)["choices"])
    user_key = dict(zip(user_ids, keys, strict=True))
    stored = {
        user_key[voter_id]: choices
        for voter_id, choices in Ballot.objects.filter(envelope__campaign__slug="bench").values_list(
            "voter_id", "choices"
        )
    }
    trivial_rate = ok_trivial / t_elapsed
    ballot_rate = len(acked) / v_elapsed
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"gunicorn: {args.workers} workers x {args.threads} threads; {args.clients} client processes; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"trivial authenticated endpoint (GET /api/account/me): {ok_trivial} OK in {t_elapsed:.2f} s "
        f"= {trivial_rate:.0f} req/s"
    )
    print(
        f"ballots (POST .../ballot): {len(acked)} acknowledged ({len(first)} first ballots + {len(changes)} "
        f"changes), {len(errors)} errors, in {v_elapsed:.2f} s = {ballot_rate:.0f} ballots/s"
    )
    print(f"ratio ballots / trivial: {ballot_rate / trivial_rate:.2f}")
    faithful = set(stored) == set(acknowledged) and all(stored[k] in acknowledged[k] for k in stored)
    print(
        f"ballots stored: {len(stored)}; distinct voters acknowledged: {len(acknowledged)}; "
        f"every stored ballot is one acknowledged for its voter: {faithful}"
    )
    if errors or not faithful:
        raise SystemExit("FAILED: lost, doubled or refused ballots")


if __name__ == "__main__":
    main()
