"""Property tests: on thousands of small random elections, the engine funds what pabutools funds.

Costs, budgets and ballots are small integers so that ties (equal prices, equal vote counts,
projects that exactly fit) are frequent; project ids run past 9 so that "10" < "9" matters. Each
election goes through our .pb writer and pabutools' parser, which also checks the writer. Ballots
are approval, cumulative, scoring (zero and negative points included) and ordinal.
"""

import os

import pytest

pytest.importorskip("pabutools")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from pabutools.election import Cardinality_Sat, Cost_Sat  # noqa: E402
from pabutools.election.pabulib import parse_pabulib_from_string  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from parvis.budget import rules  # noqa: E402

# TALLY_EXAMPLES=5000 for a longer local run
SETTINGS = settings(
    max_examples=int(os.environ.get("TALLY_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def elections(draw, vote_types=("approval", "cumulative", "scoring", "ordinal")):
    n_projects = draw(st.integers(1, 7))
    ids = draw(st.lists(st.integers(1, 14), min_size=n_projects, max_size=n_projects, unique=True))
    ids = [str(i) for i in ids]
    costs = draw(
        st.lists(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 10, 2.5]), min_size=n_projects, max_size=n_projects)
    )
    costs = [c if draw(st.integers(0, 9)) else 0 for c in costs]  # zero costs, now and then
    budget = draw(st.integers(1, 25))
    vote_type = draw(st.sampled_from(vote_types))
    n_voters = draw(st.integers(0, 9))
    ballots = []
    for _ in range(n_voters):
        chosen = draw(st.lists(st.sampled_from(ids), max_size=n_projects, unique=True))
        if vote_type == "cumulative":
            ballots.append({pid: draw(st.integers(0, 3)) for pid in chosen})
        elif vote_type == "scoring":  # points may be zero or negative: the project still counts as named
            ballots.append({pid: draw(st.integers(-1, 3)) for pid in chosen})
        elif vote_type == "ordinal":
            ballots.append(list(chosen))
        else:
            ballots.append(set(chosen))
    return rules.Election.from_data(dict(zip(ids, costs, strict=True)), budget, ballots, vote_type)


def pabutools_election(election):
    return parse_pabulib_from_string(rules.pabulib.dumps(election))


def names(allocation):
    return sorted(p.name for p in allocation)


@SETTINGS
@given(elections())
def test_greedy(election):
    instance, profile = pabutools_election(election)
    assert sorted(rules.greedy(election, utility="cost").selected) == names(
        greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    )
    assert sorted(rules.greedy(election, utility="approval").selected) == names(
        greedy_utilitarian_welfare(instance, profile, sat_class=Cardinality_Sat)
    )


@SETTINGS
@given(elections())
def test_equal_shares(election):
    instance, profile = pabutools_election(election)
    assert sorted(rules.equal_shares(election, utility="cost").selected) == names(
        method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    )
    assert sorted(rules.equal_shares(election, utility="approval").selected) == names(
        method_of_equal_shares(instance, profile, sat_class=Cardinality_Sat)
    )


@SETTINGS
@given(elections())
def test_equal_shares_add1(election):
    instance, profile = pabutools_election(election)
    want = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
    assert sorted(rules.equal_shares(election, completion="add1").selected) == names(want)


@SETTINGS
@given(elections())
def test_equal_shares_add1_greedy(election):
    instance, profile = pabutools_election(election)
    want = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    assert sorted(rules.equal_shares(election, completion="add1-greedy").selected) == names(want)


@SETTINGS
@given(elections(vote_types=("approval",)))
def test_sequential_phragmen(election):
    instance, profile = pabutools_election(election)
    assert sorted(rules.phragmen(election).selected) == names(sequential_phragmen(instance, profile))


@settings(max_examples=100, deadline=None)
@given(elections())
def test_writer_round_trip(election):
    again = rules.pabulib.parse(rules.pabulib.dumps(election))
    assert again.project_ids == election.project_ids
    assert again.costs == election.costs
    assert again.budget == election.budget
    assert again.profile.vote_type == election.profile.vote_type
    assert again.profile.indptr.tolist() == election.profile.indptr.tolist()
    assert again.profile.indices.tolist() == election.profile.indices.tolist()
    assert again.profile.values == election.profile.values
