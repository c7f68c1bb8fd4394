import pytest

from parvis.core import demo as core_demo
from parvis.reports import demo
from parvis.reports.models import Campaign, Category, Contribution, Report, RoutingRule


@pytest.mark.django_db
def test_demo_loads_and_is_idempotent(monkeypatch):
    monkeypatch.setattr(demo, "DEMO_REPORTS", 40)
    core_demo.load()
    demo.load()
    counts = (
        Category.objects.count(),
        Report.objects.count(),
        Campaign.objects.count(),
        Contribution.objects.count(),
        RoutingRule.objects.count(),
    )
    assert counts[0] > 50
    assert counts[1] >= 40
    assert set(Campaign.objects.values_list("kind", flat=True)) == {"information", "codesign"}
    assert Report.objects.filter(status="done").exists()
    assert Report.objects.exclude(service=None).count() == Report.objects.count()
    demo.load()
    assert counts == (
        Category.objects.count(),
        Report.objects.count(),
        Campaign.objects.count(),
        Contribution.objects.count(),
        RoutingRule.objects.count(),
    )
