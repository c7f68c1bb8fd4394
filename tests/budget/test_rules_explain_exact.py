"""Property test: MES explanations (rho, payers, money left) are exact.

The engine computes an explanation's exact values from a part of the voters only (those who may
have been capped in a round, and one product a round for the money left); this checks them against
a plain recomputation in fractions, voter by voter, of the order the engine funded.
"""

import os
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parvis.budget import rules

SETTINGS = settings(
    max_examples=int(os.environ.get("TALLY_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def approval_elections(draw):
    n_projects = draw(st.integers(1, 6))
    ids = [str(i + 1) for i in range(n_projects)]
    costs = draw(
        st.lists(st.sampled_from([1, 2, 3, 5, 7, 10, 2.5]), min_size=n_projects, max_size=n_projects)
    )
    budget = draw(st.integers(1, 30))
    ballots = draw(st.lists(st.sets(st.sampled_from(ids)), min_size=1, max_size=14))
    return rules.Election.from_data(dict(zip(ids, costs, strict=True)), budget, ballots, "approval")


def recompute(election, outcome, utility):
    """rho and payers of each funded project, money left of each unfunded one, voter by voter."""
    ids = list(election.project_ids)
    cost = dict(zip(ids, election.costs, strict=True))
    profile = election.profile
    ballots = [
        {ids[j] for j in profile.indices[profile.indptr[v] : profile.indptr[v + 1]].tolist()}
        for v in range(profile.num_voters)
    ]
    budget = [Fraction(outcome.details["voter_budget"])] * len(ballots)
    funded = sorted((p for p in outcome.projects if p.stage == "equal shares"), key=lambda p: p.position)
    want = {}
    for p in funded:
        who = [v for v, b in enumerate(ballots) if p.project_id in b]
        left = cost[p.project_id]
        payers = [v for v in who if budget[v] > 0]
        # water-filling: the poorest pay all they hold while that is less than an equal share
        q = None
        for k, v in enumerate(sorted(payers, key=budget.__getitem__)):
            share = left / (len(payers) - k)
            if budget[v] >= share:
                q = share
                break
            left -= budget[v]
        assert q is not None
        for v in who:
            budget[v] -= min(budget[v], q)
        want[p.project_id] = (q / (cost[p.project_id] if utility == "cost" else 1), len(payers))
    for p in outcome.projects:
        if not p.funded and p.votes:
            want[p.project_id] = sum(budget[v] for v, b in enumerate(ballots) if p.project_id in b)
    return want


@SETTINGS
@given(approval_elections(), st.sampled_from(["cost", "approval"]), st.sampled_from(["none", "add1"]))
def test_explanations_are_exact(election, utility, completion):
    outcome = rules.equal_shares(election, utility=utility, completion=completion)
    want = recompute(election, outcome, utility)
    for p in outcome.projects:
        if p.stage == "equal shares":
            assert (p.rho, p.payers) == want[p.project_id]
        elif not p.funded and p.votes:
            assert p.money_left == want[p.project_id]
