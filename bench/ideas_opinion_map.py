"""Opinion map recomputation for 5,000 participants × 500 statements (target ≤ 5 s).

Usage:

    /work/venv/bin/python bench/ideas_opinion_map.py [--participants 5000] [--statements 500] [--runs 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/parvis_ideas PARVIS_HOME=/tmp/pvhome-bench-ideas \
        /work/venv/bin/python bench/ideas_opinion_map.py --database

With ``--database`` the votes are stored once (a consultation ``bench-opinion``, about 1.25 million rows) and
the script times the whole recomputation as the background task runs it: reading the votes into a matrix,
computing the map, storing the snapshot.

The matrix has three planted opinion groups, a pass rate of 10 % and half of the statements unseen
by each participant (as in a real Polis conversation, nobody votes on everything). The script
times ``parvis.ideas.rules.opinion_map`` (PCA by SVD, k-means for k = 2…5, silhouette on a sample,
consensus and divisive statements) and checks that the planted groups are found.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread: on a small shared machine, BLAS threads fighting for two cores cost more than
# they bring (0.3 s single-threaded against 2–10 s oversubscribed). Override to compare.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parvis.ideas.rules import opinion_map  # noqa: E402  (pure numpy, no Django needed)


def planted(n: int, m: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    profiles = rng.choice([1.0, -1.0], size=(3, m))
    profiles[:, : m // 10] = 1.0  # a tenth of the statements: everyone agrees
    truth = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    votes = profiles[truth].copy()
    votes[rng.random(votes.shape) < 0.15] *= -1
    votes[rng.random(votes.shape) < 0.10] = 0.0
    votes[rng.random(votes.shape) < 0.50] = np.nan
    return votes, truth


def database_run(votes: np.ndarray, runs: int) -> list[float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from parvis.core.models import Role, User
    from parvis.ideas import services
    from parvis.ideas.models import Consultation, Statement, StatementVote

    os.makedirs(os.environ.get("PARVIS_HOME", "/tmp/pvhome-bench-ideas"), exist_ok=True)  # noqa: S108
    call_command("migrate", verbosity=0)
    n, m = votes.shape
    c = Consultation.objects.filter(slug="bench-opinion").first()
    if c is None or StatementVote.objects.filter(statement__consultation=c).count() != int(
        np.sum(~np.isnan(votes))
    ):
        if c is not None:
            c.delete()
        now = timezone.now()
        c = Consultation.objects.create(
            slug="bench-opinion",
            title="Banc d'essai, carte des opinions",
            question="?",
            opinion_map_enabled=True,
            starts_at=now - timedelta(days=1),
            ideas_end_at=now + timedelta(days=10),
            discussion_end_at=now + timedelta(days=20),
            answer_at=now + timedelta(days=30),
        )
        statements = Statement.objects.bulk_create(
            [Statement(consultation=c, text=f"Affirmation {j}") for j in range(m)]
        )
        emails = [f"bench-opinion-{i}@example.org" for i in range(n)]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        User.objects.bulk_create(
            [User(email=e, role=Role.RESIDENT, password="!") for e in emails if e not in existing],
            batch_size=2000,
        )
        users = dict(User.objects.filter(email__in=emails).values_list("email", "id"))
        batch = []
        for i in range(n):
            uid = users[emails[i]]
            for j in np.flatnonzero(~np.isnan(votes[i])):
                batch.append(
                    StatementVote(statement_id=statements[j].pk, user_id=uid, value=int(votes[i, j]))
                )
            if len(batch) > 50_000:
                StatementVote.objects.bulk_create(batch, batch_size=10_000)
                batch = []
        StatementVote.objects.bulk_create(batch, batch_size=10_000)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE ideas_statementvote")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        services.opinion_map_refresh(consultation=c)
        times.append(time.perf_counter() - start)
    print(
        f"database: {connection.vendor}; full recomputation (read votes, compute, store): "
        f"best {min(times):.2f} s, worst {max(times):.2f} s over {runs} runs"
    )
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", action="store_true", help="time the recomputation from stored votes")
    args = parser.parse_args()
    votes, truth = planted(args.participants, args.statements)
    if args.database:
        database_run(votes, args.runs)
    times = []
    for run in range(args.runs):
        start = time.perf_counter()
        result = opinion_map(votes, seed=run)
        times.append(time.perf_counter() - start)
    # Groups are numbered by size, largest first: compare with the planted groups ranked the same way,
    # for the participants placed on the map (those with too few votes are not).
    rank = np.argsort(np.argsort(-np.bincount(truth, minlength=3)))
    placed = truth[result.participants]
    agreement = float(np.mean(result.labels == rank[placed])) if len(placed) else 0.0
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"command: {' '.join(sys.argv)}  (BLAS threads {threads}, load average {os.getloadavg()[0]:.1f})")
    print(f"matrix: {args.participants} × {args.statements}, {int(np.sum(~np.isnan(votes)))} votes")
    print(f"time per recomputation: best {min(times):.2f} s, worst {max(times):.2f} s over {args.runs} runs")
    print(f"groups found: {result.k} (planted: 3), participants in their planted group: {agreement:.1%}")
    print(
        f"consensus statements: {len(result.consensus)} (planted: at least {args.statements // 10}), "
        f"divisive listed: {len(result.divisive)}"
    )


if __name__ == "__main__":
    main()
