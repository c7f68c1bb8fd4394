"""A resident votes end to end in the browser, with the keyboard, and the pages pass axe (WCAG 2.1 AA)."""

import pytest
from playwright.sync_api import expect

from parvis.budget.models import Ballot, BallotStyle
from tests.browser import axe_violations, log_in
from tests.budget.factories import make_campaign, make_district, make_envelope, make_project, make_voter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_vote_end_to_end(page):
    campaign = make_campaign(open_phase="vote", slug="bp-2027", title="Budget participatif 2027")
    city = make_envelope(campaign, slug="paris", amount=500_000, ballot_style=BallotStyle.KNAPSACK)
    district = make_district(name="18e arrondissement")
    d18 = make_envelope(
        campaign,
        territory=district,
        slug="18e",
        name="18e arrondissement",
        amount=100_000,
        ballot_style=BallotStyle.GRADES,
    )
    ps = [make_project(city, cost=200_000, title=f"Projet parisien {i}") for i in range(3)]
    dp = make_project(d18, cost=50_000, title="Jardin de la Goutte d'Or")
    voter = make_voter(email="amina@example.org", district=district)

    log_in(page, voter, "/budget/bp-2027/voter/")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Tout Paris").click()
    page.wait_for_load_state("load")  # htmx (a deferred script) must be running before the first change
    summary = page.locator("#ballot-summary")
    assert "reste 500" in summary.inner_text().replace("\u202f", " ").replace("\xa0", " ")
    # Keyboard only: tab to the first checkbox and press space.
    box = page.get_by_role("checkbox", name="Projet parisien 0")
    box.focus()
    page.keyboard.press("Space")
    expect(summary).to_contain_text("1 projet choisi")
    expect(summary).to_contain_text("300")
    page.get_by_role("checkbox", name="Projet parisien 1").check()
    page.get_by_role("checkbox", name="Projet parisien 2").check()
    expect(summary).to_contain_text("plus que l'enveloppe")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.locator("#ballot-error")).to_contain_text("plus que l'enveloppe")
    assert Ballot.objects.count() == 0
    page.get_by_role("checkbox", name="Projet parisien 2").uncheck()
    page.get_by_role("button", name="Valider mon vote").click()
    page.wait_for_url("**/budget/bp-2027/voter/")
    expect(page.get_by_role("status").first).to_contain_text("est enregistré")
    assert Ballot.objects.get(envelope=city).choices == sorted([ps[0].pk, ps[1].pk])

    page.get_by_role("button", name="Choisir cet arrondissement").click()
    page.wait_for_url("**/voter/18e/")
    assert axe_violations(page) == []
    page.get_by_role("group", name="Jardin de la Goutte d'Or").get_by_label("Coup de cœur").check()
    page.get_by_role("button", name="Valider mon vote").click()
    page.wait_for_url("**/budget/bp-2027/voter/")
    assert Ballot.objects.get(envelope=d18).choices == {str(dp.pk): 4}


def test_public_pages_pass_axe(page, paris):
    from parvis.budget import services
    from tests.budget.factories import set_phase
    from tests.factories import make_admin

    campaign = make_campaign(open_phase="vote", slug="bp-axe")
    city = make_envelope(
        campaign,
        slug="paris",
        amount=300_000,
        reserved_amount=100_000,
        ballot_style=BallotStyle.APPROVAL,
        max_choices=2,
    )
    ps = [
        make_project(city, cost=100_000, title=f"Projet {i}", lat=48.86 + i / 1000, lon=2.35)
        for i in range(3)
    ]
    services.ballot_submit(voter=make_voter(), envelope=city, choices=[ps[0].pk])
    city.campaign = set_phase(campaign, "results")
    services.results_compute(actor=make_admin(), envelope=city)
    for path in [
        "/budget/bp-axe/",
        "/budget/bp-axe/projets/",
        ps[0].get_absolute_url(),
        "/budget/bp-axe/resultats/",
        "/budget/bp-axe/inclusion/",
        "/budget/bp-axe/suivi/",
    ]:
        page.goto(page.base_url + path)
        assert axe_violations(page) == [], path
