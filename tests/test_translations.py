"""Every French string has an English translation, and the compiled catalogues match their sources."""

import ast
import gettext
import re
from pathlib import Path

import pytest

PARVIS = Path(__file__).resolve().parents[1] / "parvis"
CATALOGUES = sorted(PARVIS.glob("**/locale/en/LC_MESSAGES/*.po"))


def parse_po(path: Path) -> list[tuple[str | None, str, list[str], bool]]:
    """(context, msgid, msgstrs, fuzzy) for each entry of a .po file (the header excluded)."""
    entries, current, field, fuzzy = [], None, None, False

    def flush():
        if current and current["msgid"]:
            strs = [current.get("msgstr", "")] if "msgstr" in current else [
                v for k, v in sorted(current.items()) if k.startswith("msgstr[")]
            entries.append((current.get("msgctxt"), current["msgid"], strs, current["fuzzy"]))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#~"):
            continue
        elif m := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line):
            key, value = m.group(1), ast.literal_eval(m.group(2))
            if key in ("msgctxt",) or (key == "msgid" and (current is None or "msgid" in current)):
                flush()
                current = {"fuzzy": fuzzy}
                fuzzy = False
            if current is None:
                current = {"fuzzy": fuzzy}
            current[key] = value
            field = key
        elif line.startswith('"') and current is not None and field:
            current[field] += ast.literal_eval(line)
    flush()
    return entries


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PARVIS)))
def test_english_catalogue_is_complete_and_compiled(po):
    entries = parse_po(po)
    assert entries, f"{po} is empty"
    missing = [msgid for _ctx, msgid, strs, fuzzy in entries if fuzzy or not all(strs)]
    assert not missing, f"{len(missing)} untranslated or fuzzy strings in {po}, e.g. {missing[:5]}"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run compilemessages"
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    stale = []
    for ctx, msgid, strs, _fuzzy in entries:
        got = compiled.pgettext(ctx, msgid) if ctx else compiled.gettext(msgid)
        if got != strs[0] and "msgid_plural" not in msgid:
            stale.append(msgid)
    assert not stale, f"{mo} is older than its .po ({len(stale)} strings differ), e.g. {stale[:3]}"


def test_every_app_has_an_english_catalogue():
    apps = [p.parent for p in PARVIS.glob("*/apps.py")]
    without = [a.name for a in apps if not (a / "locale/en/LC_MESSAGES/django.po").exists()]
    assert not without, f"apps without English translations: {without}"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(PARVIS)))
def test_catalogue_covers_every_string_of_the_source(po, tmp_path):
    """Re-extract the strings (as makemessages does) and check that none is missing from the catalogue."""
    import os
    import shutil
    import subprocess
    import sys

    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext (xgettext) is not installed")
    source = po.parents[3]
    copy = tmp_path / source.name
    ignore = shutil.ignore_patterns("__pycache__", "static", "migrations") if source != PARVIS else (
        lambda d, names: [n for n in names if (Path(d) / n / "apps.py").exists() or n == "__pycache__"])
    shutil.copytree(source, copy, ignore=ignore)
    (copy / "locale/en/LC_MESSAGES/django.po").unlink()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "parvis.settings"}
    command = [sys.executable, "-P", "-m", "django", "makemessages", "-l", "en", "-d", "django"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    extracted = {(ctx, msgid) for ctx, msgid, _s, _f in parse_po(copy / "locale/en/LC_MESSAGES/django.po")}
    known = {(ctx, msgid) for ctx, msgid, _s, _f in parse_po(po)}
    missing = sorted(extracted - known, key=str)
    assert not missing, f"{len(missing)} source strings missing from {po}: {missing[:5]} (run makemessages)"
