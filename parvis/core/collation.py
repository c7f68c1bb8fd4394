"""French reading order for names: one sort key for every list a person scans.

Databases sort text by code point ("É" after "V", "10e" before "2e"); a French reader expects accents and
case ignored ("École" with the E's) and numbers in numeric order ("1er, 2e, … 10e").
"""

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_RUNS = re.compile(r"(\d+)")


def french_sort_key(text: str) -> tuple:
    """Primary: letters without accents or case, digit runs as numbers; ties: the exact text."""
    folded = unicodedata.normalize("NFKD", (text or "").translate(_LIGATURES))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    parts = tuple(
        (0, int(run), "") if run.isdigit() else (1, 0, run.strip()) for run in _RUNS.split(folded) if run
    )
    return parts, text or ""


def in_french_order(items, name=lambda item: item.name) -> list:
    """Items sorted by ``french_sort_key`` of their name (lists of tens to a few hundred rows)."""
    return sorted(items, key=lambda item: french_sort_key(name(item)))
