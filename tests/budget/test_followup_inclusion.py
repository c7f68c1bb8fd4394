"""Follow-up of winning projects and the inclusion dashboard."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from parvis.budget import selectors, services
from parvis.budget.models import BallotStyle, FollowUpUpdate, Project
from parvis.core.models import Territory, TerritoryLevel
from tests.budget.factories import make_campaign, make_envelope, make_project, make_voter, set_phase
from tests.factories import make_admin, make_agent, make_user

pytestmark = pytest.mark.django_db


def test_followup_only_for_winners_and_staff():
    campaign = make_campaign(open_phase="vote")
    env = make_envelope(campaign, amount=100, ballot_style=BallotStyle.APPROVAL)
    win, lose = make_project(env, cost=100), make_project(env, cost=100)
    services.ballot_submit(voter=make_voter(), envelope=env, choices=[win.pk])
    env.campaign = set_phase(campaign, "results")
    services.results_compute(actor=make_admin(), envelope=env)
    agent = make_agent()
    with pytest.raises(ValidationError, match="lauréats"):
        services.followup_add(actor=agent, project=lose, status="works", body="Début des travaux.")
    with pytest.raises(PermissionDenied):
        services.followup_add(actor=make_user(), project=win, status="works", body="Début des travaux.")
    with pytest.raises(ValidationError, match="Avancement inconnu"):
        services.followup_add(actor=agent, project=win, status="done", body="Début des travaux.")
    assert not FollowUpUpdate.objects.exists()
    services.followup_add(actor=agent, project=win, status="works", body="Début des travaux.")
    assert Project.objects.get(pk=win.pk).implementation == "works"
    assert list(selectors.projects(campaign, funded_only=True)) == [Project.objects.get(pk=win.pk)]


def test_inclusion_per_1000_inhabitants(paris):
    campaign = make_campaign(open_phase="ideas")
    make_envelope(campaign, slug="paris")
    goutte = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7511802")
    services.project_create(
        author=make_user(),
        campaign=campaign,
        title="Un jardin partagé",
        body="Un jardin partagé pour les enfants du quartier.",
        lat=48.8855,
        lon=2.3535,
    )
    from parvis.core.models import Role

    services.project_create(
        author=make_user(role=Role.MEDIATOR),
        campaign=campaign,
        title="Des bancs publics",
        body="Des bancs publics à l'ombre pour les anciens.",
        lat=48.8855,
        lon=2.3535,
        resident_name="M. Traoré",
        consent=True,
    )
    rows = {r["code"]: r for r in selectors.inclusion(campaign)}
    row = rows[Project.objects.first().neighbourhood.code]
    assert row["ideas"] == 2
    assert row["assisted_share"] == 50.0
    assert row["priority"] is True
    assert row["ideas_per_1000"] == round(2 * 1000 / row["population"], 2)
    assert goutte.code in rows
    # A project made by merging is not a new contribution.
    from tests.budget.factories import set_phase

    set_phase(campaign, "coconstruction")
    services.projects_merge(
        actor=make_agent(),
        sources=list(Project.objects.all()),
        title="Jardin et bancs",
        body="Un jardin partagé avec des bancs à l'ombre pour tous.",
    )
    rows = {r["code"]: r for r in selectors.inclusion(campaign)}
    assert rows[row["code"]]["ideas"] == 2


def test_followup_page_form_publishes_a_photo_with_its_description(client):
    campaign = make_campaign(open_phase="vote")
    env = make_envelope(campaign, amount=100, ballot_style=BallotStyle.APPROVAL)
    win = make_project(env, cost=100)
    services.ballot_submit(voter=make_voter(), envelope=env, choices=[win.pk])
    env.campaign = set_phase(campaign, "results")
    services.results_compute(actor=make_admin(), envelope=env)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "JPEG")
    photo = SimpleUploadedFile("fontaine.jpg", buf.getvalue(), content_type="image/jpeg")
    client.force_login(make_agent())
    url = reverse("budget:followup_add", args=[campaign.slug, win.pk])
    alt = "La fontaine remise en eau"
    form = {"status": "delivered", "body": "La fontaine coule de nouveau.", "photo": photo, "photo_alt": alt}
    r = client.post(url, form)
    assert r.status_code == 302
    update = FollowUpUpdate.objects.get()
    assert update.photo_alt == alt
    page = client.get(win.get_absolute_url()).content.decode()
    assert f'src="{update.photo.url}" alt="{alt}"' in page
