"""In a browser: a new version of the charter, read as a word-level diff, accepted, and back to the page."""

import pytest
from playwright.sync_api import expect

from parvis.core import charter
from parvis.core.models import CharterAcceptance
from tests.browser import axe_violations
from tests.core.test_browser import sign_in
from tests.factories import make_admin, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_accept_a_new_version_of_the_charter(page, paris):
    admin = make_admin()
    user = make_user(email="charte@example.org")
    first = charter.charter_publish(
        actor=admin, title="Charte", body="## Engagements\n\nRéponse en trois mois."
    )
    charter.charter_accept(user=user, version=first)
    second = charter.charter_publish(
        actor=admin,
        title="Charte",
        body="## Engagements\n\nRéponse en deux mois.",
        changes="Délai raccourci.",
    )
    sign_in(page, user)
    page.goto(page.base_url + "/territoires/")
    banner = page.locator(".charter-banner")
    expect(banner).to_contain_text("La charte de participation a changé (version 2)")
    banner.get_by_role("link", name="Voir ce qui change et l'accepter").click()
    expect(page.locator(".diff-text del")).to_have_text("trois")
    expect(page.locator(".diff-text ins")).to_have_text("deux")
    assert axe_violations(page) == []
    page.get_by_role("button", name="J'accepte la charte (version 2)").click()
    page.wait_for_url("**/territoires/")
    expect(page.get_by_text("vous avez accepté la charte de participation (version 2)")).to_be_visible()
    expect(page.locator(".charter-banner")).to_have_count(0)
    assert CharterAcceptance.objects.filter(user=user, version=second).exists()
