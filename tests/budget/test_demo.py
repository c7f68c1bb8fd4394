import io

import pytest

from parvis.budget import demo, permissions
from parvis.budget.models import Ballot, Campaign, Envelope, Project, Result

pytestmark = pytest.mark.django_db


def test_demo_loads_once(paris):
    from parvis.core import demo as core_demo

    core_demo.load()
    out = io.StringIO()
    demo.load(out)
    counts = (
        Campaign.objects.count(),
        Envelope.objects.count(),
        Project.objects.count(),
        Ballot.objects.count(),
    )
    demo.load(out)
    assert counts == (
        Campaign.objects.count(),
        Envelope.objects.count(),
        Project.objects.count(),
        Ballot.objects.count(),
    )
    current = Campaign.objects.prefetch_related("phases").get(slug="bp-2027")
    assert permissions.current_phase(current) == "vote"
    assert current.envelopes.filter(territory__isnull=True, reserved_amount__gt=0).exists()
    assert current.envelopes.filter(territory__isnull=False).count() == 20
    assert current.projects.count() >= 90
    assert Ballot.objects.filter(envelope__campaign=current).count() > 300
    done = Campaign.objects.get(slug="bp-2026")
    assert Result.objects.filter(envelope__campaign=done).count() == done.envelopes.count()
    assert Project.objects.filter(campaign=done).exclude(implementation="").exists()

    # Every public page of both campaigns renders with the demo data.
    from django.test import Client

    client = Client()
    project = current.projects.filter(status="feasible").first()
    funded = Result.objects.filter(envelope__campaign=done).first().funded.first()
    for url in [
        "/budget/",
        "/budget/bp-2027/",
        "/budget/bp-2027/projets/",
        project.get_absolute_url(),
        "/budget/bp-2027/voter/",
        "/budget/bp-2027/voter/paris/",
        "/budget/bp-2027/inclusion/",
        "/budget/bp-2026/resultats/",
        "/budget/bp-2026/suivi/",
        funded.get_absolute_url(),
        "/budget/bp-2026/resultats/paris.pb",
        "/api/budget/campaigns/bp-2026/results",
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get("/budget/bp-2026/resultats/").content.decode()
    assert "Mention majoritaire" in page
    assert any(label in page for label in ("Coup de cœur", "Bien", "Pourquoi pas", "Pas convaincu·e"))
