"""Sustained Open311 POST requests.json through `parvis serve`, with `parvis worker` running beside it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_reports \
        /work/venv/bin/python bench/reports_post_throughput.py --seconds 30 --clients 16

Starts `parvis serve` (its default workers and threads unless told otherwise) and `parvis worker` on the
same database, as deployed, issues an Open311 key, posts form-encoded reports from keep-alive client
threads for the given time, then checks that the number of reports stored with that key equals the
number of 200 answers (nothing lost, nothing doubled), and waits for the worker to run every task the
reports queued (notifications): the deferred work is part of the figure. Prints the rate, latency
percentiles, the tasks queued and how long the queue took to drain after the last answer.
"""

import argparse
import http.client
import os
import random
import signal
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
from django.utils import timezone  # noqa: E402

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


def server_stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--port", type=int, default=8311)
    parser.add_argument("--workers", type=int, help="default: parvis serve's (WEB_CONCURRENCY or 2)")
    parser.add_argument("--threads", type=int, help="default: parvis serve's (PARVIS_THREADS or 12)")
    parser.add_argument("--drain-timeout", type=float, default=600, help="seconds to wait for the queue")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL=postgres://…).")
    key, secret = open311_key_create(name=f"bench-{time.time():.0f}")
    cats = list(Category.objects.prefetch_related("questions"))
    parents = {c.parent_id for c in cats if c.parent_id}
    leaves = [c for c in cats if c.pk not in parents and not any(q.required for q in c.questions.all())]
    connection.close()

    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    queued_before = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
    connection.close()
    env = {**os.environ, "PARVIS_HTTPS": "0", "PARVIS_TASKS_BACKEND": "database"}
    parvis = str(Path(sys.executable).with_name("parvis"))
    command = [parvis, "serve", "--port", str(args.port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True, **quiet)
    worker = subprocess.Popen(
        [parvis, "worker", "--interval", "0.2"], cwd=REPO, env=env, start_new_session=True, **quiet
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
        since = timezone.now()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        server_stop(server)
        # The queue: tasks the reports queued, run by the worker while the posts went on and after.
        queued = DBTaskResult.objects.filter(enqueued_at__gte=since).count()
        drain_started = time.perf_counter()
        while True:
            waiting = DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING], enqueued_at__gte=since
            ).count()
            if waiting == 0 or time.perf_counter() - drain_started > args.drain_timeout:
                break
            time.sleep(0.2)
        drain = time.perf_counter() - drain_started
        failed_tasks = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED, enqueued_at__gte=since)
        failed_tasks = failed_tasks.count()
    finally:
        server_stop(server)
        server_stop(worker)
    stored = Report.objects.filter(open311_key=key).count()
    latencies.sort()
    print(
        f"POST requests.json through parvis serve ({args.workers or 'default'} workers × "
        f"{args.threads or 'default'} threads) with parvis worker, {args.clients} keep-alive clients, "
        f"{elapsed:.1f} s, load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  200 answers: {ok[0]:,}   other answers/errors: {failed[0]:,}   stored with this key: {stored:,} "
        f"{'nothing lost' if stored == ok[0] else 'MISMATCH'}"
    )
    print(
        f"  throughput: {ok[0] / elapsed:.1f} reports/s (target ≥ 100)   latency p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms"
    )
    print(
        f"  tasks queued by these reports: {queued:,}; queue drained {drain:.1f} s after the last answer"
        f"{'' if waiting == 0 else f' (NOT DRAINED: {waiting:,} left)'}; failed tasks: {failed_tasks}"
        f" (tasks already waiting before: {queued_before:,})"
    )
    print(f"  stored reports in the table: {Report.objects.count():,}")
    print("Command: DATABASE_URL=… python bench/reports_post_throughput.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
