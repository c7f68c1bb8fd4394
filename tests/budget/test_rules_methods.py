"""Majority judgment, tie-breaking and explanations, on elections small enough to check by hand."""

from fractions import Fraction

import pytest

from parvis.budget import rules

# Paris's four grades, lowest first.
PAS_CONVAINCU, BIEN, TRES_BIEN, COUP_DE_COEUR = 0, 1, 2, 3


def grades(**columns):
    """Ballots from per-project grade lists (None: left ungraded)."""
    n = len(next(iter(columns.values())))
    return [{pid: g[i] for pid, g in columns.items() if g[i] is not None} for i in range(n)]


def test_majority_grade_and_gauge_order_projects():
    ballots = grades(
        A=[3, 3, 2, 1, 0],  # majority grade 2; 2 above, 2 below
        B=[2, 2, 2, 2, 0],  # 2; 0 above, 1 below
        C=[3, 3, 3, 0, 0],  # 3
        D=[3, 3, 2, 2, 0],  # 2; 2 above, 1 below: more above than below beats every "below" side
    )
    out = rules.majority_judgment({"A": 10, "B": 10, "C": 10, "D": 10}, 100, ballots)
    assert out.details["ranking"] == ["C", "D", "B", "A"]
    assert out.result("A").score == Fraction(2)
    assert out.result("C").score == Fraction(3)


def test_ungraded_counts_as_the_lowest_grade_and_median_is_the_lower_one():
    ballots = grades(A=[3, 3, None, None], B=[1, 1, 1, 1])
    # A: 0, 0, 3, 3 -> lower median 0; B: 1
    out = rules.majority_judgment({"A": 1, "B": 1}, 10, ballots)
    assert out.details["ranking"] == ["B", "A"]
    out = rules.majority_judgment({"A": 1, "B": 1}, 10, ballots, missing_grade=3)
    assert out.details["ranking"] == ["A", "B"]


def test_majority_judgment_funds_in_order_with_skipping_or_a_winner_limit():
    ballots = grades(A=[3, 3, 3], B=[2, 2, 2], C=[1, 1, 1])
    costs = {"A": 60, "B": 50, "C": 40}
    out = rules.majority_judgment(costs, 100, ballots)
    assert out.selected == ("A", "C")
    assert out.result("B").reason == "budget_exhausted"
    assert out.details["budget_ran_out_at"] == 2
    out = rules.majority_judgment(costs, 1000, ballots, max_winners=2)
    assert out.selected == ("A", "B")
    assert out.result("C").reason == "over_winner_limit"


def test_majority_judgment_refuses_approval_ballots():
    e = rules.Election.from_data({"a": 1}, 1, [{"a"}])
    with pytest.raises(rules.BallotTypeError, match="grade"):
        rules.tally(e, "mj")


@pytest.mark.parametrize(
    ("tie_break", "winner"),
    [
        ("lexico", "10"),  # as strings, "10" < "9": pabutools' default
        ("min-cost", "9"),
        ("max-votes", "10"),
    ],
)
def test_tie_breaking_rules(tie_break, winner):
    # With approval utility, "10" (2 votes, cost 10) and "9" (1 vote, cost 5) both score 1/5;
    # only one fits in the budget.
    out = rules.greedy({"10": 10, "9": 5}, 10, [{"10"}, {"10", "9"}], utility="approval", tie_break=tie_break)
    assert out.selected[0] == winner


def test_max_votes_tie_break_falls_back_on_the_id():
    out = rules.greedy({"b": 5, "a": 5}, 5, [{"a", "b"}], utility="approval", tie_break="max-votes")
    assert out.selected == ("a",)


def test_mes_exact_tie_goes_to_the_tie_break():
    # two projects with the same cost and the same supporters: rho ties exactly
    projects = {"10": 50, "9": 50}
    ballots = [{"10", "9"}, {"10", "9"}]
    assert rules.equal_shares(projects, 50, ballots).selected == ("10",)
    assert rules.equal_shares(projects, 50, ballots, tie_break="lottery", seed="2026").selected in (
        ("10",),
        ("9",),
    )


def test_lottery_is_reproducible_from_its_seed():
    projects = {str(i): 1 for i in range(30)}
    ballots = [set(projects)]
    a = rules.greedy(projects, 10, ballots, tie_break="lottery", seed="paris-2026").selected
    b = rules.greedy(projects, 10, ballots, tie_break="lottery", seed="paris-2026").selected
    c = rules.greedy(projects, 10, ballots, tie_break="lottery", seed="paris-2027").selected
    assert a == b
    assert a != c
    with pytest.raises(ValueError, match="seed"):
        rules.greedy(projects, 10, ballots, tie_break="lottery")


def test_mes_explains_prices_payers_and_why_projects_lost():
    projects = {"a": 60, "b": 50, "c": 40, "d": 10}
    ballots = [{"a"}, {"a", "b"}, {"c"}]
    out = rules.equal_shares(projects, 100, ballots)
    assert out.selected == ("a",)
    a = out.result("a")
    assert (a.rho, a.payers) == (Fraction(1, 2), 2)  # each of 2 supporters pays 30 = rho x 60
    b = out.result("b")
    assert b.reason == "supporters_cannot_afford"
    assert b.money_left == Fraction(100, 3) - 30
    assert out.result("c").money_left == Fraction(100, 3)
    assert out.result("d").reason == "no_support"
    text = out.explain()
    assert (
        "a: cost 60, 2 votes; funded (#1, equal shares), rho = 0.5 per unit of utility, paid by 2 supporters"
        in text
    )
    assert "b: cost 50, 1 votes; not funded: its supporters could not afford it (they had 3.33 left)" in text
    card = rules.equal_shares(projects, 100, ballots, utility="approval")
    assert card.result("a").rho == 30


def test_add1_and_its_greedy_completion():
    projects = {"a": 60, "b": 50, "c": 40}
    ballots = [{"a"}, {"a", "b"}, {"c"}]
    add1 = rules.equal_shares(projects, 100, ballots, completion="add1")
    # with 40 each, voter 3 buys c; then a costs 60 for two voters holding 80: a and c, exhaustive
    assert sorted(add1.selected) == ["a", "c"]
    assert add1.details["voter_budget"] == Fraction(121, 3)  # 100/3 + 7 is the first share that buys c
    assert add1.details["add1_steps"] == 7
    # MES stops short of "d", which nobody supports; the greedy completion funds it
    filled = rules.equal_shares(
        {"a": 60, "b": 30, "d": 5}, 100, [{"a"}, {"a"}, {"b"}], completion="add1-greedy"
    )
    assert filled.selected == ("a", "b", "d")
    assert [p.stage for p in filled.projects] == ["equal shares", "equal shares", "greedy completion"]


def test_greedy_explains_where_the_budget_ran_out():
    out = rules.greedy({"a": 60, "b": 50, "c": 40}, 100, [{"a", "b"}, {"a", "b"}, {"c"}, {"a"}])
    assert out.selected == ("a", "c")
    assert out.details["budget_ran_out_at"] == 2
    assert out.result("b").position == 2


def test_unknown_options_are_refused():
    e = rules.Election.from_data({"a": 1}, 1, [{"a"}])
    with pytest.raises(ValueError, match="unknown rule"):
        rules.tally(e, "borda")
    with pytest.raises(ValueError, match="unknown completion"):
        rules.tally(e, "mes", completion="add2")
    with pytest.raises(ValueError, match="do not apply"):
        rules.tally(e, "greedy", completion="add1")
