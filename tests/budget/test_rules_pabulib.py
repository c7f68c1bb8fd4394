"""The .pb reader sees what pabutools' parser sees, and says which line is wrong when a file is bad."""

import io
from fractions import Fraction

import pytest

from parvis.budget import rules
from parvis.budget.rules import PabulibError, pabulib

pabutools_pabulib = pytest.importorskip("pabutools.election.pabulib")

TRICKY = '''\ufeffmeta
key;value
description;"A quoted; description"
budget;1000,5
vote_type;{vote_type}
num_projects;4
Projects
project_id;cost;name;category
1;100,25;"Park; north";None
2;200;None;green
10;300;"Say ""hi""";
9;400;x;y
VOTES
voter_id;vote;points;age
v1;1,2,2;{points_dup};None
v2;;None;30

v3;10;{points_one};NONE
v4;9,10;{points_two};41
'''


def tricky(vote_type: str) -> str:
    with_points = vote_type in ("cumulative", "scoring")
    return TRICKY.format(
        vote_type=vote_type,
        points_dup="1,2,3" if with_points else "None",
        points_one="5" if with_points else "None",
        points_two="1.5,0" if with_points else "None",
    )


def ballots_of(election):
    p = election.profile
    ids = election.project_ids
    return [
        {ids[c]: v for c, v in zip(p.ballot(i), p.ballot_values(i), strict=True)} for i in range(p.num_voters)
    ]


def pabutools_ballots(profile):
    out = []
    for ballot in profile:
        if hasattr(ballot, "items") and not any(v is None for v in ballot.values()):
            out.append(
                {
                    p.name: Fraction(int(v.numerator), int(v.denominator))
                    for p, v in ballot.items()
                    if v is not None
                }
            )
        else:
            out.append({p.name: 1 for p in ballot})
    return out


@pytest.mark.parametrize("vote_type", ["approval", "choose-1", "ordinal", "cumulative", "scoring"])
def test_reader_agrees_with_pabutools_parser(vote_type):
    text = tricky(vote_type)
    ours = pabulib.parse(text)
    # pabutools strips the byte-order mark when it opens a file, not in this function
    instance, profile = pabutools_pabulib.parse_pabulib_from_string(text.lstrip("\ufeff"))
    assert (
        ours.budget
        == Fraction(2001, 2)
        == Fraction(int(instance.budget_limit.numerator), int(instance.budget_limit.denominator))
    )
    costs = {p.name: Fraction(int(p.cost.numerator), int(p.cost.denominator)) for p in instance}
    assert dict(zip(ours.project_ids, ours.costs, strict=True)) == costs
    assert ours.meta["description"] == instance.meta["description"] == "A quoted; description"
    assert ours.project_meta[0]["name"] == "Park; north"
    assert "category" not in ours.project_meta[0]  # "None" means absent
    theirs = pabutools_ballots(profile)
    mine = ballots_of(ours)
    if vote_type in ("approval", "choose-1"):
        assert [set(b) for b in mine] == [set(b) for b in theirs]
    elif vote_type == "ordinal":
        # a repeated id keeps its first position, as in pabutools' OrdinalBallot
        assert [list(b) for b in mine] == [list(b) for b in theirs] == [["1", "2"], [], ["10"], ["9", "10"]]
    else:
        # a repeated id takes its last points; a ballot without points is empty
        assert mine == theirs
        assert mine[0] == {"1": 1, "2": 3}
        assert mine[3] == {"9": Fraction(3, 2), "10": 0}


def test_duplicate_ids_in_an_approval_ballot_count_once():
    e = pabulib.parse(tricky("approval"))
    assert e.profile.support_counts().tolist() == [1, 1, 2, 1]


def test_unknown_project_id_names_the_line():
    text = tricky("approval").replace("v4;9,10;", "v4;9,11;")
    with pytest.raises(PabulibError, match=r"line 19: unknown project id '11'"):
        pabulib.parse(text)


def test_spaces_inside_a_vote_are_not_trimmed_as_in_pabutools():
    text = tricky("approval").replace("v4;9,10;", "v4;9, 10;")
    with pytest.raises(PabulibError, match=r"unknown project id ' 10'"):
        pabulib.parse(text)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("1;100,25;", "1;abc;"), r"line 9: cost 'abc' is not a number"),
        (("2;200;", "1;200;"), r"line 10: project id '1' appears twice"),
        (("vote_type;approval", "vote_type;borda"), r"unknown or missing vote_type 'borda'"),
        (("budget;1000,5\n", ""), r"META has no budget"),
    ],
)
def test_malformed_files_get_a_clear_error(change, message):
    text = tricky("approval").replace(*change)
    with pytest.raises(PabulibError, match=message):
        pabulib.parse(text)


def test_bad_points_name_the_line():
    text = tricky("cumulative").replace("v3;10;5;", "v3;10;x;")
    with pytest.raises(PabulibError, match=r"line 18: points 'x' is not a number"):
        pabulib.parse(text)


def test_writer_output_is_read_back_by_pabutools_and_by_us(tmp_path):
    e = pabulib.parse(tricky("cumulative"))
    path = tmp_path / "out.pb"
    pabulib.write(e, path)
    again = pabulib.read(path)
    assert ballots_of(again) == ballots_of(e)
    assert again.costs == e.costs
    assert again.budget == e.budget
    assert again.project_meta[2]["name"] == 'Say "hi"'
    instance, profile = pabutools_pabulib.parse_pabulib(str(path))
    assert pabutools_ballots(profile) == ballots_of(e)
    buffer = io.StringIO()
    pabulib.write(e, buffer, voter_ids=["a", "b", "c", "d"])
    assert "\na;1,2;1,3\n" in buffer.getvalue()


def test_plain_data_in_plain_outcome_out():
    out = rules.greedy({"a": 60, "b": 50, "c": 40}, 100, [{"a"}, {"a", "b"}, {"c"}, {"b", "a"}])
    assert out.selected == ("a", "c")
    assert out.total_cost == 100
    assert out.details["budget_ran_out_at"] == 2  # "b" is second in line and no longer fits
    assert out.result("b").reason == "budget_exhausted"
    with pytest.raises(ValueError, match="unknown project id 'z'"):
        rules.greedy({"a": 1}, 1, [{"z"}])


def test_sparse_profile_of_many_voters_is_small():
    ids = [str(i) for i in range(200)]
    ballots = [{ids[i % 200], ids[(7 * i) % 200], ids[(13 * i) % 200]} for i in range(100_000)]
    profile = rules.Profile.from_ballots(ballots, ids)
    assert profile.num_voters == 100_000
    assert profile.indices.nbytes + profile.indptr.nbytes < 3_000_000
