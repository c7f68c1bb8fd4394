"""One localised date format: the same date reads naturally in each language, never a mix."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from parvis.core.dates import format_when
from tests.factories import make_user
from tests.ideas.factories import make_comment, make_idea
from tests.reports.factories import make_report

MOMENT = timezone.make_aware(datetime.datetime(2026, 11, 9, 4, 49))


def test_each_style_in_each_language():
    with translation.override("fr"):
        assert format_when(MOMENT) == "9 novembre 2026 04:49"
        assert format_when(MOMENT, "date") == "9 novembre 2026"
        assert format_when(MOMENT, "short") == "09/11/2026"
        assert format_when(MOMENT.date()) == "9 novembre 2026"
    with translation.override("en"):
        assert format_when(MOMENT) == "Nov. 9, 2026, 4:49 a.m."
        assert format_when(MOMENT, "date") == "Nov. 9, 2026"
        assert format_when(None) == ""
    with pytest.raises(ValueError):
        format_when(MOMENT, "fancy")


def test_no_template_writes_its_own_human_date_format():
    """Machine formats (ISO for datetime= and input values) only; people read dates through |when."""
    from pathlib import Path

    import parvis

    root = Path(parvis.__file__).parent
    ad_hoc = []
    for path in root.glob("*/templates/**/*.html"):
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text(encoding="utf-8")):
            if fmt not in {"c", "Y-m-d"}:
                ad_hoc.append(f"{path.relative_to(root)}: {fmt}")
    assert ad_hoc == []


@pytest.mark.django_db
def test_comment_dates_are_french_in_french(client):
    idea = make_idea()
    make_comment(idea=idea, author=make_user(), created_at=MOMENT)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "9 novembre 2026 04:49" in html
    assert "Nov 2026" not in html


@pytest.mark.django_db
def test_report_date_has_no_french_word_in_english(client, paris):
    report = make_report()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(report.get_absolute_url()).content.decode()
    when = re.search(r"<dt>Reported on</dt><dd>([^<]*)</dd>", html).group(1)
    assert " à " not in when
    assert re.search(r"\b20\d\d\b", when)
