"""The same rule gives the same answer in every module: an account whose e-mail is not confirmed is
refused every contribution, a blocked account everything, with one sentence each (core's contract)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from parvis.budget import services as budget
from parvis.budget.models import Ballot, Project
from parvis.core.permissions import BLOCKED, CONFIRM_EMAIL
from parvis.ideas import services as ideas
from parvis.ideas.models import Idea
from parvis.reports import services as reports
from tests.budget.factories import make_campaign, make_envelope, make_voter
from tests.ideas.factories import make_consultation
from tests.reports.factories import make_report

pytestmark = pytest.mark.django_db


def _refusals(person):
    """What each module answers this person, for a proposal, a vote and a follow."""
    attempts = {
        "budget.propose": lambda: budget.project_create(
            author=person, campaign=make_campaign(open_phase="ideas"), title="Un banc", body="Un banc ici."
        ),
        "budget.vote": lambda: budget.ballot_submit(
            voter=person, envelope=make_envelope(make_campaign(open_phase="vote")), choices=[]
        ),
        "ideas.propose": lambda: ideas.idea_create(
            author=person, consultation=make_consultation(), title="Un banc", body="Un banc devant l'école."
        ),
        "reports.follow": lambda: reports.report_follow(report=make_report(), user=person),
    }
    messages = {}
    for name, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        messages[name] = str(refused.value)
    return messages


def test_an_unconfirmed_account_gets_the_same_refusal_everywhere(paris):
    messages = _refusals(make_voter(confirmed=False))
    assert set(messages.values()) == {str(CONFIRM_EMAIL)}, messages
    assert not Project.objects.exists()
    assert not Ballot.objects.exists()
    assert not Idea.objects.exists()


def test_a_blocked_account_gets_the_same_refusal_everywhere(paris):
    messages = _refusals(make_voter(blocked_at=timezone.now()))
    assert set(messages.values()) == {str(BLOCKED)}, messages


def test_the_participation_charter_is_asked_for_in_every_module_then_lets_through(paris):
    """A published charter not yet accepted: every module refuses with the charter's one sentence; once
    the person accepts the version in force, the same contributions go through."""
    from parvis.core import charter
    from parvis.core.charter import MUST_ACCEPT
    from tests.factories import make_admin

    version = charter.charter_publish(actor=make_admin(), title="Charte", body="Je m'exprime avec respect.")
    person = make_voter()
    messages = _refusals(person)
    assert set(messages.values()) == {str(MUST_ACCEPT)}, messages
    assert not Project.objects.exists()
    assert not Idea.objects.exists()
    charter.charter_accept(user=person, version=version)
    ideas.idea_create(
        author=person, consultation=make_consultation(), title="Un banc", body="Un banc devant l'école."
    )
    reports.report_follow(report=make_report(), user=person)
    assert Idea.objects.count() == 1
