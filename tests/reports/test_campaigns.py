"""Campaigns: information requests and co-design, perimeter, dates, supports, results, exports."""


import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parvis.reports import campaigns, services
from parvis.reports.models import Contribution, Report
from tests.downloads import csv_rows, json_body
from tests.factories import make_agent, make_user, square

from .factories import BASTILLE, MONTMARTRE, REPUBLIQUE, make_campaign, make_question

pytestmark = pytest.mark.django_db

AROUND_REPUBLIQUE = square(REPUBLIQUE[1] - 0.005, REPUBLIQUE[0] - 0.005, 0.01)


def test_codesign_proposals_supports_and_results(paris):
    campaign = make_campaign(kind="codesign", perimeter=AROUND_REPUBLIQUE)
    alice, bob = make_user(), make_user()
    bench = campaigns.contribution_create(
        campaign=campaign, author=alice, title="Un banc ici", body="", lat=REPUBLIQUE[0], lon=REPUBLIQUE[1]
    )
    trees = campaigns.contribution_create(
        campaign=campaign,
        author=bob,
        title="Des arbres",
        body="",
        lat=REPUBLIQUE[0] + 0.001,
        lon=REPUBLIQUE[1],
    )
    assert campaigns.contribution_support(contribution=trees, user=alice) is True
    assert campaigns.contribution_support(contribution=trees, user=alice) is False
    campaigns.contribution_support(contribution=trees, user=bob)
    campaigns.comment_create(contribution=bench, author=bob, body="Bonne idée")
    results = campaigns.campaign_results(campaign)
    assert [c.title for c in results["top"]] == ["Des arbres", "Un banc ici"]
    assert results["top"][0].support_count == 2
    assert results["total"] == 2
    assert sum(row["n"] for row in results["by_neighbourhood"]) == 2
    with pytest.raises(ValidationError, match="en dehors du périmètre"):
        campaigns.contribution_create(
            campaign=campaign, author=alice, title="Loin", body="", lat=MONTMARTRE[0], lon=MONTMARTRE[1]
        )
    with pytest.raises(ValidationError, match="titre"):
        campaigns.contribution_create(
            campaign=campaign, author=alice, title=" ", body="", lat=REPUBLIQUE[0], lon=REPUBLIQUE[1]
        )
    assert Contribution.objects.count() == 2


def test_closed_campaign_refuses_contributions(paris):
    campaign = make_campaign(kind="codesign", open_=False)
    with pytest.raises(ValidationError, match="terminée"):
        campaigns.contribution_create(
            campaign=campaign, author=make_user(), title="x", body="", lat=REPUBLIQUE[0], lon=REPUBLIQUE[1]
        )
    assert Contribution.objects.count() == 0


def test_information_campaign_with_its_questions_and_districts(paris):
    from parvis.core.models import Territory

    campaign = make_campaign(kind="information")
    campaign.territories.add(Territory.objects.get(level="district", code="11"))
    make_question(
        campaign=campaign,
        code="missing",
        kind="choice",
        required=True,
        label="Plaque absente ?",
        choices=[["yes", "Oui"], ["no", "Non"]],
    )
    user = make_user()

    def draft(point, answers):
        return services.ReportDraft(category_code="", lat=point[0], lon=point[1], answers=answers)

    with pytest.raises(ValidationError, match="Plaque absente"):
        services.report_create(draft=draft(BASTILLE, {}), author=user, campaign=campaign)
    with pytest.raises(ValidationError, match="périmètre de la campagne"):
        services.report_create(draft=draft(MONTMARTRE, {"missing": "yes"}), author=user, campaign=campaign)
    report, _ = services.report_create(
        draft=draft(BASTILLE, {"missing": "yes"}), author=user, campaign=campaign
    )
    assert report.category == campaign.category
    results = campaigns.campaign_results(campaign)
    assert results["by_answer"][0]["counts"] == [("Oui", 1), ("Non", 0)]
    assert Report.objects.count() == 1


def test_campaign_pages_and_exports(client, paris):
    make_campaign(kind="codesign", perimeter=AROUND_REPUBLIQUE, slug="place-republique")
    user = make_user(email="private@example.org")
    client.force_login(user)
    response = client.post(
        "/signalements/campagnes/place-republique/",
        {"lat": REPUBLIQUE[0], "lon": REPUBLIQUE[1], "title": "Une fontaine", "body": ""},
    )
    assert response.status_code == 302
    proposal = Contribution.objects.get()
    client.post(f"/signalements/campagnes/place-republique/propositions/{proposal.pk}/soutenir/")
    client.post(
        f"/signalements/campagnes/place-republique/propositions/{proposal.pk}/commenter/", {"body": "Oui !"}
    )
    page = client.get("/signalements/campagnes/place-republique/").content.decode()
    assert "Une fontaine" in page
    assert "Oui !" in page
    rows = csv_rows(client.get("/signalements/campagnes/place-republique/export.csv"))
    assert rows[1][5] == "Une fontaine"
    assert rows[1][7] == "1"
    assert "private" not in str(rows)
    geo = json_body(client.get("/signalements/campagnes/place-republique/export.geojson"))
    assert geo["features"][0]["properties"]["title"] == "Une fontaine"
    assert client.get("/signalements/campagnes/").status_code == 200


def test_closing_statement_by_agents_only(paris):
    campaign = make_campaign()
    with pytest.raises(PermissionDenied):
        campaigns.campaign_close(campaign=campaign, actor=make_user(), statement="Bilan")
    campaigns.campaign_close(campaign=campaign, actor=make_agent(), statement="Merci : 3 bancs seront posés.")
    campaign.refresh_from_db()
    assert campaign.closing_statement.startswith("Merci")
