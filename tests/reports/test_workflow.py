"""Follow-up: statuses, timeline, duplicates, feedback from residents, notifications, permissions."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parvis.core.models import Notification
from parvis.reports import rules, services
from parvis.reports.models import Follow, Report, ReportEvent, Status
from tests.factories import make_admin, make_agent, make_moderator, make_service, make_user

from .factories import make_report, make_tree, photo_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(paris):
    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    author = make_user()
    report = make_report(category=leaf, author=author)
    return service, leaf, agent, author, report


def test_full_workflow_with_public_timeline_and_notifications(setup):
    service, leaf, agent, author, report = setup
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.report_set_status(report=report, actor=agent, status=Status.TO_HANDLE)
    services.report_set_status(report=report, actor=agent, status=Status.SCHEDULED, planned_for=tomorrow)
    services.report_set_status(
        report=report, actor=agent, status=Status.DONE, note="Enlevé ce matin.", after_photo=photo_upload()
    )
    report.refresh_from_db()
    assert report.status == Status.DONE
    assert report.resolved_at is not None
    assert report.closed_at is not None
    assert report.photos.filter(kind="after").count() == 1
    kinds = list(report.events.values_list("kind", "status"))
    assert kinds == [("created", "new"), ("status", "to_handle"), ("status", "scheduled"), ("status", "done")]
    assert "Intervention prévue" in report.events.get(status="scheduled").text
    # The author follows automatically and is told of each change.
    assert Notification.objects.filter(recipient=author, kind="reports.update").count() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "scheduled"}, "date d'intervention"),
        ({"status": "rejected"}, "motif du rejet"),
        ({"status": "duplicate"}, "Indiquez le signalement"),
        ({"status": "bogus"}, "Statut inconnu"),
    ],
)
def test_status_change_needs_its_details(setup, kwargs, message):
    _s, _l, agent, _a, report = setup
    with pytest.raises(ValidationError, match=message):
        services.report_set_status(report=report, actor=agent, **kwargs)
    report.refresh_from_db()
    assert report.status == Status.NEW
    assert report.events.count() == 1


def test_impossible_transition_is_refused(setup):
    _s, _l, agent, _a, report = setup
    services.report_set_status(report=report, actor=agent, status=Status.DONE)
    with pytest.raises(ValidationError, match="Passage impossible"):
        services.report_set_status(
            report=report, actor=agent, status=Status.SCHEDULED, planned_for=timezone.localdate()
        )


def test_rejection_reason_is_public_and_constrained(setup):
    _s, _l, agent, _a, report = setup
    services.report_set_status(
        report=report,
        actor=agent,
        status=Status.REJECTED,
        public_reason="Domaine privé : relève du bailleur.",
    )
    report.refresh_from_db()
    assert report.public_reason.startswith("Domaine privé")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(public_reason="")


def test_duplicate_links_both_ways_and_moves_followers(setup):
    _s, leaf, agent, author, report = setup
    other_author = make_user()
    copy = make_report(category=leaf, author=other_author)
    services.report_set_status(report=copy, actor=agent, status=Status.DUPLICATE, duplicate_of=report)
    copy.refresh_from_db()
    assert copy.duplicate_of == report
    assert list(report.duplicates.all()) == [copy]
    assert Follow.objects.filter(report=report, user=other_author).exists()
    assert not Follow.objects.filter(report=copy).exists()
    assert report.events.filter(kind="merged").exists()
    with pytest.raises(ValidationError, match="lui-même"):
        services.report_set_status(report=report, actor=agent, status=Status.DUPLICATE, duplicate_of=report)


def test_duplicate_constraint_in_database(setup):
    _s, _l, _agent, _a, report = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(status="duplicate")


def test_merge_and_bulk_are_all_or_nothing(setup):
    service, leaf, agent, _author, report = setup
    a, b = make_report(category=leaf), make_report(category=leaf)
    services.report_merge(original=report, duplicates=[a, b], actor=agent)
    assert Report.objects.filter(duplicate_of=report).count() == 2
    others_service = make_service()
    foreign = make_report(category=leaf)
    Report.objects.filter(pk=foreign.pk).update(service=others_service)
    c = make_report(category=leaf)
    with pytest.raises(PermissionDenied):
        services.report_bulk_status(report_ids=[c.pk, foreign.pk], actor=agent, status=Status.TO_HANDLE)
    c.refresh_from_db()
    assert c.status == Status.NEW
    assert services.report_bulk_status(report_ids=[c.pk], actor=agent, status=Status.TO_HANDLE) == 1


def test_resident_says_not_fixed_reopens(setup):
    _s, _l, agent, author, report = setup
    services.report_set_status(report=report, actor=agent, status=Status.DONE)
    neighbour = make_user()
    services.report_resident_feedback(report=report, user=neighbour, fixed=False, note="Toujours là.")
    report.refresh_from_db()
    assert report.status == Status.TO_HANDLE
    assert report.closed_at is None
    assert report.events.last().kind == "not_fixed"
    assert Follow.objects.filter(report=report, user=neighbour).exists()
    with pytest.raises(ValidationError, match="résolu"):
        services.report_resident_feedback(report=report, user=neighbour, fixed=False)


def test_thanks_once_and_only_when_done(setup):
    _s, _l, agent, author, report = setup
    with pytest.raises(ValidationError, match="une fois le signalement résolu"):
        services.report_thank(report=report, user=author)
    services.report_set_status(report=report, actor=agent, status=Status.DONE)
    assert services.report_thank(report=report, user=author) is True
    assert services.report_thank(report=report, user=author) is False
    assert report.events.filter(kind="thanks").count() == 1


def test_reroute_to_another_category_routes_again(setup):
    _s, leaf, agent, _a, report = setup
    green = make_service()
    _f2, _k2, other_leaf = make_tree(service=green)
    services.report_reroute(report=report, actor=agent, category=other_leaf, note="Dans le parc.")
    report.refresh_from_db()
    assert report.category == other_leaf
    assert report.service == green
    assert report.events.filter(kind="rerouted").exists()


def test_assign_only_to_an_agent_of_the_service(setup):
    service, _l, agent, _a, report = setup
    colleague = make_agent(service=service)
    services.report_assign(report=report, actor=agent, agent=colleague)
    report.refresh_from_db()
    assert report.assigned_to == colleague
    assert report.status == Status.TO_HANDLE
    with pytest.raises(ValidationError, match="pas agent du service"):
        services.report_assign(report=report, actor=agent, agent=make_agent(service=make_service()))


ROLES = ["anonymous", "resident", "moderator", "agent_same", "agent_other", "admin"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["status", "reroute", "assign", "comment"])
def test_permission_matrix(setup, role, action):
    service, leaf, agent, _a, report = setup
    actor = {
        "anonymous": None,
        "resident": make_user(),
        "moderator": make_moderator(),
        "agent_same": agent,
        "agent_other": make_agent(service=make_service()),
        "admin": make_admin(),
    }[role]
    if actor is None:
        from django.contrib.auth.models import AnonymousUser

        actor = AnonymousUser()
    call = {
        "status": lambda: services.report_set_status(report=report, actor=actor, status=Status.TO_HANDLE),
        "reroute": lambda: services.report_reroute(report=report, actor=actor, service=service),
        "assign": lambda: services.report_assign(report=report, actor=actor, agent=None),
        "comment": lambda: services.report_comment(report=report, actor=actor, note="Bonjour"),
    }[action]
    allowed = role in {"agent_same", "admin"}
    if allowed:
        call()
        assert ReportEvent.objects.filter(report=report).count() == 2
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert ReportEvent.objects.filter(report=report).count() == 1


def test_transitions_table_is_closed_under_reopening():
    for status in rules.CLOSED:
        assert rules.can_transition(status, rules.TO_HANDLE)
    assert not rules.can_transition(rules.DONE, rules.SCHEDULED)
