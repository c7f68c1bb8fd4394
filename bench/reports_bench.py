"""Latency of the reports hot paths on the generated data (run bench/reports_generate.py first).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_reports \
        /work/venv/bin/python bench/reports_bench.py --runs 300

1. duplicate lookup (same category, 50 m, open) — selectors.duplicates_near;
2. map endpoint for a district-sized bounding box, GET /signalements/carte.geojson?bbox=… (in process);
3. Open311 GET requests.json returning 1,000 requests (in-process client).
Prints p50/p95/max in milliseconds and the number of stored reports.
"""

import argparse
import json
import os
import random
import statistics
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
from parvis.reports.models import Category, Report  # noqa: E402


def summary(name, samples, target):
    samples = sorted(samples)
    p50 = statistics.median(samples)
    p95 = samples[int(0.95 * (len(samples) - 1))]
    verdict = "OK" if p95 <= target else "ABOVE TARGET"
    print(
        f"{name:<48} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {samples[-1]:7.1f} ms   "
        f"(target p95 ≤ {target} ms: {verdict})"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    rng = random.Random(42)
    total = Report.objects.count()
    print(f"Database: {connection.vendor}; stored reports: {total:,}")
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
    # 2. Map endpoint, district-sized bounding box.
    samples, clustered, features = [], 0, []
    for i in range(args.runs + 10):
        b = rng.choice(city)
        bbox = f"{b[0]:.5f},{b[1]:.5f},{b[2]:.5f},{b[3]:.5f}"
        t = time.perf_counter()
        response = client.get(f"/signalements/carte.geojson?bbox={bbox}")
        elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, response.content[:200]
        if i >= 10:
            samples.append(elapsed)
            data = json.loads(response.content)
            clustered += data["clustered"]
            features.append(sum(f["properties"].get("count", 1) for f in data["features"]))
    summary("map endpoint (district bbox, clustered)", samples, 100)
    print(
        f"    {clustered}/{len(samples)} answers clustered; reports per answer: median "
        f"{statistics.median(features):,.0f}"
    )

    # 3. Open311 GET requests.json with 1,000 results.
    samples, sizes = [], []
    for i in range(min(args.runs, 200) + 5):
        t = time.perf_counter()
        response = client.get("/open311/v2/requests.json")
        elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200
        if i >= 5:
            samples.append(elapsed)
            sizes.append(len(json.loads(response.content)))
    summary("Open311 GET requests.json", samples, 300)
    print(f"    results per answer: {min(sizes)}–{max(sizes)}")
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
