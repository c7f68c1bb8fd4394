"""Greedy by points: each project's total points decide the order (Kraków 2021's own count).

pabutools has no "points" utility of its own: its greedy ranks by total satisfaction divided by
cost, so ``Additive_Cardinal_Sat`` (points) gives points per unit of cost, and ``Additive_Borda_Sat``
gives a last-ranked project 0 points. Greedy by points is pabutools' greedy with the satisfaction
``cost x points`` (as ``Cost_Sat`` is ``cost x approval``): the property tests below build that
satisfaction on pabutools' own ``AdditiveSatisfaction`` and compare on random small elections
(docs/decisions/0420-greedy-by-points.md).
"""

import json
from fractions import Fraction

import pytest

pytest.importorskip("pabutools")

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pabutools.election import AbstractCardinalBallot, AbstractOrdinalBallot, Additive_Cardinal_Sat  # noqa: E402
from pabutools.election.satisfaction import AdditiveSatisfaction  # noqa: E402
from pabutools.rules import greedy_utilitarian_welfare  # noqa: E402

from parvis.budget import rules  # noqa: E402
from tests.budget.conftest import Refused  # noqa: E402
from tests.budget.test_rules_vs_pabutools import SETTINGS, names, pabutools_election  # noqa: E402
from tests.conftest import shared_file  # noqa: E402


def cost_points_sat(scale=None):
    """pabutools satisfaction ``cost x points``; on ordinal ballots ``scale`` points for a first choice.

    The scale is passed in because pabutools' satisfaction profile sees an instance without META.
    """

    def func(instance, profile, ballot, project, precomputed_values):
        if isinstance(ballot, AbstractCardinalBallot):
            return ballot.get(project, 0) * project.cost
        if isinstance(ballot, AbstractOrdinalBallot):
            return (scale - ballot.position(project)) * project.cost if project in ballot else 0
        return int(project in ballot) * project.cost

    class Cost_Points_Sat(AdditiveSatisfaction):
        def __init__(self, instance, profile, ballot):
            AdditiveSatisfaction.__init__(self, instance, profile, ballot, func)

    return Cost_Points_Sat


@st.composite
def point_elections(draw, vote_types=("cumulative", "scoring", "ordinal"), equal_costs=False):
    """Small elections, ties frequent, ids past 9; ordinal ones declare max_length or not."""
    n_projects = draw(st.integers(1, 7))
    ids = [
        str(i)
        for i in draw(st.lists(st.integers(1, 14), min_size=n_projects, max_size=n_projects, unique=True))
    ]
    if equal_costs:
        costs = [draw(st.sampled_from([1, 3, 2.5]))] * n_projects
    else:
        costs = draw(
            st.lists(
                st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 10, 2.5]), min_size=n_projects, max_size=n_projects
            )
        )
    vote_type = draw(st.sampled_from(vote_types))
    lowest = -2 if vote_type == "scoring" else 0
    ballots = []
    for _ in range(draw(st.integers(0, 9))):
        chosen = draw(st.lists(st.sampled_from(ids), max_size=n_projects, unique=True))
        if vote_type == "ordinal":
            ballots.append(chosen)
        else:
            ballots.append({pid: draw(st.integers(lowest, 3)) for pid in chosen})
    election = rules.Election.from_data(
        dict(zip(ids, costs, strict=True)), draw(st.integers(1, 25)), ballots, vote_type
    )
    if vote_type == "ordinal" and draw(st.booleans()):
        longest = max((len(b) for b in ballots), default=0)
        election.meta["max_length"] = str(longest + draw(st.integers(0, 2)) or 1)
    return election


@SETTINGS
@given(point_elections())
def test_greedy_by_points_is_pabutools_greedy_with_cost_times_points(election):
    instance, profile = pabutools_election(election)
    scale = election.meta.get("max_length") or max(map(len, profile), default=0)
    want = greedy_utilitarian_welfare(instance, profile, sat_class=cost_points_sat(int(scale)))
    assert sorted(rules.greedy(election, utility="points").selected) == names(want)


@SETTINGS
@given(point_elections(vote_types=("cumulative", "scoring"), equal_costs=True))
def test_with_equal_costs_it_is_pabutools_additive_cardinal_sat(election):
    # points / cost orders projects as points do when every project costs the same
    instance, profile = pabutools_election(election)
    want = greedy_utilitarian_welfare(instance, profile, sat_class=Additive_Cardinal_Sat)
    assert sorted(rules.greedy(election, utility="points").selected) == names(want)


def test_krakow_2021_greedy_by_points_funds_what_the_city_funded():
    election = rules.pabulib.read(shared_file("pabulib", "Poland_Krakow_2021.pb"))
    assert election.vote_type == "ordinal"
    city = [
        pid
        for pid, meta in zip(election.project_ids, election.project_meta, strict=True)
        if meta["selected"] == "1"
    ]
    out = rules.greedy(election, utility="points")
    assert sorted(out.selected) == sorted(city)
    assert out.details["points_by_rank"] == [3, 2, 1]
    # the file's own "score" column is the city's count of points: ours is the same, project by project
    for pid, meta in zip(election.project_ids, election.project_meta, strict=True):
        assert out.result(pid).points == int(meta["score"]), pid
    # by number of votes the city would have funded 216 instead of 91 and 122 (decision 0002)
    by_votes = set(rules.greedy(election, utility="cost").selected)
    assert by_votes ^ set(city) == {"216", "91", "122"}


def test_cumulative_points_rank_projects_not_votes():
    # "a": 3 votes of 1 point; "b": 2 votes of 3 points; one of them fits
    ballots = [{"a": 1, "b": 3}, {"a": 1, "b": 3}, {"a": 1}]
    projects = {"a": 10, "b": 10}
    assert rules.greedy(projects, 10, ballots).selected == ("a",)
    out = rules.greedy(projects, 10, ballots, utility="points")
    assert out.selected == ("b",)
    assert (out.result("a").points, out.result("b").points) == (3, 6)
    assert out.rule == "greedy/points"


def test_decimal_and_negative_points():
    ballots = [{"a": Fraction(1, 2), "b": 1, "c": -2}, {"a": 1, "c": 1}]
    profile = rules.Profile.from_ballots(ballots, ["a", "b", "c"], "scoring")
    out = rules.greedy({"a": 4, "b": 4, "c": 1}, 8, profile, utility="points")
    assert out.selected == ("a", "b")
    assert out.result("a").points == Fraction(3, 2)
    assert out.result("c").points == -1


def test_a_negative_total_scores_zero_as_in_pabutools():
    # pabutools scores a total satisfaction that is not positive 0: "c" (-1 point) and "d" (no vote)
    # tie, and the tie-break ("c" < "d") funds "c"
    ballots = [{"c": -1}]
    out = rules.greedy(
        {"c": 1, "d": 1}, 1, rules.Profile.from_ballots(ballots, ["c", "d"], "scoring"), utility="points"
    )
    assert out.selected == ("c",)
    assert out.result("c").score == 0
    assert out.result("c").points == -1


def test_ordinal_points_by_rank_from_max_length_or_the_longest_ballot():
    projects = {"a": 5, "b": 5, "c": 5}
    ballots = [["a", "b", "c"], ["c"], ["c"]]
    election = rules.Election.from_data(projects, 5, ballots, "ordinal")
    # no max_length: the longest ballot has 3 ranks, so 3-2-1; a voter's first choice is worth 3
    # whatever the ballot's length (pabutools' Borda would give a one-project ballot 0)
    out = rules.greedy(election, utility="points")
    assert [out.result(p).points for p in "abc"] == [3, 2, 7]
    assert out.selected == ("c",)
    assert out.details["points_by_rank"] == [3, 2, 1]
    election.meta["max_length"] = "5"
    out = rules.greedy(election, utility="points")
    assert [out.result(p).points for p in "abc"] == [5, 4, 13]
    assert out.details["points_by_rank"] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    ("max_length", "message"),
    [
        ("2", "ballot 1 ranks 3 projects, more than META max_length 2"),
        ("three", "not a positive whole number"),
    ],
)
def test_ordinal_ballots_that_contradict_max_length_are_refused(max_length, message):
    election = rules.Election.from_data({"a": 1, "b": 1, "c": 1}, 5, [["a", "b", "c"]], "ordinal")
    election.meta["max_length"] = max_length
    with pytest.raises(ValueError, match=message):
        rules.greedy(election, utility="points")


def test_approval_points_are_votes_and_fund_what_greedy_by_cost_funds():
    projects = {"a": 60, "b": 50, "c": 40, "10": 30, "9": 30}
    ballots = [{"a"}, {"a", "b"}, {"c"}, {"10", "9"}, {"b", "c"}]
    by_points = rules.greedy(projects, 100, ballots, utility="points")
    by_cost = rules.greedy(projects, 100, ballots, utility="cost")
    assert by_points.selected == by_cost.selected
    assert all(p.points == p.votes for p in by_points.projects)


def test_only_greedy_takes_the_points_utility():
    e = rules.Election.from_data({"a": 1}, 1, [{"a": 2}])
    with pytest.raises(ValueError, match="utility 'points' applies to rule greedy only"):
        rules.tally(e, "mes", utility="points")
    with pytest.raises(ValueError, match="do not apply to rule phragmen"):
        rules.tally(e, "phragmen", utility="points")
    with pytest.raises(ValueError, match="unknown utility 'point'"):
        rules.tally(e, "greedy", utility="point")
    assert rules.tally(e, "greedy", utility="points").selected == ("a",)


# The command: cumulative ballots where points and votes disagree.
ELECTION = rules.Election.from_data(
    {"a": 10, "b": 10, "c": 5},
    15,
    [{"a": 1, "b": 3}, {"a": 1, "b": 3}, {"a": 1, "c": 1}],
)


@pytest.fixture
def pb_file(tmp_path):
    path = tmp_path / "points.pb"
    rules.pabulib.write(ELECTION, path)
    return path


def test_command_json_shows_each_projects_points(tally, pb_file):
    data = json.loads(tally(pb_file, "--rule", "greedy", "--utility", "points", "--json", "--explain"))
    assert data["rule"] == "greedy/points"
    assert data["selected"] == ["b", "c"]
    assert {p["project_id"]: p["points"] for p in data["projects"]} == {"a": "3", "b": "6", "c": "1"}
    assert json.loads(tally(pb_file, "--json"))["selected"] == ["a", "c"]  # by votes


def test_command_explain_shows_each_projects_points(tally, pb_file):
    text = tally(pb_file, "--rule", "greedy", "--utility", "points", "--explain")
    assert "rule: greedy/points" in text
    assert "b: cost 10, 2 votes, 6 points; funded (#1)" in text
    assert "a: cost 10, 3 votes, 3 points; not funded: the budget ran out (rank 2)" in text


@pytest.mark.parametrize(
    ("rule", "message"),
    [("mes", "utility 'points' applies to rule greedy only"), ("phragmen", "do not apply to rule phragmen")],
)
def test_command_refuses_points_for_other_rules(tally, pb_file, rule, message):
    with pytest.raises(Refused, match=message) as caught:
        tally(pb_file, "--rule", rule, "--utility", "points")
    assert caught.value.code == 2
