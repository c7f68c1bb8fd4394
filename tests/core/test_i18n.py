"""The English catalogue of the core is complete and compiled; pages switch language."""

import re
import subprocess
from pathlib import Path

import pytest

import parvis.core

LOCALE = Path(parvis.core.__file__).with_name("locale") / "en" / "LC_MESSAGES"


def test_every_core_string_has_an_english_translation():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    assert len(entries) > 250
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n(?!")', e + "\n", re.M)]
    assert untranslated == []
    assert "#, fuzzy" not in po


def test_the_compiled_catalogue_is_up_to_date(tmp_path):
    mo = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(LOCALE / "django.po")], check=True)
    assert mo.read_bytes() == (LOCALE / "django.mo").read_bytes()


@pytest.mark.django_db
def test_pages_in_english(client, paris):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Skip to content" in html
    assert "Approximate boundaries." in html
    html = client.get("/territoires/", {"adresse": "Hôtel de Ville"}).content.decode()
    assert "Result for “Hôtel de Ville”:" in html
    assert "<dt>Neighbourhood</dt><dd>Saint-Merri</dd>" in html
    response = client.post("/compte/connexion/", {"email": "x@example.org", "password": "nope"})
    assert "Wrong e-mail address or password." in response.content.decode()
