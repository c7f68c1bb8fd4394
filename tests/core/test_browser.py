import pytest

from tests.browser import axe_violations
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_switch_language_and_sign_in(page, paris):
    user = make_user(email="amina@example.org")
    page.goto(page.base_url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert axe_violations(page) == []
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Français").click()
    page.get_by_role("link", name="Se connecter").first.click()
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("link", name="Mon compte").is_visible()
