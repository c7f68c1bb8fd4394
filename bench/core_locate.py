"""Benchmark of the core's hot paths: point lookup (STRtree), index build, image re-encoding.

Run:  PARVIS_HOME=$(mktemp -d) /work/venv/bin/python bench/core_locate.py [--points 20000] [--image-runs 5]
It migrates a throw-away SQLite database under PARVIS_HOME, loads the demo territories, then the
official Paris boundaries when ../shared/data/geo is present, and prints the figures.
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
if "PARVIS_HOME" not in os.environ:
    sys.exit("Set PARVIS_HOME to a throw-away folder (for example $(mktemp -d)).")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

from parvis.core import territories  # noqa: E402
from parvis.core.demo_territories import load_demo_territories  # noqa: E402
from parvis.core.images import process_image  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "geo"


def bench_locate(label: str, n: int) -> None:
    territories.invalidate_index()
    start = time.perf_counter()
    territories.locate(48.8566, 2.3522)  # builds the index
    build = time.perf_counter() - start
    rng = random.Random(1)
    points = [(rng.uniform(48.815, 48.902), rng.uniform(2.224, 2.470)) for _ in range(n)]
    start = time.perf_counter()
    inside = sum(territories.locate(lat, lon).inside_city for lat, lon in points)
    elapsed = time.perf_counter() - start
    print(
        f"| locate, {label} | {n} random points in the bounding box ({inside} inside) | "
        f"{n / elapsed:,.0f} lookups/s ({elapsed / n * 1e6:.0f} µs each) | "
        f"index build {build * 1000:.0f} ms |"
    )


def bench_images(runs: int) -> None:
    out = io.BytesIO()
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(out, format="JPEG", quality=90)
    data = out.getvalue()
    start = time.perf_counter()
    for _ in range(runs):
        process_image(io.BytesIO(data))
    elapsed = (time.perf_counter() - start) / runs
    print(
        f"| process_image | 12 Mpx JPEG ({len(data) / 1e6:.1f} MB) → 2048 px + thumbnail | "
        f"{elapsed * 1000:.0f} ms each | |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000, help="random points looked up")
    parser.add_argument("--image-runs", type=int, default=5, help="12 Mpx images re-encoded (0: none)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print("| what | input | result | note |\n|---|---|---|---|")
    load_demo_territories()
    bench_locate("demo territories (20 + 80 + 6)", args.points)
    if (SHARED / "paris_arrondissements.geojson").exists():
        territories.import_geojson(
            SHARED / "paris_arrondissements.geojson",
            level="district",
            code_field="c_ar",
            name_field="l_aroff",
        )
        territories.import_geojson(
            SHARED / "paris_quartiers_administratifs.geojson",
            level="neighbourhood",
            code_field="c_quinsee",
            name_field="l_qu",
            parent_field="c_ar",
        )
        bench_locate("official Paris boundaries (20 + 80)", args.points)
    if args.image_runs:
        bench_images(args.image_runs)
    print(f"\nCommand: PARVIS_HOME=$(mktemp -d) {sys.executable} {' '.join(sys.argv)}")
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
