"""Pages at the HTTP level: no-JavaScript ballot, idea form, lists without N+1 queries, results, exports."""

import html

import pytest
from django.urls import reverse

from parvis.budget import services
from parvis.budget.models import Ballot, BallotStyle, Project
from parvis.core.models import Role
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.downloads import csv_rows, json_body
from tests.factories import make_admin, make_agent, make_service, make_user

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode()).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def vote():
    campaign = make_campaign(open_phase="vote", slug="bp-2027")
    city = make_envelope(campaign, slug="paris", amount=500_000, ballot_style=BallotStyle.KNAPSACK)
    district = make_district(name="18e")
    d = make_envelope(
        campaign, territory=district, slug="18e", amount=200_000, ballot_style=BallotStyle.GRADES
    )
    ps = [make_project(city, cost=200_000, title=f"Projet ville {i}") for i in range(4)]
    ds = [make_project(d, cost=50_000, title=f"Projet 18e {i}") for i in range(3)]
    return {"campaign": campaign, "city": city, "d": d, "ps": ps, "ds": ds}


def test_index_and_campaign_pages(client, vote):
    r = client.get(reverse("budget:index"))
    assert r.status_code == 200
    assert "Budget participatif" in text(r)
    r = client.get(reverse("budget:campaign", args=["bp-2027"]))
    assert "Tout Paris" in text(r)
    assert client.get(reverse("budget:campaign", args=["nope"])).status_code == 404


def test_project_list_has_no_n_plus_one(client, vote, django_assert_max_num_queries):
    for i in range(20):
        make_project(vote["city"], cost=1000, title=f"Encore {i}")
    with django_assert_max_num_queries(12):
        r = client.get(reverse("budget:projects", args=["bp-2027"]))
    assert r.status_code == 200
    assert "Encore 19" in text(r)
    r = client.get(reverse("budget:projects", args=["bp-2027"]), {"enveloppe": "18e", "q": "18e 1"})
    assert "Projet 18e 1" in text(r)
    assert "Projet ville" not in text(r)
    data = client.get(reverse("budget:projects_geojson", args=["bp-2027"])).json()
    assert data["type"] == "FeatureCollection"


def test_ballot_page_works_without_javascript(client, vote):
    voter = make_voter()
    client.force_login(voter)
    url = reverse("budget:ballot", args=["bp-2027", "paris"])
    r = client.get(url)
    page = text(r)
    assert r.status_code == 200
    assert 'type="checkbox" name="project"' in page
    assert "reste 500" in page.replace(",", " ")
    ps = vote["ps"]
    # Over the budget: clear error, nothing stored, the selection is kept.
    r = client.post(url, {"project": [p.pk for p in ps[:3]]})
    assert r.status_code == 400
    assert "plus que l'enveloppe" in text(r)
    assert f'value="{ps[0].pk}" id="p{ps[0].pk}" data-cost="200000" checked' in text(r)
    assert Ballot.objects.count() == 0
    r = client.post(url, {"project": [ps[0].pk, ps[1].pk]})
    assert r.status_code == 302
    assert Ballot.objects.get(voter=voter).choices == sorted([ps[0].pk, ps[1].pk])
    r = client.get(url)
    assert "Modifier mon vote" in text(r)


def test_grades_ballot_page(client, vote):
    voter = make_voter()
    client.force_login(voter)
    url = reverse("budget:ballot", args=["bp-2027", "18e"])
    page = text(client.get(url))
    assert "Coup de cœur" in page
    assert f'name="grade-{vote["ds"][0].pk}"' in page
    r = client.post(url, {f"grade-{vote['ds'][0].pk}": "4", f"grade-{vote['ds'][1].pk}": "2"})
    assert r.status_code == 302
    assert Ballot.objects.get(voter=voter).choices == {str(vote["ds"][0].pk): 4, str(vote["ds"][1].pk): 2}


def test_ballot_summary_fragment(client, vote):
    url = reverse("budget:ballot_summary", args=["bp-2027", "paris"])
    r = client.post(url, {"project": [vote["ps"][0].pk]})
    assert "reste 300 000" in text(r).replace(",", " ")
    r = client.post(url, {"project": [p.pk for p in vote["ps"][:3]]})
    assert "plus que l'enveloppe" in text(r)


def test_anonymous_post_redirects_to_login(client, vote):
    r = client.post(reverse("budget:ballot", args=["bp-2027", "paris"]), {"project": [vote["ps"][0].pk]})
    assert r.status_code == 302
    assert "/compte/connexion/" in r["Location"]
    assert Ballot.objects.count() == 0


def test_vote_outside_phase_page(client, vote):
    set_phase(vote["campaign"], "results")
    client.force_login(make_voter())
    r = client.post(reverse("budget:ballot", args=["bp-2027", "paris"]), {"project": [vote["ps"][0].pk]})
    assert r.status_code == 403
    assert "Le vote n'est pas ouvert" in text(r)
    assert Ballot.objects.count() == 0


def test_district_choice_page(client, vote):
    voter = make_voter()
    client.force_login(voter)
    r = client.post(reverse("budget:district_choose", args=["bp-2027"]), {"envelope": "18e"})
    assert r.status_code == 302
    page = text(client.get(reverse("budget:vote", args=["bp-2027"])))
    assert "Votre arrondissement de cœur" in page


def test_idea_form(client, paris):
    campaign = make_campaign(open_phase="ideas", slug="bp-ideas")
    make_envelope(campaign, slug="paris")
    user = make_user()
    client.force_login(user)
    url = reverse("budget:idea_create", args=["bp-ideas"])
    assert client.get(url).status_code == 200
    r = client.post(url, {"title": "Court", "body": "trop court"})
    assert r.status_code == 400
    assert "au moins 20 caractères" in text(r)
    r = client.post(
        url,
        {
            "title": "Un jardin partagé",
            "body": "Un jardin partagé pour le quartier et ses écoles.",
            "lat": "48.8855",
            "lon": "2.3535",
        },
    )
    assert r.status_code == 302
    project = Project.objects.get()
    assert project.priority_area is not None
    assert client.get(r["Location"]).status_code == 200
    # Mediators get the assisted fields.
    client.force_login(make_user(role=Role.MEDIATOR))
    assert "personne rencontrée" in text(client.get(url))


def test_results_page_and_download(client, vote):
    for p in vote["ps"][:2]:
        services.ballot_submit(voter=make_voter(), envelope=vote["city"], choices=[p.pk])
    campaign = set_phase(vote["campaign"], "results")
    admin = make_admin()
    client.force_login(admin)
    r = client.post(reverse("budget:results_compute", args=["bp-2027"]))
    assert r.status_code == 302
    client.logout()
    page = text(client.get(reverse("budget:results", args=["bp-2027"])))
    assert "Projet ville 0" in page
    assert "Financé" in page
    r = client.get(reverse("budget:pabulib", args=["bp-2027", "paris"]))
    assert r.status_code == 200
    assert text(r).startswith("META")
    assert campaign.slug in r["Content-Disposition"]


def test_inclusion_dashboard_and_csv(client, paris, vote):
    r = client.get(reverse("budget:inclusion", args=["bp-2027"]))
    assert r.status_code == 200
    rows = csv_rows(client.get(reverse("budget:inclusion", args=["bp-2027"]), {"format": "csv"}))
    assert rows[0][:4] == ["code", "name", "district", "population"]
    assert len(rows) > 50
    geo = json_body(client.get(reverse("budget:inclusion", args=["bp-2027"]), {"format": "geojson"}))
    assert geo["features"]


def test_review_pages_restricted(client, vote):
    campaign = set_phase(vote["campaign"], "review")
    service = make_service()
    idea = make_project(vote["city"], feasible=False, service=service, title="À étudier")
    client.force_login(make_user())
    assert client.get(reverse("budget:review_queue", args=[campaign.slug])).status_code == 403
    other = make_agent(service=make_service())
    client.force_login(other)
    assert "À étudier" not in text(client.get(reverse("budget:review_queue", args=[campaign.slug])))
    assert client.get(reverse("budget:review", args=[campaign.slug, idea.pk])).status_code == 403
    agent = make_agent(service=service)
    client.force_login(agent)
    assert "À étudier" in text(client.get(reverse("budget:review_queue", args=[campaign.slug])))
    r = client.post(
        reverse("budget:review", args=[campaign.slug, idea.pk]), {"feasibility": "unfeasible", "reason": ""}
    )
    assert r.status_code == 400
    assert "motif public" in text(r)
    r = client.post(
        reverse("budget:review", args=[campaign.slug, idea.pk]),
        {"feasibility": "feasible", "cost": "12000", "duration_months": "3"},
    )
    assert r.status_code == 302
    idea.refresh_from_db()
    assert idea.cost == 12000


def test_paper_page(client, vote):
    campaign = vote["campaign"]
    client.force_login(make_user())
    assert client.get(reverse("budget:paper", args=[campaign.slug, "paris"])).status_code == 403
    client.force_login(make_agent())
    r = client.post(
        reverse("budget:paper", args=[campaign.slug, "paris"]),
        {"polling_place": "Mairie", "ballots_total": "3", f"count-{vote['ps'][0].pk}": "2"},
    )
    assert r.status_code == 302
    assert "second agent" in text(client.get(r["Location"]))


def test_ballot_page_in_english(client, vote):
    client.force_login(make_voter())
    client.cookies["django_language"] = "en"
    page = text(client.get(reverse("budget:ballot", args=["bp-2027", "paris"]), HTTP_ACCEPT_LANGUAGE="en"))
    assert "Cast my vote" in page
    assert "Valider mon vote" not in page


def test_results_page_queries_do_not_grow_with_envelopes(client, vote, django_assert_max_num_queries):
    campaign = set_phase(vote["campaign"], "results")
    for i in range(6):
        env = make_envelope(campaign, territory=make_district(), slug=f"x{i}", amount=100)
        make_project(env, cost=50)
    for env in campaign.envelopes.all():
        env.campaign = campaign
        services.results_compute(actor=make_admin(), envelope=env, check_permission=True)
    with django_assert_max_num_queries(10):
        r = client.get(reverse("budget:results", args=["bp-2027"]))
    assert r.status_code == 200


def test_idea_with_photo(client, paris):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    campaign = make_campaign(open_phase="ideas", slug="bp-photo")
    make_envelope(campaign, slug="paris")
    client.force_login(make_user())
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "JPEG")
    photo = SimpleUploadedFile("a.jpg", buf.getvalue(), content_type="image/jpeg")
    r = client.post(
        reverse("budget:idea_create", args=["bp-photo"]),
        {
            "title": "Un mur végétal",
            "body": "Un mur végétal contre la chaleur dans la cour.",
            "photo_1": photo,
        },
    )
    assert r.status_code == 302
    assert Project.objects.get().photos.count() == 1
    bad = SimpleUploadedFile("b.jpg", b"not an image", content_type="image/jpeg")
    r = client.post(
        reverse("budget:idea_create", args=["bp-photo"]),
        {"title": "Un autre mur", "body": "Un mur végétal contre la chaleur dans la cour.", "photo_1": bad},
    )
    assert r.status_code == 400
    assert Project.objects.count() == 1


def test_author_edits_own_idea(client, paris):
    campaign = make_campaign(open_phase="ideas", slug="bp-edit")
    env = make_envelope(campaign, slug="paris")
    author = make_user()
    idea = make_project(env, feasible=False, author=author, status="submitted")
    url = reverse("budget:idea_edit", args=["bp-edit", idea.pk])
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    client.force_login(author)
    assert "Modifier mon idée" in text(client.get(idea.get_absolute_url()))
    r = client.post(url, {"title": "Nouveau titre", "body": "court"})
    assert r.status_code == 400
    idea.refresh_from_db()
    assert idea.title != "Nouveau titre"
    r = client.post(url, {"title": "Nouveau titre", "body": "Une description désormais bien plus complète."})
    assert r.status_code == 302
    idea.refresh_from_db()
    assert idea.title == "Nouveau titre"


def test_paper_whole_ballots_typed_twice(client, vote):
    campaign = vote["campaign"]
    campaign.rule = "mes"
    campaign.save()
    ps = vote["ps"]
    url = reverse("budget:paper", args=[campaign.slug, "paris"])
    lines = f"{ps[0].pk}, {ps[1].pk}\n{ps[2].pk}\n"
    for agent in (make_agent(), make_agent()):
        client.force_login(agent)
        r = client.post(url, {"mode": "ballots", "polling_place": "École Curial", "ballots_text": lines})
        assert r.status_code == 302
    from parvis.budget.models import PaperBatch

    batch = PaperBatch.objects.get()
    assert batch.accepted_at is not None
    assert batch.data == [sorted([ps[0].pk, ps[1].pk]), [ps[2].pk]]
    r = client.post(url, {"mode": "ballots", "polling_place": "Autre", "ballots_text": "abc"})
    assert r.status_code == 400
    assert "Bulletin n°1" in text(r)


def test_split_page(client):
    campaign = make_campaign(open_phase="review", slug="bp-split")
    env = make_envelope(campaign, slug="paris")
    idea = make_project(env, feasible=False, status="submitted", title="Deux choses à la fois")
    url = reverse("budget:split", args=["bp-split", idea.pk])
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    client.force_login(make_agent())
    assert "Scinder cette idée" in text(client.get(idea.get_absolute_url()))
    body = "Une description assez longue pour être acceptée."
    r = client.post(url, {"title-1": "Seule partie", "body-1": body})
    assert r.status_code == 400
    assert "au moins deux projets" in text(r)
    r = client.post(url, {"title-1": "Partie un", "body-1": body, "title-2": "Partie deux", "body-2": body})
    assert r.status_code == 302
    assert Project.objects.filter(split_from=idea).count() == 2


@pytest.mark.ratelimit
def test_comment_rate_limited(client, settings):
    settings.PARVIS_RATE_LIMITS = {**settings.PARVIS_RATE_LIMITS, "write": "2/60"}
    campaign = make_campaign(open_phase="coconstruction", slug="bp-rl")
    env = make_envelope(campaign, slug="paris")
    idea = make_project(env, feasible=False, status="submitted")
    client.force_login(make_user())
    url = reverse("budget:comment", args=["bp-rl", idea.pk])
    for _ in range(3):
        client.post(url, {"body": "Un avis."})
    assert idea.comments.count() == 2


def test_hidden_project_only_for_moderators(client, vote):
    from django.utils import timezone

    from tests.factories import make_moderator

    project = vote["ps"][0]
    Project.objects.filter(pk=project.pk).update(hidden_at=timezone.now(), hidden_reason="Propos injurieux")
    assert client.get(project.get_absolute_url()).status_code == 410
    client.force_login(make_user())
    assert client.get(project.get_absolute_url()).status_code == 410
    client.force_login(make_moderator())
    assert client.get(project.get_absolute_url()).status_code == 200
    assert "Projet ville 0" not in text(client.get(reverse("budget:projects", args=["bp-2027"])))


def test_ballot_preview_without_javascript_stores_nothing(client, vote):
    client.force_login(make_voter())
    url = reverse("budget:ballot", args=["bp-2027", "paris"])
    r = client.post(url, {"project": [vote["ps"][0].pk], "preview": "1"})
    assert r.status_code == 200
    assert "reste 300 000" in text(r).replace(",", " ")
    assert Ballot.objects.count() == 0


def test_paper_page_keeps_what_was_typed_after_an_error(client, vote):
    campaign, ps = vote["campaign"], vote["ps"]
    url = reverse("budget:paper", args=[campaign.slug, "paris"])
    client.force_login(make_agent())
    # more votes for a project than ballots in the box: refused, the typed counts stay in their boxes
    r = client.post(url, {"polling_place": "Mairie du 4e", "ballots_total": "3", f"count-{ps[0].pk}": "7"})
    assert r.status_code == 400
    page = r.content.decode()
    assert f'name="count-{ps[0].pk}" value="7"' in page
    assert 'value="Mairie du 4e"' in page
    r = client.post(url, {"mode": "ballots", "polling_place": "École Curial", "ballots_text": "abc\n12"})
    assert r.status_code == 400
    page = r.content.decode()
    assert ">abc\n12</textarea>" in page
    assert 'id="place2" name="polling_place" value="École Curial"' in page
