"""Ideas and projects: submission (alone, for an association, assisted), comments, supports, merge,
split, feasibility review, and the cross-module contract with the Idées module."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from parvis.budget import services
from parvis.budget.models import Campaign, Feasibility, Project, Status, Support
from parvis.core.models import Notification, Role, Territory, TerritoryLevel
from tests.budget.factories import make_campaign, make_envelope, make_project, set_phase
from tests.factories import make_admin, make_agent, make_service, make_user

pytestmark = pytest.mark.django_db

BODY = "Planter des arbres fruitiers le long de la rue pour les enfants du quartier."
GOUTTE_DOR = (48.8855, 2.3535)


@pytest.fixture
def campaign(paris):
    c = make_campaign(open_phase="ideas")
    make_envelope(c, slug="paris")
    for code in ("18", "11"):
        make_envelope(
            c, territory=Territory.objects.get(level=TerritoryLevel.DISTRICT, code=code), slug=f"a{code}"
        )
    return c


def test_idea_located_goes_to_its_district_and_priority_area(campaign):
    idea = services.project_create(
        author=make_user(),
        campaign=campaign,
        title="Arbres fruitiers",
        body=BODY,
        lat=GOUTTE_DOR[0],
        lon=GOUTTE_DOR[1],
        theme="environment",
    )
    assert idea.envelope.slug == "a18"
    assert idea.priority_area is not None
    assert idea.in_priority_area
    assert idea.neighbourhood is not None
    assert idea.get_absolute_url().endswith(f"/{idea.pk}/")


def test_idea_without_place_or_citywide_goes_to_city_envelope(campaign):
    idea = services.project_create(author=make_user(), campaign=campaign, title="Arbres partout", body=BODY)
    assert idea.envelope.slug == "paris"
    idea = services.project_create(
        author=make_user(),
        campaign=campaign,
        title="Arbres partout",
        body=BODY,
        lat=GOUTTE_DOR[0],
        lon=GOUTTE_DOR[1],
        citywide=True,
    )
    assert idea.envelope.slug == "paris"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"title": "abc"}, "au moins 5 caractères"),
        ({"body": "court"}, "au moins 20 caractères"),
        ({"lat": 52.52, "lon": 13.40}, "en dehors de Paris"),
        ({"lat": "nord", "lon": 2.3}, "Coordonnées invalides"),
        ({"estimated_cost": "beaucoup"}, "montant entier"),
        ({"estimated_cost": -5}, "positif"),
        ({"theme": "nope"}, "Thème inconnu"),
    ],
)
def test_bad_idea_input_is_refused_and_changes_nothing(campaign, kwargs, message):
    args = {"author": make_user(), "campaign": campaign, "title": "Un bon titre", "body": BODY, **kwargs}
    with pytest.raises(ValidationError, match=message):
        services.project_create(**args)
    assert Project.objects.count() == 0


def test_assisted_idea_needs_mediator_and_consent(campaign):
    mediator = make_user(role=Role.MEDIATOR)
    with pytest.raises(ValidationError, match="consentement"):
        services.project_create(
            author=mediator,
            campaign=campaign,
            title="Un banc de plus",
            body=BODY,
            resident_name="Mme Diallo",
            consent=False,
        )
    with pytest.raises(PermissionDenied):
        services.project_create(
            author=make_user(),
            campaign=campaign,
            title="Un banc de plus",
            body=BODY,
            resident_name="Mme Diallo",
            consent=True,
        )
    assert Project.objects.count() == 0
    idea = services.project_create(
        author=mediator,
        campaign=campaign,
        title="Un banc de plus",
        body=BODY,
        resident_name="Mme Diallo",
        consent=True,
        association_name="Quartiers Solidaires",
    )
    assert idea.assisted
    assert idea.consent_recorded_at
    assert idea.resident_name == "Mme Diallo"


def test_no_idea_outside_ideas_phase(campaign):
    campaign = set_phase(campaign, "vote")
    with pytest.raises(PermissionDenied, match="dépôt des idées"):
        services.project_create(author=make_user(), campaign=campaign, title="Un bon titre", body=BODY)


def test_contract_proposal_create_from_idea(campaign):
    author = make_user()
    idea = services.proposal_create_from_idea(
        author=author,
        title="Une fontaine à boire",
        body=BODY,
        source_url="/idees/42/",
        lat=GOUTTE_DOR[0],
        lon=GOUTTE_DOR[1],
    )
    assert idea.campaign == campaign
    assert idea.source_url == "/idees/42/"
    assert idea.get_absolute_url()
    set_phase(campaign, "review")
    with pytest.raises(ValidationError, match="Aucune campagne"):
        services.proposal_create_from_idea(
            author=author, title="Une fontaine à boire", body=BODY, source_url="/idees/43/"
        )
    assert Project.objects.count() == 1


def test_comments_and_supports_follow_phases(campaign):
    author, fan = make_user(), make_user()
    idea = services.project_create(author=author, campaign=campaign, title="Un jardin partagé", body=BODY)
    services.comment_create(author=fan, project=idea, body="Excellente idée !")
    assert Notification.objects.filter(recipient=author, kind="budget.comment").count() == 1
    with pytest.raises(ValidationError, match="vide"):
        services.comment_create(author=fan, project=idea, body=" ")
    with pytest.raises(PermissionDenied, match="co-construction"):
        services.support_add(user=fan, project=idea)
    campaign = set_phase(campaign, "coconstruction")
    idea.refresh_from_db()
    assert services.support_add(user=fan, project=idea) is True
    assert services.support_add(user=fan, project=idea) is False
    assert Support.objects.filter(project=idea).count() == 1
    assert services.support_remove(user=fan, project=idea) is True
    assert Support.objects.count() == 0


def test_merge_credits_every_author_and_keeps_supports(campaign):
    a, b = make_user(), make_user()
    one = services.project_create(author=a, campaign=campaign, title="Piste cyclable rue A", body=BODY)
    two = services.project_create(author=b, campaign=campaign, title="Piste cyclable rue B", body=BODY)
    set_phase(campaign, "coconstruction")
    fan = make_user()
    services.support_add(user=fan, project=one)
    agent = make_agent()
    merged = services.projects_merge(
        actor=agent, sources=[one, two], title="Pistes cyclables A et B", body=BODY
    )
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == two.status == Status.MERGED
    assert one.merged_into == merged
    from parvis.budget.selectors import project_credits, source_supports

    assert {u.pk for u in project_credits(merged)} == {a.pk, b.pk}
    assert Support.objects.filter(project=one, user=fan).exists()  # not moved silently
    assert not Support.objects.filter(project=merged).exists()
    assert source_supports(merged) == 1
    assert Notification.objects.filter(kind="budget.merged").count() == 2
    with pytest.raises(ValidationError, match="encore à l'étude"):
        services.projects_merge(actor=agent, sources=[one, merged], title="Encore une fusion", body=BODY)
    with pytest.raises(ValidationError, match="au moins deux"):
        services.projects_merge(actor=agent, sources=[merged], title="Encore une fusion", body=BODY)
    with pytest.raises(PermissionDenied):
        services.projects_merge(
            actor=make_user(), sources=[merged, merged], title="Encore une fusion", body=BODY
        )


def test_split(campaign):
    idea = services.project_create(
        author=make_user(), campaign=campaign, title="Deux idées en une", body=BODY
    )
    set_phase(campaign, "review")
    parts = services.project_split(
        actor=make_agent(),
        project=idea,
        parts=[{"title": "Première partie", "body": BODY}, {"title": "Seconde partie", "body": BODY}],
    )
    idea.refresh_from_db()
    assert idea.status == Status.SPLIT
    assert len(parts) == 2
    assert all(p.split_from == idea for p in parts)
    with pytest.raises(ValidationError, match="au moins deux"):
        services.project_split(actor=make_agent(), project=parts[0], parts=[{"title": "Seule", "body": BODY}])


def test_review_is_private_until_published_and_emails_unfeasible_reason(
    campaign, django_capture_on_commit_callbacks
):
    author = make_user()
    a = services.project_create(author=author, campaign=campaign, title="Une piscine flottante", body=BODY)
    b = services.project_create(author=author, campaign=campaign, title="Des bancs publics", body=BODY)
    service = make_service()
    agent = make_agent(service=service)
    set_phase(campaign, "review")
    admin = make_admin()
    for p in (a, b):
        services.project_assign_service(actor=admin, project=p, service=service)
    with pytest.raises(ValidationError, match="motif public"):
        services.project_review(reviewer=agent, project=a, feasibility=Feasibility.UNFEASIBLE, reason="non")
    with pytest.raises(ValidationError, match="coût"):
        services.project_review(reviewer=agent, project=b, feasibility=Feasibility.FEASIBLE)
    with pytest.raises(PermissionDenied, match="pas confié"):
        services.project_review(
            reviewer=make_agent(service=make_service()),
            project=b,
            feasibility=Feasibility.FEASIBLE,
            cost=5000,
        )
    services.project_review(
        reviewer=agent,
        project=a,
        feasibility=Feasibility.UNFEASIBLE,
        reason="La Seine relève de l'État, pas de la Ville.",
    )
    services.project_review(
        reviewer=agent, project=b, feasibility=Feasibility.FEASIBLE, cost=30000, duration_months=6
    )
    a.refresh_from_db()
    assert a.status == Status.SUBMITTED
    assert a.review_published_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reviews_publish(actor=admin, campaign=Campaign.objects.get(pk=campaign.pk)) == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == Status.UNFEASIBLE
    assert b.status == Status.FEASIBLE
    assert b.on_ballot
    assert any("relève de l" in m.body and m.to == [author.email] for m in mail.outbox)


def test_reviewer_queue_shows_only_assigned(campaign):
    from parvis.budget.selectors import review_queue

    s1, s2 = make_service(), make_service()
    agent = make_agent(service=s1)
    env = campaign.envelopes.first()
    mine = make_project(env, feasible=False, service=s1)
    make_project(env, feasible=False, service=s2)
    make_project(env, feasible=False)
    assert list(review_queue(agent)) == [mine]
