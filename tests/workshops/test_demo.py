"""The demo holds card holders: active, pending, a child's card, suspended; loading twice adds nothing."""

import pytest

from parvis.core import demo as core_demo
from parvis.core import permissions
from parvis.core.models import User
from parvis.workshops import demo
from parvis.workshops.models import CardStatus, CitizenCard

pytestmark = pytest.mark.django_db


def test_demo_cards():
    core_demo.load()
    demo.load()
    statuses = sorted(CitizenCard.objects.values_list("status", flat=True))
    assert statuses.count(CardStatus.ACTIVE) == 3
    assert statuses.count(CardStatus.PENDING) == 2
    assert statuses.count(CardStatus.SUSPENDED) == 1
    assert CitizenCard.objects.filter(guardian__isnull=False).count() == 1
    amina = User.objects.get(email="habitante@demo.parvis.localhost")
    jules = User.objects.get(email="habitant@demo.parvis.localhost")
    assert permissions.reaches(amina, permissions.Level.VERIFIED_RESIDENT)
    assert not permissions.reaches(jules, permissions.Level.VERIFIED_RESIDENT)
    demo.load()
    assert CitizenCard.objects.count() == 6
