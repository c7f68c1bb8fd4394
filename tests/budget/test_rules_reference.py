"""Every shared pabulib election, every rule: the same funded projects as pabutools 1.2.3.

The expected outcomes are pabutools' own, stored next to each file (``NAME.reference.json``), so
this test never runs pabutools on a large file. The data lives outside the repository, in the
``shared`` folder beside it; without it the tests are skipped.
"""

import json
from pathlib import Path

import pytest

from parvis.budget import rules

DATA = Path(__file__).resolve().parents[2] / "../shared/data/pabulib"
FILES = (
    sorted(p.name[: -len(".reference.json")] for p in DATA.glob("*.reference.json")) if DATA.is_dir() else []
)

pytestmark = pytest.mark.skipif(not FILES, reason=f"pabulib reference data not found in {DATA}")

_elections: dict[str, rules.Election] = {}


def election(name: str) -> rules.Election:
    if name not in _elections:
        _elections[name] = rules.pabulib.read(DATA / f"{name}.pb")
    return _elections[name]


def reference(name: str) -> dict:
    return json.loads((DATA / f"{name}.reference.json").read_text())


def expected(name: str, key: str) -> list[str] | None:
    return reference(name)["rules"][key]["selected"]


def check(name: str, key: str, outcome_selected) -> None:
    want = expected(name, key)
    if want is None:
        pytest.skip(f"pabutools gave no {key} outcome for {name} (timed out or rule not applicable)")
    assert sorted(outcome_selected) == sorted(want)


@pytest.mark.parametrize("name", FILES)
def test_parse_matches_reference_shape(name):
    ref = reference(name)
    e = election(name)
    assert e.vote_type == ref["vote_type"]
    assert len(e.project_ids) == ref["num_projects"]
    assert e.profile.num_voters == ref["num_voters"]
    assert e.budget == rules.pabulib._number(ref["budget"], 0, "budget")


@pytest.mark.parametrize("name", FILES)
def test_greedy_cost(name):
    check(name, "greedy_cost", rules.greedy(election(name), utility="cost").selected)


@pytest.mark.parametrize("name", FILES)
def test_mes_cost(name):
    check(name, "mes_cost", rules.equal_shares(election(name), utility="cost").selected)


@pytest.mark.parametrize("name", FILES)
def test_mes_card(name):
    check(name, "mes_card", rules.equal_shares(election(name), utility="approval").selected)


@pytest.mark.parametrize("name", FILES)
def test_mes_add1_and_add1_greedy(name):
    """One Add1-then-greedy run gives both outcomes: its equal-shares stage is the Add1 outcome."""
    if expected(name, "mes_cost_add1") is None:
        pytest.skip(f"pabutools timed out on Add1 for {name}")
    out = rules.equal_shares(election(name), utility="cost", completion="add1-greedy")
    check(name, "mes_cost_add1_greedy", out.selected)
    add1 = [p.project_id for p in out.projects if p.funded and p.stage != "greedy completion"]
    check(name, "mes_cost_add1", add1)


@pytest.mark.parametrize("name", FILES)
def test_seq_phragmen(name):
    e = election(name)
    want = expected(name, "seq_phragmen")
    if e.vote_type not in ("approval", "choose-1"):
        assert want is None
        with pytest.raises(rules.BallotTypeError, match="approval ballots"):
            rules.phragmen(e)
        return
    check(name, "seq_phragmen", rules.phragmen(e).selected)


def test_add1_alone_matches_on_a_small_file():
    name = "Netherlands_Assen_2024"
    if name not in FILES:
        pytest.skip(f"{name} not in the shared data")
    check(name, "mes_cost_add1", rules.equal_shares(election(name), completion="add1").selected)


# What cities actually funded (the file's ``selected`` column), where the file names a rule we
# implement. Differences are documented in docs/decisions/0002-tally-engine.md.
CITY = [
    ("Netherlands_Assen_2024", dict(completion="add1"), set(), set()),
    ("Poland_Swiecie_2023", dict(completion="add1"), set(), set()),
    # Wieliczka did not stop at the first exhaustive outcome: equalshares.net's variant matches ...
    ("Poland_Wieliczka_2023_Green_Budget", dict(completion="add1", exhaustive_stop=False), set(), set()),
    # ... while pabutools' Add1 funds 66 and 67 instead of 46.
    ("Poland_Wieliczka_2023_Green_Budget", dict(completion="add1"), {"66", "67"}, {"46"}),
]


@pytest.mark.parametrize(("name", "options", "extra", "missing"), CITY)
def test_city_selected_column_equal_shares(name, options, extra, missing):
    if name not in FILES:
        pytest.skip(f"{name} not in the shared data")
    city = set(reference(name)["file_selected"])
    got = set(rules.equal_shares(election(name), **options).selected)
    assert (got - city, city - got) == (extra, missing)


@pytest.mark.parametrize(
    ("name", "extra", "missing"),
    [
        ("Poland_Warszawa_2020_Mokotow", set(), set()),
        ("Poland_Katowice_2023", set(), set()),
        ("Poland_Lodz_2022", set(), set()),
        ("Poland_Wroclaw_2015_150_-_500", set(), set()),
        # Kraków ranked by points (3, 2, 1 for a voter's first, second, third choice), not by votes.
        ("Poland_Krakow_2021", {"216"}, {"91", "122"}),
    ],
)
def test_city_selected_column_greedy(name, extra, missing):
    if name not in FILES:
        pytest.skip(f"{name} not in the shared data")
    city = set(reference(name)["file_selected"])
    got = set(rules.greedy(election(name)).selected)
    assert (got - city, city - got) == (extra, missing)


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024", "Poland_Swiecie_2023"])
def test_mes_explanations_are_consistent(name):
    """Each payer pays at most rho x utility, together exactly the cost; losers' supporters lacked money."""
    if name not in FILES:
        pytest.skip(f"{name} not in the shared data")
    out = rules.equal_shares(election(name), completion="add1")
    for p in out.projects:
        if p.funded:
            assert 0 < p.payers <= p.votes
            assert p.rho * p.cost * p.payers >= p.cost  # the poorest paid less than the full share
        elif p.reason == "supporters_cannot_afford":
            assert p.money_left < p.cost


def test_largest_file_parses_in_little_memory():
    import tracemalloc

    name = "Poland_Wroclaw_2015_150_-_500"
    if name not in FILES:
        pytest.skip(f"{name} not in the shared data")
    tracemalloc.start()
    try:
        e = rules.pabulib.read(DATA / f"{name}.pb")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert e.profile.num_voters == 131_778
    assert peak < 200 * 2**20
