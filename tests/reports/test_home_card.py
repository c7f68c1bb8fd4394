"""Reports' home-page card: the campaigns open to contributions now, for the resident's place."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from parvis.reports.home import card
from tests.budget.factories import make_district
from tests.factories import make_user
from tests.reports.factories import make_campaign

pytestmark = pytest.mark.django_db


def visit(user=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    return request


def test_open_published_campaigns_closing_first(django_assert_num_queries):
    campaign = make_campaign(title="Plaques de rue")
    make_campaign(open_=False)
    make_campaign(published=False)
    with django_assert_num_queries(2):
        (item,) = card(visit()).items
    assert (item.title, item.action, item.url) == (
        "Plaques de rue",
        "Contribuer",
        campaign.get_absolute_url(),
    )
    assert item.ends_at == campaign.ends_at


def test_a_resident_sees_the_campaigns_of_their_district():
    mine, other = make_district(name="11e"), make_district(name="12e")
    here = make_campaign(title="Dans le 11e")
    here.territories.set([mine])
    there = make_campaign(title="Dans le 12e")
    there.territories.set([other])
    resident = make_user(home_district=mine)
    assert [i.title for i in card(visit(resident)).items] == ["Dans le 11e"]
    assert len(card(visit()).items) == 2
