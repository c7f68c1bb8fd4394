"""The home page leads with what a resident can do now, from every module's card (manifests)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parvis.ideas.models import ScopeKind
from tests.browser import axe_violations, log_in
from tests.budget.factories import make_campaign as make_budget_campaign
from tests.budget.factories import make_district, make_envelope
from tests.factories import make_user
from tests.ideas.factories import make_consultation
from tests.reports.factories import make_campaign as make_reports_campaign


def live_titles(html: str) -> list[str]:
    section = html.split('id="live-title"')[1].split("</section>")[0]
    return [part.split("</h3>")[0] for part in section.split("<h3>")[1:]]


@pytest.fixture
def live():
    district, other = make_district(name="11e"), make_district(name="12e")
    budget = make_budget_campaign(open_phase="vote", title="Budget participatif 2027")
    make_envelope(budget)
    make_envelope(budget, territory=district)
    make_reports_campaign(title="Plaques de rue")
    make_consultation(title="Rues aux écoles")
    make_consultation(title="Square du 12e", scope_kind=ScopeKind.TERRITORIES, territories=[other])
    return {"district": district}


@pytest.mark.django_db
def test_the_vote_first_then_campaigns_then_consultations(client, live):
    html = client.get("/").content.decode()
    assert live_titles(html) == [
        "Budget participatif 2027",
        "Plaques de rue",
        "Rues aux écoles",
        "Square du 12e",
    ]
    assert 'Voter<span class="visually-hidden"> — Budget participatif 2027</span>' in html
    assert "Jusqu&#x27;au <time" in html or "Jusqu'au <time" in html


@pytest.mark.django_db
def test_a_resident_with_a_known_home_sees_their_district(client, live):
    resident = make_user(home_district=live["district"])
    client.force_login(resident)
    html = client.get("/").content.decode()
    assert "Square du 12e" not in live_titles(html)
    assert "Ce qui est ouvert à toute la ville et à 11e, votre quartier." in html


@pytest.mark.django_db
def test_nothing_open_says_so(client):
    html = client.get("/").content.decode().replace("'", "&#x27;")
    assert "aucune campagne n&#x27;est ouvert en ce moment" in html


@pytest.mark.django_db
def test_home_queries_do_not_grow_with_what_is_open(client, live):
    client.force_login(make_user(home_district=live["district"]))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return len(queries)

    count()  # warm the per-process caches (the charter's version in force)
    before = count()
    for _n in range(3):
        make_consultation()
        make_reports_campaign()
    assert count() == before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_home_page_at_phone_and_desktop_widths(page, paris, width):
    district = make_district(name="11e")
    budget = make_budget_campaign(open_phase="vote", title="Budget participatif 2027")
    make_envelope(budget, territory=district)
    make_reports_campaign(title="Plaques de rue")
    make_consultation(title="Rues aux écoles")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, make_user(home_district=district), "/")
    page.goto(page.base_url + "/")
    page.get_by_role("link", name="Voter — Budget participatif 2027").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.get_by_role("link", name="Voter — Budget participatif 2027").click()
    page.wait_for_url(f"**/budget/{budget.slug}/voter/")
