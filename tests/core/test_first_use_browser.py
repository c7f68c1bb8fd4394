"""Wording and locale as a French resident reads them (issue 18 item 5), in a browser."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from parvis.core.models import Territory, TerritoryLevel
from tests.browser import axe_violations, log_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(60000)  # a first page in a fresh browser on a loaded machine


def test_idea_dates_are_french_and_supporting_says_thank_you(page, paris):
    from tests.ideas.factories import make_consultation, make_idea

    consultation = make_consultation(slug="paris-a-velo")
    idea = make_idea(consultation=consultation, title="Des arceaux")
    idea.created_at = datetime(2026, 11, 19, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    idea.save(update_fields=["created_at"])
    log_in(page, make_user())
    page.goto(page.base_url + "/idees/paris-a-velo/")
    card = page.locator("li", has_text="Des arceaux").first
    assert "19 novembre 2026" in card.inner_text()
    assert "Nov" not in card.inner_text()
    page.goto(page.base_url + idea.get_absolute_url())
    page.get_by_role("button", name="Soutenir cette idée").click()  # htmx swaps the box
    page.get_by_role("status").filter(has_text="Merci pour votre soutien").wait_for()
    assert axe_violations(page, exclude=[".leaflet-container"]) == []


def test_lists_in_french_order_and_the_vote_page_offers_the_residents_district(page, paris):
    from tests.budget.factories import make_campaign, make_envelope

    campaign = make_campaign(open_phase="vote", slug="bp-2027")
    make_envelope(campaign, name="Tout Paris", ballot_style="approval", max_choices=5)
    districts = list(Territory.objects.filter(level=TerritoryLevel.DISTRICT))
    for district in districts:  # created in code order as text: 1, 10, 11, …, 2, 20, 3, …
        make_envelope(campaign, territory=district, name=district.name)
    epinettes = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, name="Épinettes")
    resident = make_user(home_neighbourhood=epinettes)  # a neighbourhood only, in the 17e
    log_in(page, resident)

    page.goto(page.base_url + "/budget/bp-2027/")
    assert "Choix de projets (jusqu'à 5)" in page.locator("main").inner_text()
    assert "jusqu'à N" not in page.locator("main").inner_text()

    page.goto(page.base_url + "/budget/bp-2027/voter/")
    select = page.get_by_label("Choisissez votre arrondissement de cœur")
    options = select.locator("option").all_inner_texts()
    assert options[:3] == ["1er arrondissement", "2e arrondissement", "3e arrondissement"]
    assert options.index("9e arrondissement") < options.index("10e arrondissement")
    assert select.input_value() == campaign.envelopes.get(territory=epinettes.parent).slug

    page.goto(page.base_url + "/compte/")
    names = page.get_by_label("Mon quartier").locator("option").all_inner_texts()[1:]
    assert names.index("Épinettes") < names.index("Faubourg-Montmartre") < names.index("Villette")
    assert names.index("École-Militaire") < names.index("Enfants-Rouges")


def test_results_page_pictures_are_named_images_beside_their_tables(page):
    from django.core.management import call_command

    from tests.budget.test_results_campaign import _campaign
    from tests.factories import make_admin

    campaign, envelopes = _campaign()
    make_admin()
    call_command("budget", "compute-results", campaign.slug, stdout=open("/dev/null", "w"))  # noqa: SIM115
    page.goto(page.base_url + f"/budget/{campaign.slug}/resultats/")
    pictures = page.get_by_role("img", name="l'enveloppe remplie projet par projet")
    assert pictures.count() == len(envelopes)
    assert page.locator("table.results").count() == len(envelopes)
    assert axe_violations(page) == []
