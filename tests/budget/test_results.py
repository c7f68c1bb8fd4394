"""Results: the reserved priority-area amount, overrides, paper ballots double entry, the pabulib export
read back by the tally engine with the same outcome, and the management command."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from parvis.budget import exports, services, tally
from parvis.budget.models import BallotStyle, Campaign, PaperBatch, Result, Rule
from parvis.budget.rules import pabulib
from parvis.core.models import Territory, TerritoryLevel
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.factories import make_admin, make_agent, square

pytestmark = pytest.mark.django_db


def _qpv():
    return Territory.objects.create(
        level=TerritoryLevel.PRIORITY, code="QPV-T", name="QPV test", geometry=square(2.35, 48.88)
    )


def _cast(envelope, ballots):
    for choices in ballots:
        services.ballot_submit(voter=make_voter(), envelope=envelope, choices=choices)


@pytest.fixture
def election():
    """City envelope 1,000,000 € with 300,000 € reserved; QPV project q is less voted than a and b."""
    campaign = make_campaign(open_phase="vote", rule=Rule.GREEDY)
    env = make_envelope(
        campaign, slug="paris", amount=1_000_000, reserved_amount=300_000, ballot_style=BallotStyle.APPROVAL
    )
    qpv = _qpv()
    p = {
        "a": make_project(env, cost=600_000),
        "b": make_project(env, cost=400_000),
        "q": make_project(env, cost=250_000, priority_area=qpv),
        "c": make_project(env, cost=100_000),
    }
    _cast(env, [[p["a"].pk, p["b"].pk]] * 5 + [[p["b"].pk]] * 2 + [[p["q"].pk]] * 2 + [[p["c"].pk]])
    campaign = set_phase(campaign, "results")
    env.campaign = campaign
    return {"campaign": campaign, "env": env, "p": p, "admin": make_admin()}


def test_reserved_amount_funds_priority_project(election):
    env, p = election["env"], election["p"]
    result = services.results_compute(actor=election["admin"], envelope=env)
    funded = set(result.funded.values_list("pk", flat=True))
    # Votes: b 7, a 5, q 2, c 1. Without the reservation greedy funds b and a (1,000,000) and nothing else;
    # with it q takes 250,000 of the reserved 300,000; b (400k) fits the 700,000 general part, a (600k)
    # no longer does, c (100k) does.
    assert funded == {p["q"].pk, p["b"].pk, p["c"].pk}
    assert result.data["projects"][str(p["q"].pk)]["stage"] == "reserved"
    assert result.data["reserved_spent"] == 250_000
    assert result.online_ballots == 10


def test_reserved_amount_is_not_used_by_other_projects():
    data = tally.EnvelopeData(
        costs={"x": 900, "y": 100},
        budget=1000,
        reserved=200,
        ballots=[{"x"}, {"x"}, {"y"}],
        priority=frozenset(),
    )
    out = tally.tally_envelope(data)
    assert out.selected == ["y"]  # x needs 900 > 800 general; the 200 reserved are for priority areas only
    data.priority = frozenset({"x"})
    out = tally.tally_envelope(data)
    # x is dearer than the reserved 200 alone, but may combine them with the general part.
    assert out.selected == ["y", "x"]
    assert (out.reserved_spent, out.general_spent) == (200, 800)
    assert out.projects["x"]["stage"] == "reserved"


def test_overrides_are_justified_and_applied(election):
    env, p, admin = election["env"], election["p"], election["admin"]
    with pytest.raises(ValidationError, match="justification publique"):
        services.override_create(
            actor=admin, envelope=env, project=p["a"], decision="exclude", justification="non"
        )
    with pytest.raises(PermissionDenied):
        services.override_create(
            actor=make_agent(),
            envelope=env,
            project=p["a"],
            decision="exclude",
            justification="Incompatible avec le projet b sur le même square.",
        )
    assert not Result.objects.exists()
    services.override_create(
        actor=admin,
        envelope=env,
        project=p["a"],
        decision="exclude",
        justification="Incompatible avec le projet b sur le même square.",
    )
    result = Result.objects.get(envelope=env)
    funded = set(result.funded.values_list("pk", flat=True))
    assert p["a"].pk not in funded
    assert p["b"].pk in funded
    assert result.data["projects"][str(p["a"].pk)]["stage"] == "override"
    assert result.data["projects"][str(p["a"].pk)]["reason"] == "override_excluded"
    with pytest.raises(ValidationError, match="déjà été enregistrée"):
        services.override_create(
            actor=admin,
            envelope=env,
            project=p["a"],
            decision="fund",
            justification="Finalement il est compatible avec le square.",
        )


def test_pabulib_export_reads_back_with_same_outcome(election):
    env, p, admin = election["env"], election["p"], election["admin"]
    services.override_create(
        actor=admin,
        envelope=env,
        project=p["c"],
        decision="fund",
        justification="Obligation légale d'accessibilité du bâtiment.",
    )
    result = Result.objects.get(envelope=env)
    text = exports.pabulib_text(env)
    assert "voter_id" in text
    assert "@" not in text  # no e-mail, no account id
    election_back = pabulib.parse(text)
    assert election_back.profile.num_voters == 10
    again = tally.tally_envelope(tally.from_election(election_back))
    assert again.selected == result.data["selected"]
    assert again.projects == result.data["projects"]


@pytest.mark.parametrize("rule", ["mes", "mj"])
def test_roundtrip_other_rules(rule):
    campaign = make_campaign(open_phase="vote", rule=rule)
    style = BallotStyle.GRADES if rule == "mj" else BallotStyle.APPROVAL
    env = make_envelope(campaign, amount=500, reserved_amount=100, ballot_style=style)
    qpv = _qpv()
    ps = [
        make_project(env, cost=c, priority_area=qpv if i == 0 else None)
        for i, c in enumerate([90, 200, 250, 120])
    ]
    import random

    rnd = random.Random(4)
    for _ in range(30):
        if rule == "mj":
            choices = {str(x.pk): rnd.randint(1, 4) for x in ps if rnd.random() < 0.7} or {str(ps[0].pk): 2}
        else:
            choices = [x.pk for x in ps if rnd.random() < 0.5] or [ps[1].pk]
        services.ballot_submit(voter=make_voter(), envelope=env, choices=choices)
    paper = 0
    if rule == "mj":
        # A polling place's sheet typed as per-project mention counts (decision 0403).
        grades = {str(ps[1].pk): {"4": 9, "2": 3}, str(ps[2].pk): {"3": 4, "1": 2}, str(ps[0].pk): {"4": 1}}
        for agent in (make_agent(), make_agent()):
            services.paper_entry_submit(
                agent=agent,
                envelope=env,
                polling_place="Bureau 1",
                mode="grade_counts",
                data={"ballots": 14, "grades": grades},
            )
        paper = 14
    env.campaign = set_phase(campaign, "results")
    result = services.results_compute(actor=make_admin(), envelope=env)
    assert result.data["selected"]
    assert result.paper_ballots == paper
    election = pabulib.parse(exports.pabulib_text(env))
    assert election.profile.num_voters == 30 + paper
    back = tally.tally_envelope(tally.from_election(election))
    assert back.selected == result.data["selected"]
    assert back.projects == result.data["projects"]


def test_mj_needs_grades():
    campaign = make_campaign(open_phase="results", rule=Rule.MJ)
    env = make_envelope(campaign, ballot_style=BallotStyle.APPROVAL)
    with pytest.raises(ValidationError, match="mentions"):
        services.results_compute(actor=make_admin(), envelope=env)


def test_paper_double_entry(election):
    env, p = election["env"], election["p"]
    env.campaign = set_phase(election["campaign"], "vote")
    one, two = make_agent(), make_agent()
    counts = {"ballots": 20, "counts": {str(p["b"].pk): 15, str(p["c"].pk): 3}}
    batch = services.paper_entry_submit(
        agent=one, envelope=env, polling_place="Mairie du 18e", mode="counts", data=counts
    )
    assert services.paper_batch_state(batch) == "waiting"
    # Same agent again: still not accepted.
    batch = services.paper_entry_submit(
        agent=one, envelope=env, polling_place="Mairie du 18e", mode="counts", data=counts
    )
    assert batch.accepted_at is None
    wrong = {"ballots": 20, "counts": {str(p["b"].pk): 51 // 3, str(p["c"].pk): 3}}
    batch = services.paper_entry_submit(
        agent=two, envelope=env, polling_place="Mairie du 18e", mode="counts", data=wrong
    )
    assert services.paper_batch_state(batch) == "mismatch"
    batch = services.paper_entry_submit(
        agent=two, envelope=env, polling_place="Mairie du 18e", mode="counts", data=counts
    )
    assert services.paper_batch_state(batch) == "accepted"
    with pytest.raises(ValidationError, match="déjà été validés"):
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="Mairie du 18e", mode="counts", data=counts
        )
    env.campaign = set_phase(election["campaign"], "results")
    result = services.results_compute(actor=election["admin"], envelope=env)
    assert result.paper_ballots == 20
    assert result.data["projects"][str(p["b"].pk)]["votes"] == 7 + 15


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ballots": 5, "counts": {"999999": 1}}, "ne fait pas partie"),
        ({"ballots": 2, "counts": {"B": 3}}, "plus de voix que de bulletins"),
        ({"ballots": "x", "counts": {}}, "nombre de bulletins"),
        ({"ballots": 2, "counts": {"B": "deux"}}, "Nombre de voix invalide"),
    ],
)
def test_bad_paper_entries(election, data, message):
    env, p = election["env"], election["p"]
    env.campaign = set_phase(election["campaign"], "vote")
    data = {
        "ballots": data["ballots"],
        "counts": {str(p["b"].pk) if k == "B" else k: v for k, v in data["counts"].items()},
    }
    with pytest.raises(ValidationError, match=message):
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="Bureau 1", mode="counts", data=data
        )
    assert not PaperBatch.objects.exists()


def test_paper_whole_ballots_and_rule_guard():
    campaign = make_campaign(open_phase="vote", rule=Rule.MES)
    env = make_envelope(campaign, amount=1000, ballot_style=BallotStyle.APPROVAL)
    a, b = make_project(env, cost=400), make_project(env, cost=500)
    with pytest.raises(ValidationError, match="bulletins complets"):
        services.paper_entry_submit(
            agent=make_agent(),
            envelope=env,
            polling_place="B1",
            mode="counts",
            data={"ballots": 1, "counts": {str(a.pk): 1}},
        )
    with pytest.raises(ValidationError, match="Bulletin n°2"):
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="B1", mode="ballots", data=[[a.pk], [999999]]
        )
    for agent in (make_agent(), make_agent()):
        batch = services.paper_entry_submit(
            agent=agent, envelope=env, polling_place="B1", mode="ballots", data=[[a.pk, b.pk], [b.pk]]
        )
    assert batch.accepted_at is not None
    env.campaign = set_phase(campaign, "results")
    result = services.results_compute(actor=make_admin(), envelope=env)
    assert result.paper_ballots == 2
    assert result.data["projects"][str(b.pk)]["votes"] == 2


def test_command_list_and_export(election, tmp_path):
    env = election["env"]
    services.results_compute(actor=election["admin"], envelope=env)
    out = io.StringIO()
    call_command("budget", "list", stdout=out)
    assert election["campaign"].slug in out.getvalue()
    assert "paris" in out.getvalue()
    target = tmp_path / "x.pb"
    call_command("budget", "export-pabulib", election["campaign"].slug, "paris", "--output", str(target))
    assert pabulib.read(target).profile.num_voters == 10
    out = io.StringIO()
    call_command("budget", "export-pabulib", election["campaign"].slug, "paris", stdout=out)
    assert out.getvalue().startswith("META")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Enveloppe inconnue"):
        call_command("budget", "export-pabulib", election["campaign"].slug, "nope")
    with pytest.raises(CommandError, match="Campagne inconnue"):
        call_command("budget", "export-pabulib", "nope", "paris")


def test_district_envelopes_results_for_campaign(election):
    campaign = Campaign.objects.get(pk=election["campaign"].pk)
    make_envelope(campaign, territory=make_district(), amount=10)
    assert campaign.envelopes.count() == 2


def test_mj_lowest_mention_equals_no_mention_and_matches_engine():
    """Dropping explicit lowest mentions (an optimisation) changes nothing: same as the engine's own run."""
    import random
    from fractions import Fraction

    from parvis.budget import rules

    rnd = random.Random(7)
    for _trial in range(20):
        costs = {str(i): rnd.choice([10, 20, 30, 40]) for i in range(1, 7)}
        ballots = [
            {p: rnd.randint(1, 4) for p in costs if rnd.random() < 0.8} for _ in range(rnd.randint(1, 25))
        ]
        data = tally.EnvelopeData(costs=costs, budget=70, ballots=ballots, rule="mj", grades=True)
        out = tally.tally_envelope(data)
        reference = rules.majority_judgment(
            rules.Election.from_data(costs, 70, ballots, "scoring"), missing_grade=1
        )
        assert out.selected == list(reference.selected)
        without_ones = [{p: g for p, g in b.items() if g != 1} for b in ballots]
        again = tally.tally_envelope(
            tally.EnvelopeData(costs=costs, budget=Fraction(70), ballots=without_ones, rule="mj", grades=True)
        )
        assert again.selected == out.selected


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_without_reservation_the_outcome_is_the_engines(rule):
    import random
    from fractions import Fraction

    from parvis.budget import rules

    rnd = random.Random(11)
    for _trial in range(15):
        costs = {str(i): rnd.choice([10, 20, 30, 45]) for i in range(1, 8)}
        ballots = [{p for p in costs if rnd.random() < 0.4} or {"1"} for _ in range(rnd.randint(1, 30))]
        out = tally.tally_envelope(tally.EnvelopeData(costs=costs, budget=100, ballots=ballots, rule=rule))
        election = rules.Election.from_data(costs, 100, ballots)
        if rule == "greedy":
            reference = rules.greedy(election, utility="cost")
        else:
            step = Fraction(100, len(ballots) * tally.MES_STEPS)
            reference = rules.equal_shares(election, utility="cost", completion="add1", increment=step)
        assert out.selected == list(reference.selected)


def test_command_publish_reviews():
    from parvis.budget.models import Feasibility, Project

    campaign = make_campaign(open_phase="review", slug="bp-pub")
    env = make_envelope(campaign, slug="paris")
    idea = make_project(env, feasible=False, status="submitted")
    Project.objects.filter(pk=idea.pk).update(feasibility=Feasibility.FEASIBLE, cost=1000)
    make_admin()
    out = io.StringIO()
    call_command("budget", "publish-reviews", "bp-pub", stdout=out)
    assert "1 avis publiés" in out.getvalue()
    idea.refresh_from_db()
    assert idea.on_ballot
    set_phase(campaign, "results")
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("budget", "publish-reviews", "bp-pub")


def test_pabulib_export_without_override_leaves_the_key_out(election):
    """No ``parvis_override`` column (no "None" cell) when no project has an override; reads back."""
    env = election["env"]
    result = services.results_compute(actor=election["admin"], envelope=env)
    text = exports.pabulib_text(env)
    assert "parvis_override" not in text
    assert "None" not in text.split("VOTES")[0]
    back = tally.from_election(pabulib.parse(text))
    assert not back.excluded
    assert not back.forced
    assert tally.tally_envelope(back).selected == result.data["selected"]


def test_paper_ballots_count_live_during_the_vote(election, client):
    """Participation counts a polling place as soon as its two entries agree, before any computation;
    a place waiting for its second entry does not count."""
    from parvis.budget import selectors

    env, p = election["env"], election["p"]
    campaign = set_phase(election["campaign"], "vote")
    env.campaign = campaign
    one, two = make_agent(), make_agent()
    counts = {"ballots": 300, "counts": {str(p["b"].pk): 150}}
    for agent in (one, two):
        services.paper_entry_submit(
            agent=agent, envelope=env, polling_place="Mairie", mode="counts", data=counts
        )
    services.paper_entry_submit(
        agent=one, envelope=env, polling_place="École", mode="counts", data={"ballots": 40, "counts": {}}
    )
    assert not Result.objects.exists()
    assert selectors.participation(campaign) == {"online_voters": 10, "paper_ballots": 300}
    html = client.get(f"/budget/{campaign.slug}/resultats/").content.decode()
    assert "10 votant·es en ligne et 300 bulletins papier" in html
