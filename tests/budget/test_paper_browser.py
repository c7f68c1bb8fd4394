"""An agent types a polling place's mention counts in the browser, with labelled fields, and the paper
page passes axe (WCAG 2.1 AA)."""

import pytest
from playwright.sync_api import expect

from parvis.budget.models import BallotStyle, PaperEntry, Rule
from tests.browser import axe_violations, log_in
from tests.budget.factories import make_campaign, make_envelope, make_project
from tests.factories import make_agent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_types_mention_counts(page):
    campaign = make_campaign(open_phase="vote", slug="bp-mj", rule=Rule.MJ)
    env = make_envelope(campaign, slug="paris", amount=500_000, ballot_style=BallotStyle.GRADES)
    garden = make_project(env, cost=200_000, title="Jardin partagé")
    make_project(env, cost=100_000, title="Fontaine à boire")
    agent = make_agent(email="agent@example.org")

    log_in(page, agent, "/budget/bp-mj/papier/paris/")
    assert axe_violations(page) == []

    form = page.locator("form", has=page.locator('input[value="grade_counts"]'))
    form.get_by_label("Bureau de vote").fill("École Vitruve")
    form.get_by_label("Nombre de bulletins dans l'urne").fill("10")
    project = form.get_by_role("group", name=f"{garden.pk} — Jardin partagé")
    project.get_by_label("Coup de cœur").fill("8")
    project.get_by_label("Bien").fill("4")
    form.get_by_role("button", name="Enregistrer ma saisie").click()
    expect(page.get_by_role("alert")).to_contain_text("12 mentions pour 10 bulletins")
    assert axe_violations(page) == []
    assert not PaperEntry.objects.exists()

    project = page.get_by_role("group", name=f"{garden.pk} — Jardin partagé")
    project.get_by_label("Bien").fill("1")
    page.get_by_role("button", name="Enregistrer ma saisie").first.click()
    page.wait_for_url("**/budget/bp-mj/papier/paris/")
    expect(page.get_by_text("un second agent doit saisir le même bureau")).to_be_visible()
    assert PaperEntry.objects.get().data == {"ballots": 10, "grades": {str(garden.pk): {"4": 8, "3": 1}}}
