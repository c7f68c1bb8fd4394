"""Statistics: the same figures on SQLite (Python) and PostgreSQL (one grouped query)."""

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from parvis.reports import rules, selectors
from parvis.reports.models import Report
from tests.factories import make_service

from .factories import make_report, make_tree

pytestmark = pytest.mark.django_db


def test_median_p90_and_overdue_share(paris):
    service = make_service(code="proprete", name="Propreté")
    _f, _k, leaf = make_tree(service=service)
    leaf.target_hours = 10
    leaf.save()
    now = timezone.now()
    created = now - dt.timedelta(days=3)
    # Closed reports handled in 2, 4, 6 and 20 hours; one open for 3 days (late); a duplicate (ignored).
    for hours in (2, 4, 6, 20):
        r = make_report(category=leaf)
        Report.objects.filter(pk=r.pk).update(
            status="done", created_at=created, closed_at=created + dt.timedelta(hours=hours)
        )
    late_open = make_report(category=leaf)
    Report.objects.filter(pk=late_open.pk).update(created_at=created)
    original = make_report(category=leaf)
    dup = make_report(category=leaf)
    Report.objects.filter(pk=dup.pk).update(status="duplicate", duplicate_of=original, closed_at=now)
    rows = {r["key"]: r for r in selectors.statistics(by="service")}
    row = rows["proprete"]
    assert row["total"] == 7
    assert row["open"] == 2
    assert row["closed"] == 4
    assert row["median_hours"] == 5.0
    assert row["p90_hours"] == pytest.approx(15.8, abs=0.05)
    # late: the 20-hour one and the 3-day-old open one; considered: 2 open + 4 closed.
    assert row["overdue_share"] == pytest.approx(33.3, abs=0.05)
    by_category = selectors.statistics(by="category", since=timezone.localdate() - dt.timedelta(days=1))
    assert [r["total"] for r in by_category] == [2]


@given(
    st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=50),
    st.sampled_from([0, 10, 50, 90, 100]),
)
def test_percentile_matches_numpy(values, q):
    import numpy as np

    assert rules.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-9, abs=1e-9)
