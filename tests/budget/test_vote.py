"""The vote: ballot styles and their limits, eligibility, district de cœur, ballot change, concurrency."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from parvis.budget import services
from parvis.budget.models import Ballot, BallotStyle, DistrictChoice
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote():
    campaign = make_campaign(open_phase="vote")
    city = make_envelope(campaign, slug="paris", amount=1_000_000, ballot_style=BallotStyle.KNAPSACK)
    d1, d2 = make_district(), make_district()
    e1 = make_envelope(
        campaign, territory=d1, slug="d1", amount=300_000, ballot_style=BallotStyle.APPROVAL, max_choices=2
    )
    e2 = make_envelope(
        campaign, territory=d2, slug="d2", amount=300_000, ballot_style=BallotStyle.APPROVAL, max_choices=2
    )
    projects = {
        "big": make_project(city, cost=700_000),
        "mid": make_project(city, cost=400_000),
        "small": make_project(city, cost=100_000),
        "d1a": make_project(e1, cost=100_000),
        "d1b": make_project(e1, cost=100_000),
        "d1c": make_project(e1, cost=100_000),
        "d2a": make_project(e2, cost=100_000),
    }
    return {"campaign": campaign, "city": city, "e1": e1, "e2": e2, "p": projects}


def test_knapsack_within_budget_is_stored_and_can_be_changed(vote):
    voter = make_voter()
    p = vote["p"]
    ballot = services.ballot_submit(
        voter=voter, envelope=vote["city"], choices=[p["big"].pk, str(p["small"].pk)]
    )
    assert ballot.choices == sorted([p["big"].pk, p["small"].pk])
    services.ballot_submit(voter=voter, envelope=vote["city"], choices=[p["mid"].pk])
    assert Ballot.objects.get().choices == [p["mid"].pk]


@pytest.mark.parametrize(
    ("key", "choices", "message"),
    [
        ("city", ["big", "mid"], "plus que l'enveloppe"),
        ("city", ["d1a"], "ne fait pas partie de ce bulletin"),
        ("city", [], "au moins un projet"),
        ("city", ["xyz"], "n'est pas un identifiant"),
        ("e1", ["d1a", "d1b", "d1c"], "au plus sont permis"),
        ("e1", ["d2a"], "ne fait pas partie de ce bulletin"),
    ],
)
def test_bad_ballots_are_refused_and_change_nothing(vote, key, choices, message):
    voter = make_voter()
    p = vote["p"]
    ids = [p[c].pk if c in p else c for c in choices]
    with pytest.raises(ValidationError, match=message):
        services.ballot_submit(voter=voter, envelope=vote[key], choices=ids)
    assert Ballot.objects.count() == 0
    assert DistrictChoice.objects.count() == 0


def test_min_choices_and_min_spend(vote):
    env = vote["city"]
    env.min_choices = 2
    env.save()
    p = vote["p"]
    with pytest.raises(ValidationError, match="au moins 2 projets"):
        services.ballot_submit(voter=make_voter(), envelope=env, choices=[p["small"].pk])
    env.min_choices, env.min_spend_percent = 0, 50
    env.save()
    with pytest.raises(ValidationError, match="au moins 500"):
        services.ballot_submit(voter=make_voter(), envelope=env, choices=[p["small"].pk])
    assert Ballot.objects.count() == 0


def test_grades_ballot(vote):
    env = vote["e1"]
    env.ballot_style = BallotStyle.GRADES
    env.max_choices = None
    env.save()
    p = vote["p"]
    voter = make_voter()
    ballot = services.ballot_submit(
        voter=voter, envelope=env, choices={str(p["d1a"].pk): "4", p["d1b"].pk: 1}
    )
    assert ballot.choices == {str(p["d1a"].pk): 4, str(p["d1b"].pk): 1}
    for bad, message in [
        ({p["d1a"].pk: 7}, "Mention invalide"),
        ([p["d1a"].pk], "une mention par projet"),
        ({p["d2a"].pk: 3}, "ne fait pas partie"),
        ({}, "au moins un projet"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.ballot_submit(voter=make_voter(), envelope=env, choices=bad)
    assert Ballot.objects.count() == 1


def test_district_de_coeur_chosen_once(vote):
    voter = make_voter()
    p = vote["p"]
    services.ballot_submit(voter=voter, envelope=vote["e1"], choices=[p["d1a"].pk])
    assert DistrictChoice.objects.get(voter=voter).envelope == vote["e1"]
    with pytest.raises(ValidationError, match="arrondissement de cœur"):
        services.ballot_submit(voter=voter, envelope=vote["e2"], choices=[p["d2a"].pk])
    with pytest.raises(ValidationError, match="ne peut pas être changé"):
        services.district_choose(voter=voter, envelope=vote["e2"])
    with pytest.raises(ValidationError, match="pas l'enveloppe de toute la ville"):
        services.district_choose(voter=voter, envelope=vote["city"])
    assert Ballot.objects.filter(voter=voter).count() == 1
    assert DistrictChoice.objects.filter(voter=voter).count() == 1
    # Voting in the city-wide envelope as well is the norm.
    services.ballot_submit(voter=voter, envelope=vote["city"], choices=[p["small"].pk])
    assert Ballot.objects.filter(voter=voter).count() == 2


def test_no_vote_outside_vote_phase(vote):
    set_phase(vote["campaign"], "results")
    vote["city"].campaign.refresh_from_db()
    from parvis.budget.models import Envelope

    env = Envelope.objects.select_related("campaign").get(pk=vote["city"].pk)
    with pytest.raises(PermissionDenied, match="Le vote n'est pas ouvert"):
        services.ballot_submit(voter=make_voter(), envelope=env, choices=[vote["p"]["small"].pk])
    assert Ballot.objects.count() == 0


def test_ballot_change_refused_when_campaign_forbids_it(vote):
    campaign = vote["campaign"]
    campaign.allow_ballot_change = False
    campaign.save()
    voter = make_voter()
    p = vote["p"]
    services.ballot_submit(voter=voter, envelope=vote["city"], choices=[p["small"].pk])
    with pytest.raises(ValidationError, match="ne permet pas de modifier"):
        services.ballot_submit(voter=voter, envelope=vote["city"], choices=[p["mid"].pk])
    assert Ballot.objects.get().choices == [p["small"].pk]


def test_eligibility_checks(vote):
    p = vote["p"]
    with pytest.raises(PermissionDenied, match="adresse"):
        services.ballot_submit(voter=make_user(), envelope=vote["city"], choices=[p["small"].pk])
    campaign = vote["campaign"]
    campaign.min_age = 16
    campaign.save()
    with pytest.raises(PermissionDenied, match="date de naissance"):
        services.ballot_submit(voter=make_voter(), envelope=vote["city"], choices=[p["small"].pk])
    with pytest.raises(PermissionDenied, match="à partir de 16 ans"):
        services.ballot_submit(
            voter=make_voter(birth_date=date.today().replace(year=date.today().year - 10)),
            envelope=vote["city"],
            choices=[p["small"].pk],
        )
    assert Ballot.objects.count() == 0
    services.ballot_submit(
        voter=make_voter(birth_date=date(1990, 1, 1)), envelope=vote["city"], choices=[p["small"].pk]
    )
    assert Ballot.objects.count() == 1


def test_pluggable_check():
    from parvis.core import permissions as eligibility

    campaign = make_campaign(open_phase="vote", eligibility_checks=["resident", "citizen_card"])
    voter = make_voter()
    assert any("inconnue" in m for m in eligibility.eligibility_problems(voter, campaign))
    eligibility.register_eligibility(
        "citizen_card", lambda user, c: None if user.display_name == "OK" else "Carte requise."
    )
    try:
        assert eligibility.eligibility_problems(voter, campaign) == ["Carte requise."]
        voter.display_name = "OK"
        assert eligibility.eligibility_problems(voter, campaign) == []
    finally:
        eligibility.ELIGIBILITY.pop("citizen_card")


def test_anonymous_and_agents_roles():
    campaign = make_campaign(open_phase="vote")
    env = make_envelope(campaign)
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="Connectez-vous"):
        services.ballot_submit(voter=AnonymousUser(), envelope=env, choices=[])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_voter_leave_exactly_one_ballot():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and true concurrency need PostgreSQL (SQLite serialises every write)")
    campaign = make_campaign(open_phase="vote")
    city = make_envelope(campaign, slug="paris", amount=1_000_000)
    district = make_district()
    env = make_envelope(campaign, territory=district, slug="d", amount=500_000)
    projects = [make_project(city, cost=100_000) for _ in range(6)]
    dprojects = [make_project(env, cost=100_000) for _ in range(3)]
    voters = [make_voter() for _ in range(4)]
    from parvis.budget.models import Envelope

    acknowledged: list[tuple[int, int, list]] = []
    errors: list[Exception] = []
    barrier = threading.Barrier(16)
    lock = threading.Lock()

    def worker(i):
        from django.db import connection as conn

        try:
            voter = voters[(i // 2) % 4]
            target = Envelope.objects.select_related("campaign").get(pk=(city if i % 2 else env).pk)
            pool = projects if i % 2 else dprojects
            choice = [pool[i % len(pool)].pk]
            barrier.wait(timeout=10)
            for _round in range(5):
                services.ballot_submit(voter=voter, envelope=target, choices=choice)
                with lock:
                    acknowledged.append((voter.pk, target.pk, choice))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(acknowledged) == 80
    # Exactly one ballot per voter and envelope; each stored ballot is one that was acknowledged.
    stored = list(Ballot.objects.values_list("voter_id", "envelope_id", "choices"))
    assert len(stored) == len({(v, e) for v, e, _c in stored}) == 8
    for v, e, c in stored:
        assert (v, e, c) in acknowledged
    assert DistrictChoice.objects.count() == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_ballots_in_two_districts_choose_one():
    if connection.vendor != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL (SQLite serialises every write)")
    from parvis.budget.models import Envelope

    campaign = make_campaign(open_phase="vote")
    envs = [
        make_envelope(campaign, territory=make_district(), slug=f"d{i}", amount=500_000) for i in range(2)
    ]
    projects = [make_project(e, cost=100_000) for e in envs]
    voter = make_voter()
    barrier = threading.Barrier(8)
    outcomes = []

    def worker(i):
        from django.db import connection as conn

        try:
            env = Envelope.objects.select_related("campaign").get(pk=envs[i % 2].pk)
            barrier.wait(timeout=10)
            services.ballot_submit(voter=voter, envelope=env, choices=[projects[i % 2].pk])
            outcomes.append(("ok", env.pk))
        except ValidationError as exc:
            outcomes.append(("refused", exc.messages[0]))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    choice = DistrictChoice.objects.get(voter=voter)
    assert Ballot.objects.filter(voter=voter).count() == 1
    assert Ballot.objects.get(voter=voter).envelope_id == choice.envelope_id
    assert {pk for kind, pk in outcomes if kind == "ok"} == {choice.envelope_id}
    assert all("arrondissement de cœur" in m for kind, m in outcomes if kind == "refused")
    assert len(outcomes) == 8


def test_personal_data_export_includes_ballots(vote):
    from parvis.core.accounts import user_export

    voter = make_voter()
    services.ballot_submit(voter=voter, envelope=vote["e1"], choices=[vote["p"]["d1a"].pk])
    data = user_export(voter)["budget"]
    assert data["ballots"][0]["choices"] == [vote["p"]["d1a"].pk]
    assert data["district_choices"][0]["envelope"] == "d1"


@pytest.fixture
def cached_vote(vote, settings, client):
    """The API's envelope cache holds the campaign for a minute, as a busy server's process would."""
    from parvis.budget import selectors
    from parvis.core.tokens import token_create

    settings.PARVIS_BUDGET_CACHE_SECONDS = 60
    selectors.vote_targets_clear()
    voter = make_voter()
    _t, key = token_create(user=voter, name="t")
    url = f"/api/budget/campaigns/{vote['campaign'].slug}/envelopes/paris/ballot"

    def post(project):
        return client.post(
            url,
            {"choices": [vote["p"][project].pk]},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )

    assert post("small").status_code == 201  # the envelope and its campaign are now cached
    yield vote, post
    selectors.vote_targets_clear()


def test_the_vote_closes_at_its_stored_instant_whatever_the_cache(cached_vote):
    from django.utils import timezone

    vote, post = cached_vote
    vote["campaign"].phases.filter(kind="vote").update(ends_at=timezone.now())
    response = post("mid")
    assert response.status_code == 403
    assert response.json()["detail"] == "Le vote n'est pas ouvert."
    assert Ballot.objects.get().choices == [vote["p"]["small"].pk]


def test_forbidding_changes_applies_to_the_next_ballot_whatever_the_cache(cached_vote):
    vote, post = cached_vote
    type(vote["campaign"]).objects.filter(pk=vote["campaign"].pk).update(allow_ballot_change=False)
    response = post("mid")
    assert response.status_code == 400
    assert "ne permet pas de modifier" in response.json()["detail"]
    assert Ballot.objects.get().choices == [vote["p"]["small"].pk]


def test_the_ballot_post_answers_created_at_with_its_time_zone(cached_vote):
    from django.utils.dateparse import parse_datetime

    _vote, post = cached_vote
    response = post("mid")
    assert response.status_code == 201
    assert parse_datetime(response.json()["created_at"]).tzinfo is not None


def test_api_not_found_messages_are_french(vote, client):
    from parvis.core.tokens import token_create

    _t, key = token_create(user=make_voter(), name="t")
    mine = f"/api/budget/campaigns/{vote['campaign'].slug}/envelopes/paris/ballot"
    response = client.get(mine, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Introuvable."}
    english = client.get(mine, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json() == {"detail": "Not found."}
    project = client.get("/api/budget/projects/999999")
    assert project.status_code == 404
    assert project.json() == {"detail": "Projet introuvable."}
