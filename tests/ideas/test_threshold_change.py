"""A consultation's support threshold changed: every idea is weighed again in the same transaction."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from parvis.core.models import AuditEntry, Notification, Role
from parvis.ideas import selectors, services
from parvis.ideas.models import Consultation, Status
from tests.factories import make_admin, make_user

from .factories import make_consultation, make_idea

pytestmark = pytest.mark.django_db


def _ideas(c):
    return {
        "above": make_idea(consultation=c, support_count=5),
        "below": make_idea(consultation=c, support_count=2),
        "expired": make_idea(
            consultation=c, support_count=9, threshold_deadline=timezone.now() - timedelta(days=1)
        ),
        "hidden": make_idea(consultation=c, support_count=9, hidden_at=timezone.now()),
        "pending": make_idea(consultation=c, support_count=9, status=Status.PENDING),
    }


def _reached(idea) -> bool:
    idea.refresh_from_db()
    return idea.threshold_reached_at is not None


def test_lowering_the_threshold_flags_ideas_already_above_it():
    c = make_consultation(support_threshold=10, support_window_days=90)
    ideas = _ideas(c)
    agent = make_user(role=Role.AGENT)
    c.support_threshold = 4
    services.consultation_save(actor=make_admin(), consultation=c)
    assert {k for k, idea in ideas.items() if _reached(idea)} == {"above"}
    assert list(selectors.ideas_awaiting_answer()) == [ideas["above"]]
    assert Notification.objects.filter(kind="ideas.threshold", recipient=agent).count() == 1
    entry = AuditEntry.objects.get(action="ideas.threshold_changed")
    assert entry.data == {"before": 10, "after": 4}


def test_raising_the_threshold_keeps_flagged_ideas_flagged():
    c = make_consultation(support_threshold=4, support_window_days=90)
    idea = make_idea(consultation=c, support_count=5, threshold_reached_at=timezone.now())
    c.support_threshold = 50
    services.consultation_save(actor=make_admin(), consultation=c)
    assert _reached(idea)
    assert list(selectors.ideas_awaiting_answer()) == [idea]
    assert not Notification.objects.filter(kind="ideas.threshold").exists()


def test_saving_without_changing_the_threshold_flags_nothing_new():
    c = make_consultation(support_threshold=4, support_window_days=90)
    idea = make_idea(consultation=c, support_count=5)
    c.title = "Nouveau titre"
    services.consultation_save(actor=make_admin(), consultation=c)
    assert not _reached(idea)


def test_the_admin_form_goes_through_the_service():
    c = make_consultation(support_threshold=10, support_window_days=90)
    idea = make_idea(consultation=c, support_count=5)
    admin = make_admin()
    request = RequestFactory().post("/admin/")
    request.user = admin
    model_admin = site._registry[Consultation]
    c.support_threshold = 3
    model_admin.save_model(request, c, form=None, change=True)
    assert _reached(idea)
