import io

import pytest

from parvis.ideas import demo
from parvis.ideas.models import Answer, Comment, Consultation, Idea, OpinionSnapshot, Phase, Support

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_the_promised_content(paris, client):
    from parvis.core import demo as core_demo

    core_demo.load()
    out = io.StringIO()
    demo.load(out)
    counts = (
        Consultation.objects.count(),
        Idea.objects.count(),
        Comment.objects.count(),
        Support.objects.count(),
    )
    demo.load(io.StringIO())
    assert counts == (
        Consultation.objects.count(),
        Idea.objects.count(),
        Comment.objects.count(),
        Support.objects.count(),
    )

    climate = Consultation.objects.get(slug="paris-respire")
    assert climate.phase == Phase.IDEAS
    assert climate.ideas.count() >= 30
    assert Comment.objects.filter(idea__consultation=climate).exists()
    assert Support.objects.filter(idea__consultation=climate).count() > 100
    local = Consultation.objects.get(slug="embellir-le-11e")
    assert local.ideas.filter(lat__isnull=False, district__code="11").count() >= 10
    closed = Consultation.objects.get(slug="plan-velo-2025")
    assert closed.phase == Phase.ANSWER
    assert Answer.objects.filter(idea__consultation=closed).count() == closed.ideas.count()
    snapshot = OpinionSnapshot.objects.get(consultation__slug="rues-aux-ecoles")
    assert len(snapshot.data["groups"]) == 2
    assert snapshot.data["consensus"]
    assert Consultation.objects.filter(is_permanent=True).count() == 1
    for slug in ("paris-respire", "embellir-le-11e", "plan-velo-2025"):
        assert client.get(f"/idees/{slug}/").status_code == 200
    assert client.get("/idees/rues-aux-ecoles/carte-des-opinions/").status_code == 200
    assert client.get("/idees/").status_code == 200
