"""Every map shows its markers, says when its tiles cannot load, and credits OpenStreetMap.

The ``page`` fixture blocks every https request, so tiles fail as they do offline.
"""

import pytest

from tests.browser import log_in
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TILE_MESSAGE = "Le fond de carte n'a pas pu être chargé"


@pytest.fixture(autouse=True)
def _patient(page):
    page.set_default_timeout(60000)  # a first page in a fresh browser on a loaded machine


def errors_of(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def check_map(page, selector: str, *, markers: int) -> None:
    box = page.locator(selector)
    box.locator(".leaflet-marker-icon").first.wait_for(state="attached") if markers else None
    assert box.locator(".leaflet-marker-icon").count() == markers
    page.get_by_text(TILE_MESSAGE).first.wait_for()
    assert "OpenStreetMap" in box.locator(".leaflet-control-attribution").inner_text()


def test_the_ideas_map_of_a_consultation_shows_its_ideas(page, paris):
    from tests.ideas.factories import make_consultation, make_idea

    consultation = make_consultation(slug="paris-a-velo", map_enabled=True)
    make_idea(consultation=consultation, title="Au canal", lat=48.8720, lon=2.3650)
    make_idea(consultation=consultation, title="À Bastille", lat=48.8532, lon=2.3691)
    make_idea(consultation=consultation, title="Sans lieu")
    errors = errors_of(page)
    page.goto(page.base_url + "/idees/paris-a-velo/")
    check_map(page, "[data-map-view]", markers=2)
    assert errors == []


def test_a_budget_project_page_shows_its_place(page, paris):
    from tests.budget.factories import make_campaign, make_envelope, make_project

    campaign = make_campaign(open_phase="vote")
    project = make_project(make_envelope(campaign), lat=48.8566, lon=2.3522)
    errors = errors_of(page)
    page.goto(page.base_url + project.get_absolute_url())
    check_map(page, "[data-map-view]", markers=1)
    assert errors == []


def test_the_report_form_map_says_its_tiles_are_missing(page, paris):
    from tests.reports.factories import make_tree

    leaf = make_tree()[2]
    log_in(page, make_user())
    page.goto(page.base_url + f"/signalements/nouveau/{leaf.code}/")
    message = page.get_by_text(TILE_MESSAGE).first
    message.wait_for()
    assert message.is_visible()
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").first.inner_text()
