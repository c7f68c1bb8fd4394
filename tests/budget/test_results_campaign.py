"""A campaign's results at once: every envelope, counted on every CPU for a large campaign, stored all
or none, with the same outcomes as one envelope at a time."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parvis.budget import services, tally, tally_pool
from parvis.budget.models import BallotStyle, Result, Rule
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.factories import make_admin

pytestmark = pytest.mark.django_db


def _campaign(rule=Rule.MES):
    campaign = make_campaign(open_phase="vote", rule=rule)
    city = make_envelope(campaign, slug="paris", amount=500_000, ballot_style=BallotStyle.APPROVAL)
    other = make_envelope(
        campaign, slug="arr-2", territory=make_district(), amount=300_000, ballot_style=BallotStyle.APPROVAL
    )
    a, b, c = (make_project(city, cost=cost) for cost in (300_000, 200_000, 150_000))
    d, e = (make_project(other, cost=cost) for cost in (200_000, 150_000))
    for choices in [[a.pk, b.pk]] * 4 + [[c.pk]] * 3 + [[b.pk, c.pk]] * 2:
        services.ballot_submit(voter=make_voter(), envelope=city, choices=choices)
    for choices in [[d.pk]] * 3 + [[e.pk]] * 2 + [[d.pk, e.pk]]:
        services.ballot_submit(voter=make_voter(), envelope=other, choices=choices)
    campaign = set_phase(campaign, "results")
    return campaign, [city, other]


@pytest.mark.parametrize("workers", [1, 2])
def test_campaign_results_equal_one_envelope_at_a_time(monkeypatch, workers):
    campaign, envelopes = _campaign()
    admin = make_admin()
    expected = []
    for env in envelopes:
        env.campaign = campaign
        expected.append(services.results_compute(actor=admin, envelope=env).data)
    Result.objects.all().delete()
    monkeypatch.setattr(tally_pool, "PARALLEL_MIN_BALLOTS", 0)  # spawn workers even for this small vote
    monkeypatch.setattr(tally_pool, "usable_cpus", lambda: workers)
    results = services.campaign_results_compute(actor=admin, campaign=campaign)
    assert [r.envelope_id for r in results] == [env.pk for env in envelopes]
    assert [r.data for r in results] == expected
    assert Result.objects.count() == 2
    assert set(results[0].funded.values_list("pk", flat=True)) == {int(p) for p in expected[0]["selected"]}


def test_pool_counts_in_process_below_threshold_and_keeps_order():
    small = tally_pool.TallyPool(workers=2)
    datas = [
        tally.EnvelopeData(costs={"x": 60, "y": 50}, budget=100, ballots=[{"x"}, {"x"}, {"y"}]),
        tally.EnvelopeData(costs={"x": 60, "y": 50}, budget=100, ballots=[{"y"}, {"y"}, {"x"}]),
    ]
    for data in datas:
        small.submit(data)
    assert not small.parallel
    assert [o.selected for o in small.outcomes()] == [["x"], ["y"]]


def test_campaign_results_need_the_right_and_change_nothing_on_error(monkeypatch):
    campaign, envelopes = _campaign(rule=Rule.MJ)  # approval ballots cannot be counted by majority judgment
    with pytest.raises(PermissionDenied):
        services.campaign_results_compute(actor=make_voter(), campaign=campaign)
    with pytest.raises(ValidationError, match="mentions"):
        services.campaign_results_compute(actor=make_admin(), campaign=campaign)
    assert not Result.objects.exists()


def test_results_page_button_computes_every_envelope(client):
    campaign, envelopes = _campaign()
    client.force_login(make_admin())
    response = client.post(f"/budget/{campaign.slug}/resultats/calculer/")
    assert response.status_code == 302
    assert set(Result.objects.values_list("envelope_id", flat=True)) == {e.pk for e in envelopes}

