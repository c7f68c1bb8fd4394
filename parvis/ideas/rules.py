"""Pure rules of the ideas module: search normalisation, stable shuffling, the opinion map.

No Django import here: plain data in, plain data out (numpy at most), tested with hypothesis.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

# --------------------------------------------------------------------------------------------
# French search
# --------------------------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-z]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")
    )


def stem_plural(word: str) -> str:
    """A light French plural stemmer: ``vélos`` → ``velo``, ``chevaux`` → ``cheval``, ``jeux`` → ``jeu``.

    It only undoes plural marks, so that a search for the singular finds the plural and back; the
    PostgreSQL French configuration stems further (verbs, derived forms) on top of it.
    """
    if len(word) > 4 and word.endswith("aux") and not word.endswith("eaux"):
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx" and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def search_terms(text: str) -> list[str]:
    """Lower-case, accent-free, singular word forms of a French text."""
    return [stem_plural(w) for w in _WORD.findall(strip_accents((text or "").lower()))]


def search_normalise(text: str) -> str:
    return " ".join(search_terms(text))


def fts5_query(text: str) -> str:
    """An SQLite FTS5 MATCH expression: every term must appear, as a word prefix (no operator injection)."""
    return " ".join(f'"{t}"*' for t in search_terms(text)[:12])


# --------------------------------------------------------------------------------------------
# Random order, stable per visitor
# --------------------------------------------------------------------------------------------

SHUFFLE_MODULUS = 2_147_483_647  # the Mersenne prime 2**31 - 1


def shuffle_multipliers(seed: int) -> tuple[int, int]:
    """Two coefficients from a visitor's seed (products in ``shuffle_key`` stay below 2**63)."""
    a = 1 + (seed * 2_654_435_761) % (SHUFFLE_MODULUS - 1)
    b = 1 + (seed * 40_503 + 12_345) % (SHUFFLE_MODULUS - 1)
    return a, b


def shuffle_key(idea_id: int, seed: int) -> int:
    """The sort key of one idea for one visitor's seed; the database computes the same expression.

    A quadratic polynomial modulo a prime, with coefficients drawn from the seed: the order looks
    random (a linear one would show a regular lattice) and stays the same for the visitor across
    pages; equal keys are rare and broken by id. Every intermediate product stays below 2**63.
    """
    a, b = shuffle_multipliers(seed)
    p = SHUFFLE_MODULUS
    return ((idea_id * idea_id) % p * a % p + idea_id * b % p) % p


def shuffle_sql(column: str, seed: int) -> str:
    """The same expression as ``shuffle_key`` in SQL (integers only; ``%%`` for Django's placeholders)."""
    a, b = shuffle_multipliers(seed)
    p = SHUFFLE_MODULUS
    return f"(((({column} * {column}) %% {p:d}) * {a:d}) %% {p:d} + ({column} * {b:d}) %% {p:d}) %% {p:d}"


# --------------------------------------------------------------------------------------------
# Opinion map (as Polis does): PCA of the vote matrix, k-means, consensus and divisive statements
# --------------------------------------------------------------------------------------------

GROUP_LABELS = "ABCDEFGH"


@dataclass
class OpinionMap:
    participants: np.ndarray  # row indices (in the input matrix) of the participants placed
    coords: np.ndarray  # (n, 2) position of each placed participant
    labels: np.ndarray  # (n,) group of each placed participant
    group_agree: np.ndarray  # (k, m) smoothed share of "agree" among those of the group who voted
    group_disagree: np.ndarray  # (k, m)
    consensus: list[tuple[int, str, float]] = field(
        default_factory=list
    )  # (statement, "agree"/"disagree", min)
    divisive: list[tuple[int, float]] = field(default_factory=list)  # (statement, spread)

    @property
    def k(self) -> int:
        return int(self.group_agree.shape[0])

    def as_dict(self, *, statement_ids: list[int], texts: dict[int, str], max_points: int = 600) -> dict:
        """JSON-ready summary for pages and the API (a sample of points keeps the chart light)."""
        groups = []
        for g in range(self.k):
            members = np.flatnonzero(self.labels == g)
            step = max(1, len(members) // max(1, max_points // max(1, self.k)))
            pts = self.coords[members[::step]]
            groups.append(
                {
                    "label": GROUP_LABELS[g],
                    "size": int(len(members)),
                    "points": [[round(float(x), 4), round(float(y), 4)] for x, y in pts],
                }
            )

        def statement(j):
            sid = statement_ids[j]
            return {
                "id": sid,
                "text": texts.get(sid, ""),
                "agree": [round(float(a), 3) for a in self.group_agree[:, j]],
                "disagree": [round(float(d), 3) for d in self.group_disagree[:, j]],
            }

        return {
            "participants": int(len(self.participants)),
            "groups": groups,
            "consensus": [
                {**statement(j), "direction": d, "strength": round(s, 3)} for j, d, s in self.consensus
            ],
            "divisive": [{**statement(j), "spread": round(s, 3)} for j, s in self.divisive],
        }


def _kmeans(
    points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """Lloyd's k-means with k-means++ seeding; returns labels and inertia."""
    n = len(points)
    centres = [points[rng.integers(n)]]
    for _ in range(1, k):
        d2 = np.min(((points[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1)
        total = d2.sum()
        centres.append(points[rng.choice(n, p=d2 / total)] if total > 0 else points[rng.integers(n)])
    centres = np.asarray(centres, dtype=float)
    labels = np.zeros(n, dtype=int)
    for _ in range(iterations):
        d2 = ((points[:, None, :] - centres[None]) ** 2).sum(-1)
        new = d2.argmin(axis=1)
        if _ > 0 and np.array_equal(new, labels):
            break
        labels = new
        for g in range(k):
            members = points[labels == g]
            if len(members):
                centres[g] = members.mean(axis=0)
    inertia = float(((points - centres[labels]) ** 2).sum())
    return labels, inertia


def silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width (1: tight, well separated groups; about 0: no structure). Vectorised."""
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2 or len(points) <= k:
        return -1.0
    sq = (points**2).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * points @ points.T, 0.0))
    onehot = np.eye(k)[labels]
    sizes = onehot.sum(axis=0)
    sums = dist @ onehot  # (n, k): total distance from each point to each group
    own_size = sizes[labels] - 1
    a = np.where(own_size > 0, sums[np.arange(len(points)), labels] / np.maximum(own_size, 1), 0.0)
    other = np.where(
        onehot.astype(bool) | (sizes[None, :] == 0), np.inf, sums / np.maximum(sizes[None, :], 1)
    )
    b = other.min(axis=1)
    denom = np.maximum(a, b)
    scores = np.where(
        (own_size > 0) & (denom > 0) & np.isfinite(b), (b - a) / np.where(denom > 0, denom, 1), 0.0
    )
    return float(scores.mean())


def opinion_map(
    votes: np.ndarray,
    *,
    min_votes: int = 7,
    max_groups: int = 5,
    seed: int = 0,
    consensus_share: float = 0.6,
    sample: int = 1000,
    max_divisive: int = 5,
) -> OpinionMap:
    """Group participants by how they vote.

    ``votes`` is participants × statements with 1 (agree), -1 (disagree), 0 (pass) and NaN (not seen).
    Participants with fewer than ``min_votes`` votes are not placed (too little to say). The number
    of groups (2 to ``max_groups``) is the one with the best silhouette on a sample.
    """
    votes = np.asarray(votes, dtype=float)
    n, m = votes.shape if votes.ndim == 2 else (0, 0)
    seen = ~np.isnan(votes) if n else np.zeros((0, 0), dtype=bool)
    voted = seen.sum(axis=1) if n else np.zeros(0, dtype=int)
    active = np.flatnonzero(voted >= min(min_votes, max(m, 1)))
    if len(active) < 3 or m < 2:
        return OpinionMap(
            active,
            np.zeros((len(active), 2)),
            np.zeros(len(active), dtype=int),
            np.zeros((0, m)),
            np.zeros((0, m)),
        )
    x = votes[active]
    s = seen[active]
    col_mean = np.where(s.sum(0) > 0, np.nansum(x, axis=0) / np.maximum(s.sum(0), 1), 0.0)
    filled = np.where(s, x, col_mean[None, :]) - col_mean[None, :]
    # The first two principal axes: eigenvectors of the m × m covariance (much cheaper than a full
    # SVD of the n × m matrix when there are many more participants than statements).
    _values, vectors = np.linalg.eigh(filled.T @ filled)
    axes = vectors[:, ::-1][:, :2]
    coords = filled @ axes
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
    # Polis's correction: people who saw few statements would otherwise all sit near the centre.
    coords = coords * np.sqrt(m / s.sum(axis=1))[:, None]
    for j in range(2):  # a deterministic orientation of the axes
        if coords[:, j].sum() < 0:
            coords[:, j] = -coords[:, j]

    rng = np.random.default_rng(seed)
    sample_idx = rng.choice(len(coords), size=min(sample, len(coords)), replace=False)
    best = None
    for k in range(2, min(max_groups, len(coords) - 1) + 1):
        labels, _inertia = _kmeans(coords, k, np.random.default_rng(seed + k))
        if len(set(labels.tolist())) < k:
            continue
        score = silhouette(coords[sample_idx], labels[sample_idx])
        if best is None or score > best[0] + 1e-9:
            best = (score, labels)
    labels = best[1] if best else np.zeros(len(coords), dtype=int)
    # Name groups by size, largest first (A, B, …), so labels are stable across recomputations.
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    remap = np.empty_like(order)
    remap[order] = np.arange(len(order))
    labels = remap[labels]
    k = int(labels.max()) + 1

    agree = np.zeros((k, m))
    disagree = np.zeros((k, m))
    for g in range(k):
        members = labels == g
        gx, gs = x[members], s[members]
        n_seen = gs.sum(axis=0)
        agree[g] = ((gx == 1) & gs).sum(axis=0) + 1
        disagree[g] = ((gx == -1) & gs).sum(axis=0) + 1
        agree[g] /= n_seen + 2
        disagree[g] /= n_seen + 2
    consensus = []
    for j in range(m):
        if agree[:, j].min() >= consensus_share:
            consensus.append((j, "agree", float(agree[:, j].min())))
        elif disagree[:, j].min() >= consensus_share:
            consensus.append((j, "disagree", float(disagree[:, j].min())))
    consensus.sort(key=lambda c: -c[2])
    spread = agree.max(axis=0) - agree.min(axis=0) if k > 1 else np.zeros(m)
    divisive = [
        (int(j), float(spread[j]))
        for j in np.argsort(-spread, kind="stable")[:max_divisive]
        if spread[j] >= 0.3
    ]
    return OpinionMap(active, coords, labels, agree, disagree, consensus, divisive)
