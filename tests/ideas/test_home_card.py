"""The ideas module's home-page card: consultations open now, for the resident's place when known."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from parvis.ideas.home import card
from parvis.ideas.models import ScopeKind
from tests.budget.factories import make_district
from tests.factories import make_user
from tests.ideas.factories import make_consultation

pytestmark = pytest.mark.django_db


def visit(user=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request


def test_open_consultations_with_their_action_and_deadline():
    taking = make_consultation(phase="ideas", title="Rues aux écoles")
    discussing = make_consultation(phase="discussion", title="Place du marché")
    for phase in ("upcoming", "closed", "answer"):
        make_consultation(phase=phase)
    items = {i.title: i for i in card(visit()).items}
    assert set(items) == {"Rues aux écoles", "Place du marché"}
    assert items["Rues aux écoles"].action == "Proposer une idée"
    assert items["Rues aux écoles"].ends_at == taking.ideas_end_at
    assert items["Rues aux écoles"].url == taking.get_absolute_url()
    assert items["Place du marché"].action == "Soutenir et commenter les idées"
    assert items["Place du marché"].ends_at == discussing.discussion_end_at
    assert items["Rues aux écoles"].rank < items["Place du marché"].rank


def test_a_resident_sees_the_city_and_their_district_only():
    mine, other = make_district(name="11e"), make_district(name="12e")
    make_consultation(title="Toute la ville", scope_kind=ScopeKind.CITY)
    make_consultation(title="Dans le 11e", scope_kind=ScopeKind.TERRITORIES, territories=[mine])
    make_consultation(title="Dans le 12e", scope_kind=ScopeKind.TERRITORIES, territories=[other])
    resident = make_user(home_district=mine)
    items = {i.title: i for i in card(visit(resident)).items}
    assert set(items) == {"Toute la ville", "Dans le 11e"}
    assert items["Dans le 11e"].place == "11e"
    # Someone whose home is unknown sees every open consultation.
    assert len(card(visit(make_user())).items) == 3
    assert len(card(visit()).items) == 3


def test_two_queries_whatever_the_number_of_consultations(django_assert_num_queries):
    district = make_district()
    for _n in range(4):
        make_consultation(scope_kind=ScopeKind.TERRITORIES, territories=[district])
    resident = make_user(home_district=district)
    with django_assert_num_queries(2):
        assert len(card(visit(resident)).items) == 4
