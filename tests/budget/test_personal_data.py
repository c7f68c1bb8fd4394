"""The budget's part of the personal-data export and of account deletion (declared in its manifest)."""

import pytest
from django.utils import timezone

from parvis.budget import selectors, services
from parvis.budget.models import Ballot, Comment, Project
from parvis.core import accounts
from parvis.core.models import Role
from tests.budget.factories import make_campaign, make_envelope, make_project, make_voter
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted():
    campaign = make_campaign(open_phase="vote")
    envelope = make_envelope(campaign)
    project = make_project(envelope, cost=100_000)
    voter = make_voter(display_name="Nadia")
    services.ballot_submit(voter=voter, envelope=envelope, choices=[project.pk])
    Comment.objects.create(project=project, author=voter, body="Bonne idée pour la rue.")
    mediator = make_user(role=Role.MEDIATOR)
    assisted = make_project(
        envelope,
        author=mediator,
        assisted_by=mediator,
        resident_name="Mme Dupont",
        consent_recorded_at=timezone.now(),
    )
    return {
        "campaign": campaign,
        "envelope": envelope,
        "project": project,
        "voter": voter,
        "mediator": mediator,
        "assisted": assisted,
    }


def test_export_lists_the_ballot_and_the_comment(voted):
    data = accounts.user_export(voted["voter"])["budget"]
    assert data["ballots"][0]["choices"] == [voted["project"].pk]
    assert data["comments"][0]["body"] == "Bonne idée pour la rue."


def test_deleting_a_voter_keeps_the_ballot_counted_and_anonymous(voted):
    before = selectors.participation(voted["campaign"])
    accounts.user_delete(user=voted["voter"])
    ballot = Ballot.objects.get(envelope=voted["envelope"])
    assert ballot.choices == [voted["project"].pk]
    assert ballot.voter.public_name == "Compte supprimé"
    assert selectors.participation(voted["campaign"]) == before == {"online_voters": 1, "paper_ballots": 0}
    comment = Comment.objects.get(project=voted["project"])
    assert comment.author.public_name == "Compte supprimé"


def test_deleting_a_mediator_forgets_the_name_of_the_resident_met(voted):
    accounts.user_delete(user=voted["mediator"])
    assisted = Project.objects.get(pk=voted["assisted"].pk)
    assert assisted.resident_name == ""
    assert assisted.assisted  # still counted as an assisted contribution
    assert assisted.author.public_name == "Compte supprimé"
