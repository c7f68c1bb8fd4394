"""Automatic publication of feasibility reviews at the end of the review phase: the worker's task, the
idempotent check on the campaign page, and the scheduling when a review is recorded."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from parvis.budget import services, tasks
from parvis.budget.models import Campaign, Feasibility, Project, Status
from parvis.core.models import Notification
from tests.budget.factories import make_campaign, make_envelope, make_project, set_phase
from tests.factories import make_agent, make_service

pytestmark = pytest.mark.django_db


def _reviewed(open_phase="review"):
    """A campaign with two reviewed ideas (one feasible, one not) and one idea not yet reviewed."""
    campaign = make_campaign(open_phase="review")
    env = make_envelope(campaign, slug="paris")
    service = make_service()
    agent = make_agent(service=service)
    ideas = [make_project(env, feasible=False, status=Status.SUBMITTED, service=service) for _ in range(3)]
    services.project_review(reviewer=agent, project=ideas[0], feasibility=Feasibility.FEASIBLE, cost=1000)
    services.project_review(
        reviewer=agent,
        project=ideas[1],
        feasibility=Feasibility.UNFEASIBLE,
        reason="Terrain privé, hors champ.",
    )
    campaign = set_phase(campaign, open_phase)
    return campaign, ideas


def _published():
    return Project.objects.filter(review_published_at__isnull=False).count()


def test_nothing_published_while_the_review_phase_is_open(client, django_assert_max_num_queries):
    campaign, _ideas = _reviewed("review")
    assert services.reviews_publish_due(campaign=campaign) == 0
    assert tasks.reviews_publish_due.call(campaign.pk) == 0
    # Before the end of the phase the page-load check costs no query at all.
    with django_assert_max_num_queries(0):
        services.reviews_publish_due(campaign=campaign)
    assert client.get(reverse("budget:campaign", args=[campaign.slug])).status_code == 200
    assert _published() == 0


def test_worker_task_publishes_once_the_phase_has_ended():
    campaign, ideas = _reviewed("vote")
    assert tasks.reviews_publish_due.call(campaign.pk) == 2
    statuses = dict(Project.objects.values_list("pk", "status"))
    assert statuses[ideas[0].pk] == Status.FEASIBLE
    assert statuses[ideas[1].pk] == Status.UNFEASIBLE
    assert statuses[ideas[2].pk] == Status.SUBMITTED  # not reviewed: stays under study
    assert Notification.objects.filter(kind="budget.unfeasible").count() == 1
    # Idempotent: a second run changes nothing and notifies nobody again.
    assert tasks.reviews_publish_due.call(campaign.pk) == 0
    assert Notification.objects.filter(kind__startswith="budget.").count() == 2
    assert tasks.reviews_publish_due.call(999999) == 0


def test_campaign_page_load_publishes_when_due(client, django_assert_max_num_queries):
    campaign, ideas = _reviewed("vote")
    r = client.get(reverse("budget:campaign", args=[campaign.slug]))
    assert r.status_code == 200
    assert _published() == 2
    stamp = Project.objects.get(pk=ideas[0].pk).review_published_at
    # Once published, the check is one cheap query and publishes nothing again.
    campaign = Campaign.objects.prefetch_related("phases").get(pk=campaign.pk)
    with django_assert_max_num_queries(1):
        assert services.reviews_publish_due(campaign=campaign) == 0
    client.get(reverse("budget:campaign", args=[campaign.slug]))
    assert Project.objects.get(pk=ideas[0].pk).review_published_at == stamp


def test_a_review_schedules_the_publication_at_the_end_of_the_phase(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    backend = task_backends["default"]
    backend.clear()
    campaign = make_campaign(open_phase="review")
    env = make_envelope(campaign)
    service = make_service()
    idea = make_project(env, feasible=False, status=Status.SUBMITTED, service=service)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        services.project_review(
            reviewer=make_agent(service=service), project=idea, feasibility=Feasibility.FEASIBLE, cost=10
        )
    end = campaign.phases.get(kind="review").ends_at
    [result] = backend.results
    assert result.task.func is tasks.reviews_publish_due.func
    assert result.task.run_after == end
    assert result.args == [campaign.pk]


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_publish_once():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises writers anyway")
    campaign, _ideas = _reviewed("vote")
    counts, errors = [], []

    def check():
        try:
            c = Campaign.objects.prefetch_related("phases").get(pk=campaign.pk)
            counts.append(services.reviews_publish_due(campaign=c))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(counts) == [0, 0, 0, 0, 0, 2]
    assert Notification.objects.filter(kind__in=["budget.feasible", "budget.unfeasible"]).count() == 2


def test_phase_end_in_the_future_after_review_rescheduling_keeps_private():
    """A review phase prolonged past now: nothing is published, even from the worker."""
    campaign, _ideas = _reviewed("review")
    phase = campaign.phases.get(kind="review")
    phase.ends_at = timezone.now() + timedelta(days=3)
    phase.save()
    campaign = Campaign.objects.prefetch_related("phases").get(pk=campaign.pk)
    assert tasks.reviews_publish_due.call(campaign.pk) == 0
    assert _published() == 0
