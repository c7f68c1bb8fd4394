"""The participatory budget's home-page card: the open vote with its deadline, the call for ideas."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from parvis.budget.home import card
from tests.budget.factories import make_campaign, make_district, make_envelope, make_voter

pytestmark = pytest.mark.django_db


def visit(user=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request


def test_the_open_vote_comes_with_its_deadline_and_the_residents_district(django_assert_num_queries):
    campaign = make_campaign(open_phase="vote", title="Budget participatif 2027")
    district = make_district(name="11e arrondissement")
    make_envelope(campaign)
    make_envelope(campaign, territory=district)
    make_campaign(open_phase="review")  # nothing a resident can do there
    voter = make_voter(district=district)
    with django_assert_num_queries(2):
        (item,) = card(visit(voter)).items
    assert item.title == "Budget participatif 2027"
    assert item.action == "Voter"
    assert item.url == f"/budget/{campaign.slug}/voter/"
    assert item.ends_at == campaign.phases.get(kind="vote").ends_at
    assert item.place == "11e arrondissement"
    assert item.rank == 0
    assert card(visit()).items[0].place == ""


def test_a_call_for_ideas_comes_after_a_vote():
    make_campaign(open_phase="ideas", title="Idées 2028")
    make_campaign(open_phase="vote", title="Vote 2027")
    items = sorted(card(visit()).items, key=lambda i: i.rank)
    assert [(i.title, i.action) for i in items] == [
        ("Vote 2027", "Voter"),
        ("Idées 2028", "Proposer un projet"),
    ]


def test_nothing_when_no_phase_is_open():
    make_campaign(open_phase=None)
    assert card(visit()).items == ()
