"""Generate N reports over Paris in PostgreSQL with COPY, for the reports benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_reports \
        /work/venv/bin/python bench/reports_generate.py --count 2000000

Loads the demo territories and category tree first (idempotent), then appends reports with random
points inside the districts, a realistic mix of statuses (most closed, as in DansMaRue) and dates
spread over seven years. Prints the scale reached and the time it took.
"""

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from shapely.geometry import shape  # noqa: E402

from parvis.core import demo as core_demo  # noqa: E402
from parvis.core.models import Territory, TerritoryLevel  # noqa: E402
from parvis.reports import demo as reports_demo  # noqa: E402
from parvis.reports.models import Category, Report  # noqa: E402

STATUSES = np.array(["new", "to_handle", "scheduled", "done", "rejected", "archived"])
WEIGHTS = np.array([3, 3, 2, 80, 7, 5]) / 100


def copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def model_defaults() -> dict[str, str]:
    """Every stored column of a report with its model default, in COPY text.

    The generator sets the columns it knows; a column added later takes the default the model gives it,
    so that a new NOT NULL column with a default never breaks the script (a smoke test runs it).
    """
    defaults = {}
    for field in Report._meta.concrete_fields:
        if field.primary_key:
            continue
        value = field.get_default() if field.has_default() else None
        if value is None and not field.null:
            value = "" if field.empty_strings_allowed else None
        defaults[field.column] = copy_text(value)
    return defaults


def points_in_paris(rng, count):
    districts = list(Territory.objects.filter(level=TerritoryLevel.DISTRICT))
    geoms = [shape(d.geometry) for d in districts]
    for g in geoms:
        shapely.prepare(g)
    union = shapely.union_all(geoms)
    shapely.prepare(union)
    min_x, min_y, max_x, max_y = union.bounds
    xs, ys = [], []
    while sum(len(x) for x in xs) < count:
        x = rng.uniform(min_x, max_x, count)
        y = rng.uniform(min_y, max_y, count)
        inside = shapely.contains_xy(union, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
    x = np.concatenate(xs)[:count]
    y = np.concatenate(ys)[:count]
    district_ids = np.zeros(count, dtype=np.int64)
    neighbourhood_ids = np.zeros(count, dtype=np.int64)
    for d, g in zip(districts, geoms, strict=True):
        mask = shapely.contains_xy(g, x, y) & (district_ids == 0)
        district_ids[mask] = d.pk
        idx = np.nonzero(mask)[0]
        for n in Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD, parent=d):
            ng = shape(n.geometry)
            shapely.prepare(ng)
            hit = shapely.contains_xy(ng, x[idx], y[idx])
            neighbourhood_ids[idx[hit]] = n.pk
    return y, x, district_ids, neighbourhood_ids


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=311)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL=postgres://…).")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    core_demo.load()
    reports_demo._categories()
    cats = list(Category.objects.select_related("parent__parent"))
    parents = {c.parent_id for c in cats if c.parent_id}
    leaves = [c for c in cats if c.pk not in parents]

    def family_service(c):
        node = c
        while node.service_id is None and node.parent is not None:
            node = node.parent
        return node.service_id

    leaf_ids = np.array([c.pk for c in leaves])
    leaf_service = np.array([family_service(c) or 0 for c in leaves])
    leaf_hours = np.array([c.target_hours for c in leaves])
    before = Report.objects.count()
    defaults = model_defaults()
    columns = {f.name: f.column for f in Report._meta.concrete_fields}
    rng = np.random.default_rng(args.seed)
    now = timezone.now()
    span = 7 * 365 * 86400
    done = 0
    while done < args.count:
        n = min(args.batch, args.count - done)
        lat, lon, district, neighbourhood = points_in_paris(rng, n)
        which = rng.integers(0, len(leaves), n)
        status = rng.choice(STATUSES, n, p=WEIGHTS)
        age = rng.uniform(0, span, n)
        handling = rng.exponential(leaf_hours[which] * 3600)
        buf = io.StringIO()
        for i in range(n):
            created = now - dt.timedelta(seconds=float(age[i]))
            closed_status = status[i] in ("done", "rejected", "archived")
            closed = min(created + dt.timedelta(seconds=float(handling[i])), now) if closed_status else None
            service = leaf_service[which[i]]
            values = {
                "category": leaf_ids[which[i]],
                "service": service or None,
                "status": status[i],
                "lat": f"{lat[i]:.6f}",
                "lon": f"{lon[i]:.6f}",
                "district": district[i] or None,
                "neighbourhood": neighbourhood[i] or None,
                "description": "Signalement généré pour les mesures",
                "author_email": "bench@example.org",
                "confirmed_at": created,
                "planned_for": now.date() + dt.timedelta(days=3) if status[i] == "scheduled" else None,
                "public_reason": "Hors compétence" if status[i] == "rejected" else "",
                "created_at": created,
                "updated_at": closed or created,
                "resolved_at": closed if status[i] == "done" else None,
                "closed_at": closed,
            }
            row = dict(defaults)
            for name, value in values.items():
                row[columns[name]] = copy_text(value)
            buf.write("\t".join(row.values()) + "\n")
        buf.seek(0)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            names = ", ".join(connection.ops.quote_name(c) for c in defaults)
            with raw.copy(f"COPY {Report._meta.db_table} ({names}) FROM STDIN") as copy:
                while chunk := buf.read(1 << 20):
                    copy.write(chunk)
        done += n
        print(f"  {done:,} / {args.count:,} reports ({time.perf_counter() - started:.0f} s)", flush=True)
    if done:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reports_report")  # sets the visibility map for index-only scans
    total = Report.objects.count()
    print(
        f"Generated {total - before:,} reports; {total:,} in the table; {time.perf_counter() - started:.0f} s"
    )
    print("Command: DATABASE_URL=… python bench/reports_generate.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
