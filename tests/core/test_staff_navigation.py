"""Staff find their spaces from the header, and agents read a new report's what, where and when."""

import pytest
from django.core import mail

from parvis.reports import services
from tests.browser import axe_violations, log_in
from tests.factories import make_admin, make_agent, make_moderator, make_service, make_user
from tests.reports.factories import make_report, make_tree

LINKS = ("Espace agents", "Modération", "Administration")


def header_links(client) -> set[str]:
    html = client.get("/").content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    return {name for name in LINKS if f">{name}</a>" in header}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (make_user, set()),
        (make_agent, {"Espace agents"}),
        (make_moderator, {"Modération"}),
        (make_admin, {"Espace agents", "Modération", "Administration"}),
    ],
)
def test_each_staff_member_sees_the_spaces_they_may_use(client, maker, expected):
    client.force_login(maker())
    assert header_links(client) == expected


@pytest.mark.django_db
def test_anonymous_visitors_see_no_staff_link(client):
    assert header_links(client) == set()


@pytest.mark.django_db
def test_the_agents_e_mail_says_what_where_and_when(paris, django_capture_on_commit_callbacks):
    service = make_service()
    leaf = make_tree(service=service)[2]
    agent = make_agent(service=service)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_create(
            draft=services.ReportDraft(
                category_code=leaf.code, lat=48.8675, lon=2.3637, address="12 rue du Temple",
                description="Un matelas sur le trottoir.",
            ),
            author=make_user(),
        )
    sent = [m for m in mail.outbox if agent.email in m.to]
    assert len(sent) == 1
    body = sent[0].body
    assert f"Quoi : Sacs de déchets (n°{report.pk})" in body
    assert "Où : 12 rue du Temple (" in body
    assert report.district.name in body
    assert "Quand : signalé le " in body
    assert "Un matelas sur le trottoir." in body
    assert f"/signalements/agents/{report.pk}/" in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_agent_goes_from_the_header_to_a_report_with_its_map(page, paris):
    page.set_default_timeout(60000)
    service = make_service()
    leaf = make_tree(service=service)[2]
    report = make_report(category=leaf)
    log_in(page, make_agent(service=service))
    page.goto(page.base_url + "/")
    page.get_by_role("banner").get_by_role("link", name="Espace agents").click()
    page.get_by_role("link", name=str(report.pk), exact=True).click()
    page.locator("[data-map-view] .leaflet-marker-icon").first.wait_for()
    assert page.locator("[data-map-view] .leaflet-marker-icon").count() == 1
    assert axe_violations(page, exclude=[".leaflet-container"]) == []
