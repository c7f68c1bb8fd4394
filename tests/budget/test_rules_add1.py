"""Add1's search skips steps only with a proof: it must give exactly the step-by-step loop's answer
(the loop is what pabutools runs), on random elections where the per-voter budget climbs through
hundreds of steps, and on real ones."""

import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parvis.budget import rules
from parvis.budget.rules import add1, mes
from parvis.budget.rules.tiebreak import tie_order

DATA = Path(__file__).resolve().parents[2] / "../shared/data/pabulib"
EXAMPLES = int(os.environ.get("TALLY_EXAMPLES", "150"))


def both(election, utility="cost", increment=1, exhaustive_stop=True):
    sup = mes._Supports(election)
    votes = [int(w) for w in sup.weight]
    rank = tie_order("lexico", election.project_ids, election.costs, votes, None)
    free, cands = mes._candidates(election, sup, utility)
    step = Fraction(increment)
    got = add1.search(election, sup, utility, rank, step, exhaustive_stop, free, cands)
    want = add1.linear(election, sup, utility, rank, step, exhaustive_stop, free, cands)
    return got, want


@st.composite
def elections(draw):
    n_projects = draw(st.integers(2, 9))
    ids = [str(i) for i in range(1, n_projects + 1)]
    costs = {pid: draw(st.integers(1, 60)) for pid in ids}
    support = st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True)
    groups = draw(st.lists(support, min_size=1, max_size=6))
    ballots = [set(draw(st.sampled_from(groups))) for _ in range(draw(st.integers(3, 40)))]
    budget = draw(st.integers(1, sum(costs.values())))
    return rules.Election.from_data(costs, budget, ballots)


@pytest.fixture(params=[(4, 64), (2, 1)], ids=["default", "probe-always"])
def probing(request, monkeypatch):
    """Also probe at every step, from the shortest span, so that certificates are tried all the time."""
    first, cooldown = request.param
    monkeypatch.setattr(add1, "FIRST_SPAN", first)
    monkeypatch.setattr(add1, "MAX_COOLDOWN", cooldown)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    election=elections(),
    utility=st.sampled_from(["cost", "approval"]),
    increment=st.sampled_from([Fraction(1, 50), Fraction(1, 7), 1]),
    exhaustive_stop=st.booleans(),
)
def test_search_gives_the_loops_step_and_outcome(probing, election, utility, increment, exhaustive_stop):
    (chosen, run, _runs, k), (want_chosen, want_run, _r, want_k) = both(
        election, utility, increment, exhaustive_stop
    )
    assert (chosen, k) == (want_chosen, want_k)
    assert (run is None) == (want_run is None)
    if run is not None:
        assert run.b0 == want_run.b0


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Swiecie_2023",
        "Poland_Wieliczka_2023_Green_Budget",
        "Netherlands_Assen_2024",
        "Switzerland_Zurich_D10",
    ],
)
def test_search_gives_the_loops_answer_on_real_elections(probing, name):
    path = DATA / f"{name}.pb"
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared pabulib data lives beside the repository")
    election = rules.pabulib.read(path)
    (chosen, _run, runs, k), (want_chosen, _r, want_runs, want_k) = both(election)
    assert (chosen, k) == (want_chosen, want_k)


def test_search_skips_steps_where_the_outcome_is_stable():
    # 40 voters share one project; a second project needs far more money per voter: dozens of steps
    # where the outcome stays {a}, which probes certify instead of running.
    election = rules.Election.from_data({"a": 10, "b": 1000}, 1010, [{"a", "b"}] * 10 + [{"a"}] * 30)
    (chosen, _run, runs, k), (want_chosen, _r, want_runs, want_k) = both(election)
    assert (chosen, k) == (want_chosen, want_k)
    assert k > 50
    assert runs < want_runs / 3
