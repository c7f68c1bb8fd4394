"""Paper ballots of a grade envelope typed as per-project mention counts (decision 0403).

The counts of one polling place add into the tally exactly: majority judgment (and greedy) give the
outcome the whole ballots with those grades would give, the pabulib export carries equivalent anonymous
ballots, and every bad entry is refused with a French message, storing nothing."""

import html
import random
import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parvis.budget import exports, services, tally
from parvis.budget.models import BallotStyle, PaperBatch, PaperEntry, Rule
from parvis.budget.rules import pabulib
from parvis.core.models import Territory, TerritoryLevel
from parvis.core.tokens import token_create
from tests.budget.factories import (
    make_campaign,
    make_district,
    make_envelope,
    make_project,
    make_voter,
    set_phase,
)
from tests.factories import make_admin, make_agent, make_user, square

COSTS = {"11": 90, "12": 200, "13": 250, "14": 120, "15": 60}


def _distributions(ballots: list[dict]) -> dict[str, dict[str, int]]:
    """Per project, how many ballots gave each grade (what a count sheet says)."""
    out: dict[str, Counter] = {}
    for ballot in ballots:
        for pid, grade in ballot.items():
            out.setdefault(str(pid), Counter())[str(grade)] += 1
    return {pid: dict(c) for pid, c in out.items()}


def _random_ballots(rnd: random.Random, n: int, blank_share=0.0) -> list[dict]:
    ballots = []
    for _ in range(n):
        if rnd.random() < blank_share:
            ballots.append({})
            continue
        ballots.append({p: rnd.choice([1, 2, 3, 4, 4, 3]) for p in COSTS if rnd.random() < 0.6})
    return ballots


def _data(ballots, rule="mj") -> tally.EnvelopeData:
    return tally.EnvelopeData(
        costs=COSTS,
        budget=500,
        ballots=ballots,
        rule=rule,
        grades=True,
        reserved=100,
        priority=frozenset({"15"}),
    )


@pytest.mark.parametrize("rule", ["mj", "greedy"])
def test_counts_give_the_outcome_of_the_whole_ballots(rule):
    """For many random boxes: online ballots + whole paper ballots, and online ballots + the paper
    ballots' per-project grade counts, give the same outcome, project by project."""
    changed = 0
    for seed in range(60):
        rnd = random.Random(seed)
        online = _random_ballots(rnd, rnd.randint(0, 25))
        boxes = [_random_ballots(rnd, rnd.randint(0, 30), blank_share=0.2) for _ in range(rnd.randint(1, 3))]
        whole = _data(online + [b for box in boxes for b in box], rule)
        counted = _data(
            online
            + [b for box in boxes for b in tally.ballots_from_grade_counts(len(box), _distributions(box))],
            rule,
        )
        expected, got = tally.tally_envelope(whole), tally.tally_envelope(counted)
        assert got.selected == expected.selected, seed
        assert got.projects == expected.projects, seed
        assert len(counted.ballots) == len(whole.ballots)
        if online and tally.tally_envelope(_data(online, rule)).selected != expected.selected:
            changed += 1
    assert changed > 5  # the paper ballots do weigh on the outcome in these draws


def test_reconstructed_ballots_have_the_typed_distributions():
    grades = {"11": {"4": 3, "2": 1}, "12": {"1": 2}, "13": {"3": 5}}
    ballots = tally.ballots_from_grade_counts(7, grades)
    assert len(ballots) == 7
    assert _distributions(ballots) == grades
    assert ballots[5:] == [{}, {}]
    with pytest.raises(ValueError):
        tally.ballots_from_grade_counts(4, grades)


# --- The service, the results and the export ----------------------------------------------------------


def _qpv():
    return Territory.objects.create(
        level=TerritoryLevel.PRIORITY, code="QPV-G", name="QPV grades", geometry=square(2.35, 48.88)
    )


@pytest.fixture
def mj(db):
    campaign = make_campaign(open_phase="vote", rule=Rule.MJ, slug="bp-mj")
    env = make_envelope(
        campaign, slug="paris", amount=500, reserved_amount=100, ballot_style=BallotStyle.GRADES
    )
    qpv = _qpv()
    ps = [
        make_project(env, cost=c, priority_area=qpv if i == 0 else None)
        for i, c in enumerate([90, 200, 250, 120])
    ]
    return {"campaign": campaign, "env": env, "ps": ps}


def _typed(ps, counts: dict[int, dict]) -> dict:
    """Grade counts keyed by project index → keyed by project id."""
    return {str(ps[i].pk): {str(g): n for g, n in per.items()} for i, per in counts.items()}


def _submit_twice(env, place, data):
    batch = None
    for agent in (make_agent(), make_agent()):
        batch = services.paper_entry_submit(
            agent=agent, envelope=env, polling_place=place, mode="grade_counts", data=data
        )
    assert batch.accepted_at is not None
    return batch


def test_double_entry_of_grade_counts(mj):
    env, ps = mj["env"], mj["ps"]
    one, two = make_agent(), make_agent()
    good = {"ballots": 12, "grades": _typed(ps, {0: {4: 5, 3: 2}, 1: {2: 4, 1: 3}})}
    batch = services.paper_entry_submit(
        agent=one, envelope=env, polling_place="École Vitruve", mode="grade_counts", data=good
    )
    assert services.paper_batch_state(batch) == "waiting"
    wrong = {"ballots": 12, "grades": _typed(ps, {0: {4: 5, 3: 3}, 1: {2: 4, 1: 3}})}
    batch = services.paper_entry_submit(
        agent=two, envelope=env, polling_place="École Vitruve", mode="grade_counts", data=wrong
    )
    assert services.paper_batch_state(batch) == "mismatch"
    # The same sheet typed differently (strings, zeros, another order) is the same entry.
    same = {
        "ballots": "12",
        "grades": {
            str(ps[1].pk): {"1": "3", "2": "4", "4": ""},
            str(ps[0].pk): {"3": 2, "4": "5", "1": 0},
            str(ps[2].pk): {"4": 0},
        },
    }
    batch = services.paper_entry_submit(
        agent=two, envelope=env, polling_place="École Vitruve", mode="grade_counts", data=same
    )
    assert services.paper_batch_state(batch) == "accepted"
    batch.refresh_from_db()
    assert batch.mode == "grade_counts"
    assert batch.data == {
        "ballots": 12,
        "grades": {str(ps[0].pk): {"4": 5, "3": 2}, str(ps[1].pk): {"2": 4, "1": 3}},
    }
    with pytest.raises(ValidationError, match="déjà été validés"):
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="École Vitruve", mode="grade_counts", data=good
        )


def test_results_with_grade_counts_equal_whole_ballots(mj):
    """Online, project 1 wins; two polling places' sheets, where project 2 is loved, change the outcome,
    exactly as the same ballots typed one by one would."""
    env, ps, campaign = mj["env"], mj["ps"], mj["campaign"]
    a, b, c, d = (str(p.pk) for p in ps)
    online = [{b: 4, c: 2}] * 6 + [{c: 3, d: 1}] * 2 + [{a: 2}] * 2
    for choices in online:
        services.ballot_submit(voter=make_voter(), envelope=env, choices=choices)
    box_1 = [{c: 4, d: 3}] * 9 + [{c: 4, b: 1}] * 3 + [{}] * 2
    box_2 = [{c: 4, a: 4, d: 2}] * 5 + [{b: 2}] * 4
    _submit_twice(env, "Bureau 1", {"ballots": len(box_1), "grades": _distributions(box_1)})
    _submit_twice(env, "Bureau 2", {"ballots": len(box_2), "grades": _distributions(box_2)})
    env.campaign = set_phase(campaign, "results")
    result = services.results_compute(actor=make_admin(), envelope=env)
    assert (result.online_ballots, result.paper_ballots) == (10, 23)

    data, _names, _o, _p = services.envelope_data(env)
    whole = tally.EnvelopeData(**{**data.__dict__, "ballots": [dict(x) for x in online] + box_1 + box_2})
    expected = tally.tally_envelope(whole)
    assert result.data["selected"] == expected.selected
    assert result.data["projects"] == expected.projects
    online_only = tally.tally_envelope(tally.EnvelopeData(**{**data.__dict__, "ballots": online}))
    assert c in expected.selected  # the paper ballots mattered
    assert c not in online_only.selected
    assert result.data["projects"][c]["votes"] == 6 + 2 + 12 + 5

    # The pabulib export: as many anonymous ballots as voters, the same per-project distributions, and
    # read back by the tally engine, the same outcome.
    election = pabulib.parse(exports.pabulib_text(env))
    assert election.profile.num_voters == 33
    back = tally.from_election(election)
    assert _distributions(back.ballots) == _distributions(online + box_1 + box_2)
    again = tally.tally_envelope(back)
    assert again.selected == result.data["selected"]
    assert again.projects == result.data["projects"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ballots": 5, "grades": {"999999": {"4": 1}}}, "ne fait pas partie de ce bulletin"),
        ({"ballots": 5, "grades": {"OTHER": {"4": 1}}}, "ne fait pas partie de ce bulletin"),
        ({"ballots": 5, "grades": {"A": {"4": 3, "3": 2, "1": 1}}}, "6 mentions pour 5 bulletins"),
        ({"ballots": 5, "grades": {"A": {"4": -1}}}, "positif ou nul"),
        ({"ballots": 5, "grades": {"A": {"4": 1.5}}}, "nombre entier"),
        ({"ballots": 5, "grades": {"A": {"4": "deux"}}}, "nombre entier"),
        ({"ballots": 5, "grades": {"A": {"4": True}}}, "nombre entier"),
        ({"ballots": 5, "grades": {"A": {"5": 1}}}, "Mention inconnue"),
        ({"ballots": 5, "grades": {"A": {"bien": 1}}}, "Mention inconnue"),
        ({"ballots": 5, "grades": {"A": 3}}, "un nombre de bulletins par mention"),
        ({"ballots": 5, "grades": [3]}, "Saisie invalide"),
        ({"ballots": "x", "grades": {}}, "nombre de bulletins"),
        ({"grades": {}}, "nombre de bulletins"),
        ({"ballots": -1, "grades": {}}, "négatif"),
        ({"ballots": 10**7, "grades": {}}, "vérifiez la saisie"),
        ([{"A": 4}], "Saisie invalide"),
    ],
)
def test_bad_grade_counts_change_nothing(mj, data, message):
    env, ps = mj["env"], mj["ps"]
    district = make_envelope(
        mj["campaign"], territory=make_district(), slug="d1", ballot_style=BallotStyle.GRADES
    )
    other = make_project(district, cost=10)
    ids = {"A": str(ps[0].pk), "OTHER": str(other.pk)}
    if isinstance(data, dict) and isinstance(data.get("grades"), dict):
        data = {**data, "grades": {ids.get(k, k): v for k, v in data["grades"].items()}}
    with pytest.raises(ValidationError, match=message):
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="Bureau 1", mode="grade_counts", data=data
        )
    assert not PaperBatch.objects.exists()
    assert not PaperEntry.objects.exists()


def _enter(envelope, mode, data, place="B1"):
    return services.paper_entry_submit(
        agent=make_agent(), envelope=envelope, polling_place=place, mode=mode, data=data
    )


def test_which_counts_each_envelope_takes(mj):
    env, ps = mj["env"], mj["ps"]
    with pytest.raises(ValidationError, match="à mentions : pour chaque projet"):
        _enter(env, "counts", {"ballots": 1, "counts": {str(ps[0].pk): 1}})
    greedy = make_campaign(open_phase="vote", rule=Rule.GREEDY)
    approval = make_envelope(greedy, ballot_style=BallotStyle.APPROVAL)
    p = make_project(approval, cost=10)
    with pytest.raises(ValidationError, match="n'est pas à mentions"):
        _enter(approval, "grade_counts", {"ballots": 1, "grades": {str(p.pk): {"4": 1}}})
    # Greedy on a grade ballot only needs each project's grades too.
    graded = make_envelope(greedy, ballot_style=BallotStyle.GRADES, territory=make_district(), slug="g")
    q = make_project(graded, cost=10)
    batch = _enter(graded, "grade_counts", {"ballots": 2, "grades": {str(q.pk): {"4": 1}}})
    assert batch.mode == "grade_counts"
    mj_approval = make_envelope(
        mj["campaign"], ballot_style=BallotStyle.APPROVAL, territory=make_district(), slug="a"
    )
    r = make_project(mj_approval, cost=10)
    with pytest.raises(ValidationError, match="bulletin à mentions"):
        _enter(mj_approval, "counts", {"ballots": 1, "counts": {str(r.pk): 1}})
    assert PaperBatch.objects.count() == 1


@pytest.mark.parametrize("style", [BallotStyle.APPROVAL, BallotStyle.GRADES])
def test_equal_shares_refuses_any_count_and_says_why(db, style):
    campaign = make_campaign(open_phase="vote", rule=Rule.MES)
    env = make_envelope(campaign, ballot_style=style)
    p = make_project(env, cost=10)
    mode, data = (
        ("counts", {"ballots": 1, "counts": {str(p.pk): 1}})
        if style == BallotStyle.APPROVAL
        else ("grade_counts", {"ballots": 1, "grades": {str(p.pk): {"4": 1}}})
    )
    with pytest.raises(ValidationError) as exc:
        services.paper_entry_submit(
            agent=make_agent(), envelope=env, polling_place="B1", mode=mode, data=data
        )
    message = " ".join(exc.value.messages)
    assert "méthode des parts égales a besoin des bulletins complets" in message
    assert "bulletins un par un" in message
    assert not PaperBatch.objects.exists()


# --- The page and the API -------------------------------------------------------------------------------


def _text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_paper_page_types_grade_counts(client, mj):
    ps = mj["ps"]
    url = reverse("budget:paper", args=["bp-mj", "paris"])
    client.force_login(make_agent())
    page = _text(client.get(url))
    assert "Saisir le nombre de mentions par projet" in page
    assert f'name="grade-{ps[0].pk}-4"' in page
    assert f'name="grade-{ps[3].pk}-1"' in page
    assert "Coup de cœur" in page
    assert 'name="count-' not in page  # no per-project vote counts on a grade ballot
    form = {"mode": "grade_counts", "polling_place": "Bureau 7", "ballots_total": "10"}
    form |= {f"grade-{ps[0].pk}-4": "6", f"grade-{ps[0].pk}-2": "3", f"grade-{ps[1].pk}-3": "2"}
    bad = {**form, f"grade-{ps[0].pk}-1": "2"}
    r = client.post(url, bad)
    assert r.status_code == 400
    assert "11 mentions pour 10 bulletins" in _text(r)
    assert 'value="6"' in _text(r)  # what was typed stays in the form
    assert not PaperEntry.objects.exists()
    r = client.post(url, form)
    assert r.status_code == 302
    assert "second agent" in _text(client.get(r["Location"]))
    client.force_login(make_agent())
    r = client.post(url, form)
    assert r.status_code == 302
    assert "sont comptés" in _text(client.get(r["Location"]))
    assert PaperBatch.objects.get().data == {
        "ballots": 10,
        "grades": {str(ps[0].pk): {"4": 6, "2": 3}, str(ps[1].pk): {"3": 2}},
    }


def test_paper_page_under_equal_shares_explains_why_whole_ballots(client, db):
    campaign = make_campaign(open_phase="vote", rule=Rule.MES, slug="bp-mes")
    env = make_envelope(campaign, slug="paris", ballot_style=BallotStyle.APPROVAL)
    make_project(env, cost=10)
    client.force_login(make_agent())
    page = _text(client.get(reverse("budget:paper", args=["bp-mes", "paris"])))
    assert "a besoin des bulletins complets" in page
    assert 'name="count-' not in page
    assert 'name="ballots_text"' in page


def _auth(user):
    _token, key = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_api_grade_counts(client, mj):
    ps = mj["ps"]
    url = "/api/budget/campaigns/bp-mj/envelopes/paris/paper"
    data = {"ballots": 8, "grades": {str(ps[2].pk): {"4": 5, "3": 1}}}
    body = {"polling_place": "Bureau 3", "mode": "grade_counts", "data": data}
    bad = {**body, "data": {"ballots": 8, "grades": {str(ps[2].pk): {"4": 5, "3": 4}}}}
    r = client.post(url, bad, content_type="application/json", **_auth(make_agent()))
    assert r.status_code == 400
    assert "9 mentions pour 8 bulletins" in r.json()["detail"]
    r = client.post(url, body, content_type="application/json", **_auth(make_user()))
    assert r.status_code == 403
    assert not PaperEntry.objects.exists()
    states = [
        client.post(url, body, content_type="application/json", **_auth(make_agent())).json()["state"]
        for _ in range(2)
    ]
    assert states == ["waiting", "accepted"]
    assert PaperBatch.objects.get().mode == "grade_counts"


def test_api_counts_under_equal_shares_say_why(client, db):
    campaign = make_campaign(open_phase="vote", rule=Rule.MES, slug="bp-mes2")
    env = make_envelope(campaign, slug="paris", ballot_style=BallotStyle.APPROVAL)
    p = make_project(env, cost=10)
    body = {"polling_place": "B1", "mode": "counts", "data": {"ballots": 1, "counts": {str(p.pk): 1}}}
    r = client.post(
        "/api/budget/campaigns/bp-mes2/envelopes/paris/paper",
        body,
        content_type="application/json",
        **_auth(make_agent()),
    )
    assert r.status_code == 400
    assert "méthode des parts égales a besoin des bulletins complets" in r.json()["detail"]
    assert not PaperBatch.objects.exists()
