"""Pure rules of the ideas module: search normalisation, stable shuffling, the opinion map.

No Django import here: plain data in, plain data out (numpy at most), tested with hypothesis.
"""

from __future__ import annotations

import re
import unicodedata

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
