"""Ballots per second through `parvis serve` on PostgreSQL, against a trivial authenticated JSON endpoint.

Usage (the database is emptied of the bench campaign and re-filled):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_budget PARVIS_HOME=/tmp/pvhome-bench \\
        /work/venv/bin/python bench/budget_ballots.py [--voters 6000] [--clients 16]

The server is `parvis serve` as deployed, with its default workers and threads unless --workers or
--threads say otherwise. Each voter's API token is new (never used): its first request records the
token's use, as a real client's does. Each ballot request authenticates by token, checks the phase,
eligibility and the ballot rules, then stores the ballot (one per voter, by the database constraint).
Every voter votes once, then a tenth of them change their ballot (after their first ballot was
acknowledged); the script checks that the ballots stored are those of the voters acknowledged, and
that each stored ballot is the LAST one acknowledged for its voter. Targets: ≥ 300 ballots/s and
≥ 50 % of the trivial endpoint's rate.
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
            ApiToken(user=u, name="bench", prefix=k[:12], key_hash=_hash(k))
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
                out.append((key, body, resp.status, time.monotonic()))
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
    raise SystemExit("parvis serve did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--workers", type=int, help="default: parvis serve's (WEB_CONCURRENCY or 2)")
    parser.add_argument("--threads", type=int, help="default: parvis serve's (PARVIS_THREADS or 12)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for the server to start")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds of each workload")
    args = parser.parse_args()
    project_ids, keys, user_ids = setup(args.voters)
    rnd = random.Random(1)

    def ballot():
        return json.dumps({"choices": sorted(rnd.sample(project_ids, rnd.randint(1, 5)))})

    env = {**os.environ, "PARVIS_HTTPS": "0"}
    command = [str(Path(sys.executable).with_name("parvis")), "serve", "--port", str(args.port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, **quiet)
    try:
        wait_port(args.port, args.wait)
        # Warm-up on other accounts' tokens: the measured ones are still unused when measured.
        warm = keys[-min(200, len(keys) // 4) :]
        keys = keys[: len(keys) - len(warm)]
        run(args.port, [(k, "") for k in warm], args.clients, "trivial")
        # Alternate rounds of the two workloads so that a change in the machine's load weighs on both.
        # The trivial endpoint uses the tokens of the round's voters before they vote (first use of
        # each token in either workload: half the rounds start with ballots, half with the endpoint).
        trivial, votes, t_elapsed, v_elapsed, sent = [], [], 0.0, 0.0, 0
        rounds = args.rounds
        for r in range(rounds):
            voters = keys[r::rounds]
            first = [(k, ballot()) for k in voters]
            changes = [(k, ballot()) for k in rnd.sample(voters, len(voters) // 10)]
            got, elapsed = run(args.port, [(k, "") for k in voters], args.clients, "trivial")
            trivial += got
            t_elapsed += elapsed
            got, elapsed = run(args.port, first, args.clients, "ballot")
            got2, elapsed2 = run(args.port, changes, args.clients, "ballot")  # after the first ones
            votes += got + got2
            v_elapsed += elapsed + elapsed2
            sent += len(first) + len(changes)
    finally:
        if _POOL is not None:
            _POOL.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    from parvis.budget.models import Ballot

    ok_trivial = sum(1 for _k, _b, s, _t in trivial if s == 200)
    acked = [(k, b, t) for k, b, s, t in votes if s == 201]
    errors = len(votes) - len(acked) + (sent - len(votes))
    last = {}  # voter's key -> (time acknowledged, choices) of the last ballot acknowledged
    for k, b, t in acked:
        if k not in last or t > last[k][0]:
            last[k] = (t, json.loads(b)["choices"])
    user_key = dict(zip(user_ids, keys, strict=False))
    stored = {
        user_key[voter_id]: choices
        for voter_id, choices in Ballot.objects.filter(envelope__campaign__slug="bench").values_list(
            "voter_id", "choices"
        )
        if voter_id in user_key
    }
    trivial_rate = ok_trivial / t_elapsed
    ballot_rate = len(acked) / v_elapsed
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"parvis serve: {args.workers or 'default'} workers x {args.threads or 'default'} threads; "
        f"{args.clients} client processes; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"trivial authenticated endpoint (GET /api/account/me): {ok_trivial} OK in {t_elapsed:.2f} s "
        f"= {trivial_rate:.0f} req/s"
    )
    print(
        f"ballots (POST .../ballot): {len(acked)} acknowledged of {sent} sent (first ballots and changes), "
        f"{errors} errors, in {v_elapsed:.2f} s = {ballot_rate:.0f} ballots/s"
    )
    print(f"ratio ballots / trivial: {ballot_rate / trivial_rate:.2f}")
    faithful = set(stored) == set(last) and all(stored[k] == last[k][1] for k in stored)
    print(
        f"ballots stored: {len(stored)}; distinct voters acknowledged: {len(last)}; "
        f"every stored ballot is the last one acknowledged for its voter: {faithful}"
    )
    if errors or not faithful:
        raise SystemExit("FAILED: lost, doubled or refused ballots")


if __name__ == "__main__":
    main()
