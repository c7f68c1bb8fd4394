"""Opinion map recomputation for 5,000 participants × 500 statements (target ≤ 5 s).

Usage:

    /work/venv/bin/python bench/ideas_opinion_map.py [--participants 5000] [--statements 500] [--runs 3]

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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--statements", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    votes, truth = planted(args.participants, args.statements)
    times = []
    for run in range(args.runs):
        start = time.perf_counter()
        result = opinion_map(votes, seed=run)
        times.append(time.perf_counter() - start)
    agreement = max(np.mean(result.labels == np.argsort(np.argsort(-np.bincount(truth)))[truth]), 0.0)
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
