"""Results of a campaign with 21 envelopes (Paris-wide and 20 districts) and 250,000 voters, each
with a Paris-wide ballot and a district ballot (500,000 ballots), on PostgreSQL, end to end: reading
the ballots, tallying every envelope with its reserved amount, storing the results.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_budget \\
        /work/venv/bin/python bench/budget_results.py [--voters 250000] [--rule greedy|mes|mj] [--sequential]
"""

import argparse
import io
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
os.environ.setdefault("PARVIS_HOME", str(ROOT / "parvis-data" / "bench"))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")


def setup(voters: int, rule: str, style: str):
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from parvis.budget.models import (
        PHASE_ORDER,
        Ballot,
        Campaign,
        DistrictChoice,
        Envelope,
        Phase,
        Project,
        Result,
        Status,
    )
    from parvis.core.models import Territory, TerritoryLevel

    assert connection.vendor == "postgresql", "set DATABASE_URL to a PostgreSQL database"
    call_command("migrate", interactive=False, verbosity=0)
    Result.objects.filter(envelope__campaign__slug="bench-results").delete()
    Ballot.objects.filter(envelope__campaign__slug="bench-results").delete()
    DistrictChoice.objects.filter(campaign__slug="bench-results").delete()
    Project.objects.filter(campaign__slug="bench-results").delete()
    Campaign.objects.filter(slug="bench-results").delete()
    campaign = Campaign.objects.create(slug="bench-results", title="Bench results", rule=rule)
    now = timezone.now()
    index = PHASE_ORDER.index("results")
    for i, kind in enumerate(PHASE_ORDER):
        start = now + timedelta(days=10 * (i - index) - 1)
        Phase.objects.create(
            campaign=campaign,
            kind=kind,
            starts_at=start,
            ends_at=None if kind == "followup" else start + timedelta(days=10),
        )
    qpv, _ = Territory.objects.get_or_create(
        level=TerritoryLevel.PRIORITY,
        code="BENCH-QPV",
        defaults={
            "name": "Bench QPV",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[2.3, 48.8], [2.31, 48.8], [2.31, 48.81], [2.3, 48.8]]],
            },
        },
    )
    rnd = random.Random(5)
    envelopes = []
    city = Envelope.objects.create(
        campaign=campaign,
        slug="paris",
        name="Paris",
        amount=75_000_000,
        reserved_amount=30_000_000,
        ballot_style=style,
        max_choices=10,
    )
    envelopes.append((city, 60))
    for n in range(1, 21):
        district, _ = Territory.objects.get_or_create(
            level=TerritoryLevel.DISTRICT,
            code=f"BENCH-{n}",
            defaults={
                "name": f"{n}e",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[2.3, 48.8], [2.31, 48.8], [2.31, 48.81], [2.3, 48.8]]],
                },
            },
        )
        env = Envelope.objects.create(
            campaign=campaign,
            slug=f"arr-{n}",
            name=f"{n}e",
            territory=district,
            amount=3_000_000,
            reserved_amount=1_000_000 if n > 10 else 0,
            ballot_style=style,
            max_choices=5,
            position=n,
        )
        envelopes.append((env, 20))
    projects = {}
    for env, count in envelopes:
        made = Project.objects.bulk_create(
            [
                Project(
                    campaign=campaign,
                    envelope=env,
                    title=f"{env.slug} {i}",
                    body="x" * 40,
                    cost=rnd.randrange(50_000, env.amount // 4, 10_000),
                    status=Status.FEASIBLE,
                    feasibility="feasible",
                    review_published_at=now,
                    priority_area=qpv if env.reserved_amount and i % 4 == 0 else None,
                )
                for i in range(count)
            ]
        )
        projects[env.pk] = ([p.pk for p in made], [rnd.random() ** 3 for _ in made])
    buf = io.StringIO()
    stamp = now.isoformat()
    for v in range(voters):
        for env, _count in (envelopes[0], envelopes[1 + v % 20]):
            ids, weights = projects[env.pk]
            k = rnd.randint(1, env.max_choices)
            chosen = sorted(set(rnd.choices(ids, weights=weights, k=k)))
            if style == "grades":
                chosen = {str(p): rnd.randint(1, 4) for p in chosen}
            buf.write(f"{env.pk}\t{json.dumps(chosen)}\t{stamp}\t{stamp}\n")
    buf.seek(0)
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(
            "COPY budget_ballot (envelope_id, choices, created_at, updated_at) FROM STDIN"
        ) as copy:
            while chunk := buf.read(1 << 20):
                copy.write(chunk)
    cursor = connection.cursor()
    cursor.execute("ANALYZE budget_ballot")
    return campaign


def main():
    import django

    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=250_000)
    parser.add_argument("--rule", default="greedy", choices=["greedy", "mes", "mj"])
    parser.add_argument("--sequential", action="store_true", help="also time each envelope alone")
    args = parser.parse_args()
    django.setup()
    from django.db import connection, transaction

    from parvis.budget import services
    from parvis.budget.models import Ballot, Campaign

    style = "grades" if args.rule == "mj" else "approval"
    t0 = time.perf_counter()
    with transaction.atomic():
        setup(args.voters, args.rule, style)
    print(f"setup: {time.perf_counter() - t0:.1f} s")
    connection.close()
    campaign = Campaign.objects.prefetch_related("phases").get(slug="bench-results")
    ballots = Ballot.objects.filter(envelope__campaign=campaign).count()
    start = time.perf_counter()
    results = services.campaign_results_compute(actor=None, campaign=campaign, check_permission=False)
    total = time.perf_counter() - start
    print(f"command: {' '.join(sys.argv)}")
    print(
        f"rule {args.rule}, {style} ballots: 21 envelopes, {args.voters} voters, {ballots} ballots, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"all 21 envelopes, end to end (read, tally on up to {os.cpu_count()} CPUs, store): {total:.2f} s; "
        f"Paris-wide envelope: {len(results[0].data['selected'])} funded"
    )
    if args.sequential:
        timings = []
        for env in campaign.envelopes.order_by("position"):
            env.campaign = campaign
            t = time.perf_counter()
            services.results_compute(actor=None, envelope=env, check_permission=False)
            timings.append((env.slug, time.perf_counter() - t))
        print(
            f"one envelope at a time: {sum(t for _, t in timings):.2f} s; "
            + ", ".join(f"{slug} {seconds:.2f}" for slug, seconds in timings)
        )


if __name__ == "__main__":
    main()
