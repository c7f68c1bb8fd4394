"""Latency of the reports hot paths on the generated data (run bench/reports_generate.py first).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_reports \
        /work/venv/bin/python bench/reports_bench.py --runs 300

1. duplicate lookup (same category, 50 m, open) — selectors.duplicates_near;
2. map endpoint, GET /signalements/carte.geojson?bbox=… (in process, gzip accepted as a browser does):
   the whole-city opening view (the box a 1280 × 900 map shows at zoom 12 on the city's centre), with no
   filter and with each status filter the page offers, and district-sized boxes;
3. Open311 GET requests.json over HTTP through `parvis serve`, paging through the default 90-day window
   1,000 requests at a time as a client does (first, middle and last pages, every page when few).
Prints p50/p95/max in milliseconds, the number of stored reports and the machine's load.
"""

import argparse
import gzip
import http.client
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
os.environ.setdefault("PARVIS_HTTPS", "0")  # the in-process client speaks plain HTTP

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from parvis.core.models import Territory, TerritoryLevel  # noqa: E402
from parvis.reports import selectors  # noqa: E402
from parvis.reports.models import Category, Report, Status  # noqa: E402


def summary(name, samples, target):
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    verdict = "OK" if p95 <= target else "ABOVE TARGET"
    print(
        f"{name:<48} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {samples[-1]:7.1f} ms   "
        f"(target p95 ≤ {target} ms: {verdict})"
    )


def map_samples(client, boxes, status, runs):
    """Latencies of the map endpoint for each box ``runs`` times (after one warm-up answer)."""
    samples = []
    for box in boxes:
        url = f"/signalements/carte.geojson?bbox={box}" + (f"&status={status}" if status else "")
        for i in range(runs + 1):
            t = time.perf_counter()
            response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            elapsed = (time.perf_counter() - t) * 1000
            assert response.status_code == 200, response.content[:200]
            body = response.content
            if response.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            json.loads(body)
            if i:
                samples.append(elapsed)
    return samples


def open311_pages(args):
    """Open311 clients page through results over HTTP: time each page of 1,000 requests."""
    port = args.port
    env = {**os.environ, "PARVIS_HTTPS": "0"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    command = [str(Path(sys.executable).with_name("parvis")), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, start_new_session=True, **quiet)
    try:
        deadline = time.time() + 120
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                if time.time() > deadline:
                    raise SystemExit("parvis serve did not start")
                time.sleep(0.5)

        def get(page):
            t = time.perf_counter()
            conn.request("GET", f"/open311/v2/requests.json?page={page}", headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t) * 1000
            assert response.status == 200, body[:200]
            if response.getheader("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return elapsed, len(json.loads(body))

        get(1)  # warm-up
        pages, sizes = {}, []
        page = 1
        while True:  # walk every page once to know how many there are
            elapsed, size = get(page)
            pages[page] = [elapsed]
            sizes.append(size)
            if size < 1000:
                break
            page += 1
        last = page
        probe = sorted({1, max(last // 2, 1), last, max(last - 1, 1)})
        for _ in range(max(args.runs // 30, 2)):
            for p in probe:
                pages[p].append(get(p)[0])
        conn.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    samples = [t for times in pages.values() for t in times]
    summary(f"Open311 GET requests.json, pages 1-{last} over HTTP", samples, 300)
    worst = max(pages, key=lambda p: statistics.median(pages[p]))
    print(
        f"    results: {sum(sizes):,} in the window, {last} pages; slowest page {worst} "
        f"(median {statistics.median(pages[worst]):.1f} ms)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--port", type=int, default=8312, help="port of `parvis serve` for Open311")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(42)
    total = Report.objects.count()
    print(f"Database: {connection.vendor}; stored reports: {total:,}; load average {os.getloadavg()[0]:.1f}")
    cats = list(Category.objects.all())
    parents = {c.parent_id for c in cats if c.parent_id}
    leaves = [c for c in cats if c.pk not in parents]
    districts = [shape(t.geometry) for t in Territory.objects.filter(level=TerritoryLevel.DISTRICT)]
    city = [d.bounds for d in districts]
    min_lon = min(b[0] for b in city)
    min_lat = min(b[1] for b in city)
    max_lon = max(b[2] for b in city)
    max_lat = max(b[3] for b in city)

    # 1. Duplicate lookup.
    samples = []
    for i in range(args.runs + 20):
        lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
        category = rng.choice(leaves)
        t = time.perf_counter()
        selectors.duplicates_near(category=category, lat=lat, lon=lon, radius_m=50)
        if i >= 20:
            samples.append((time.perf_counter() - t) * 1000)
    summary("duplicate lookup (50 m, same category, open)", samples, 20)

    client = Client()
    # 2. Map endpoint: the whole city at zoom 12 (unfiltered and per status), then district boxes.
    center_lat, center_lon = settings.PARVIS_MAP_CENTER
    half_lon = 1280 / 2 * 360 / (256 * 2**12)
    half_lat = 900 / 2 * 360 / (256 * 2**12) * math.cos(math.radians(center_lat))
    city_box = f"{center_lon - half_lon:.5f},{center_lat - half_lat:.5f},{center_lon + half_lon:.5f},"
    city_box += f"{center_lat + half_lat:.5f}"
    views = [("", city_box, "whole city, zoom 12")]
    views += [(s, city_box, f"whole city, zoom 12, status={s}") for s in ["open", "closed", *Status.values]]
    map_runs = max(args.runs // 3, 3)
    for status, box, label in views:
        samples = map_samples(client, [box], status, map_runs)
        summary(f"map: {label}", samples, 100)
    district_boxes = [f"{b[0]:.5f},{b[1]:.5f},{b[2]:.5f},{b[3]:.5f}" for b in city]
    samples = map_samples(client, [rng.choice(district_boxes) for _ in range(args.runs)], "", 1)
    summary("map: district boxes", samples, 100)

    # 3. Open311 GET requests.json over HTTP, paging through the default window.
    open311_pages(args)
    # 4. Agents' statistics (no target in the issue; measured so that the page's cost is known).
    import datetime as dt

    from django.utils import timezone

    for label, since in [
        ("last 12 months", timezone.localdate() - dt.timedelta(days=365)),
        ("all time", None),
    ]:
        samples = []
        for _i in range(5):
            t = time.perf_counter()
            rows = selectors.statistics(by="district", since=since)
            samples.append((time.perf_counter() - t) * 1000)
        print(
            f"{'statistics by district, ' + label:<48} median {statistics.median(samples):7.1f} ms "
            f"({sum(r['total'] for r in rows):,} reports)"
        )
    print("Command: DATABASE_URL=… python bench/reports_bench.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
