"""Sustained Open311 POST requests.json through the HTTP server (gunicorn, as `parvis serve` runs it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_reports \
        /work/venv/bin/python bench/reports_post_throughput.py --seconds 30 --clients 16

Starts `parvis serve` on a spare port, issues an Open311 key, posts form-encoded reports from keep-alive
client threads for the given time, then checks that the number of reports stored with that key equals
the number of 200 answers (nothing lost, nothing doubled). Prints the rate and latency percentiles.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from parvis.reports.models import Category, Report  # noqa: E402
from parvis.reports.services import open311_key_create  # noqa: E402


def wait_for(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL=postgres://…).")
    key, secret = open311_key_create(name=f"bench-{time.time():.0f}")
    cats = list(Category.objects.prefetch_related("questions"))
    parents = {c.parent_id for c in cats if c.parent_id}
    leaves = [c for c in cats if c.pk not in parents and not any(q.required for q in c.questions.all())]
    connection.close()

    env = {**os.environ, "PARVIS_HTTPS": "0", "WEB_CONCURRENCY": str(args.workers)}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("parvis")),
            "serve",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(args.port)
        ok, failed, latencies = [0], [0], []
        lock = threading.Lock()
        stop_at = time.perf_counter() + args.seconds

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
            while time.perf_counter() < stop_at:
                body = urllib.parse.urlencode(
                    {
                        "api_key": secret,
                        "service_code": rng.choice(leaves).code,
                        "lat": f"{rng.uniform(48.835, 48.885):.6f}",
                        "long": f"{rng.uniform(2.30, 2.39):.6f}",
                        "description": "Mesure de débit",
                        "email": "bench@example.org",
                    }
                )
                t = time.perf_counter()
                try:
                    conn.request(
                        "POST",
                        "/open311/v2/requests.json",
                        body,
                        {"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except OSError:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                    status = 0
                with lock:
                    latencies.append((time.perf_counter() - t) * 1000)
                    if status == 200:
                        ok[0] += 1
                    else:
                        failed[0] += 1

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = Report.objects.filter(open311_key=key).count()
    latencies.sort()
    print(
        f"POST requests.json through gunicorn ({args.workers} workers × {args.threads} threads), "
        f"{args.clients} keep-alive clients, {elapsed:.1f} s"
    )
    print(
        f"  200 answers: {ok[0]:,}   other answers/errors: {failed[0]:,}   stored with this key: {stored:,} "
        f"{'nothing lost' if stored == ok[0] else 'MISMATCH'}"
    )
    print(
        f"  throughput: {ok[0] / elapsed:.1f} reports/s (target ≥ 100)   latency p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms"
    )
    print(f"  stored reports in the table: {Report.objects.count():,}")
    print("Command: DATABASE_URL=… python bench/reports_post_throughput.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
