"""Parts of real elections against pabutools itself: the same funded projects, every rule.

The hypothesis tests use tiny invented elections and the reference test whole real ones with stored
outcomes; these take a few projects and voters of the shared real files (their costs, ballots, ballot
types and support patterns) and run pabutools on them, so that shapes found only in real data are
checked at a size pabutools computes in seconds. A seed names each case: a failure can be replayed.
"""

import random
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest

pytest.importorskip("pabutools")

from pabutools.election import Cardinality_Sat, Cost_Sat  # noqa: E402
from pabutools.election.pabulib import parse_pabulib_from_string  # noqa: E402
from pabutools.rules import (  # noqa: E402
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from parvis.budget import rules  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "../shared/data/pabulib"
FILES = sorted(p.name for p in DATA.glob("*.pb")) if DATA.is_dir() else []

pytestmark = pytest.mark.skipif(not FILES, reason=f"shared pabulib files not found in {DATA}")


@cache
def whole(name: str) -> rules.Election:
    return rules.pabulib.read(DATA / name)


def part(seed: int) -> tuple[str, rules.Election]:
    """A few projects of one shared file, the voters who named some of them (and now and then one
    who named none), and a budget that funds some of the projects."""
    rng = random.Random(seed)
    name = rng.choice(FILES)
    election = whole(name)
    profile = election.profile
    keep = sorted(
        rng.sample(range(len(election.project_ids)), min(len(election.project_ids), rng.randint(4, 16)))
    )
    kept = set(keep)
    voters = list(range(profile.num_voters))
    rng.shuffle(voters)
    wanted = rng.randint(20, 150)
    ballots = []
    for v in voters:
        start, end = profile.indptr[v], profile.indptr[v + 1]
        values = profile.values[start:end] if profile.values is not None else [1] * (end - start)
        ballot = {
            election.project_ids[j]: x
            for j, x in zip(profile.indices[start:end].tolist(), values, strict=True)
            if j in kept
        }
        if ballot or rng.random() < 0.05:
            ballots.append(ballot if profile.values is not None else list(ballot))
        if len(ballots) >= wanted:
            break
    costs = {election.project_ids[j]: election.costs[j] for j in keep}
    budget = int(sum(costs.values()) * Fraction(rng.randint(15, 65), 100)) or 1
    return name, rules.Election.from_data(costs, budget, ballots, profile.vote_type)


def names(allocation) -> list[str]:
    return sorted(p.name for p in allocation)


@pytest.mark.parametrize("seed", range(40))
def test_a_part_of_a_real_election_funds_what_pabutools_funds(seed):
    name, election = part(seed)
    instance, profile = parse_pabulib_from_string(rules.pabulib.dumps(election))
    voters = max(1, election.profile.num_voters)
    # an increment of a hundredth to a thousandth of the first per-voter budget: Add1 goes through
    # tens to hundreds of steps
    step = 10 ** max(0, len(str(int(election.budget / voters))) - 3)
    add1 = {"sat_class": Cost_Sat, "voter_budget_increment": step}
    cases = [
        (
            "greedy",
            rules.greedy(election).selected,
            greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat),
        ),
        (
            "mes cost",
            rules.equal_shares(election).selected,
            method_of_equal_shares(instance, profile, sat_class=Cost_Sat),
        ),
        (
            "mes approval",
            rules.equal_shares(election, utility="approval").selected,
            method_of_equal_shares(instance, profile, sat_class=Cardinality_Sat),
        ),
        (
            "mes add1",
            rules.equal_shares(election, completion="add1", increment=step).selected,
            method_of_equal_shares(instance, profile, **add1),
        ),
        (
            "mes add1 greedy",
            rules.equal_shares(election, completion="add1-greedy", increment=step).selected,
            completion_by_rule_combination(
                instance,
                profile,
                [method_of_equal_shares, greedy_utilitarian_welfare],
                [add1, {"sat_class": Cost_Sat}],
            ),
        ),
    ]
    if election.vote_type == "approval":
        cases.append(("phragmen", rules.phragmen(election).selected, sequential_phragmen(instance, profile)))
    for rule, ours, theirs in cases:
        assert sorted(ours) == names(theirs), f"{rule} on seed {seed} ({name})"
