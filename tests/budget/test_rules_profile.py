"""Grouping voters by support set, the basis of MES and Phragmén on large elections."""

from hypothesis import given, settings
from hypothesis import strategies as st

from parvis.budget.rules.profile import Profile


def naive_groups(ballots):
    groups: dict[tuple, int] = {}
    for ballot in ballots:
        key = tuple(sorted(set(ballot)))
        groups[key] = groups.get(key, 0) + 1
    return list(groups.items())


@st.composite
def ballots(draw):
    n_projects = draw(st.sampled_from([1, 3, 8, 9, 64, 65, 130]))
    ids = [str(i) for i in range(n_projects)]
    pool = draw(st.lists(st.lists(st.integers(0, n_projects - 1), max_size=6), min_size=1, max_size=5))
    votes = draw(st.lists(st.sampled_from(pool), max_size=40))  # repeats make groups
    return ids, votes


@settings(max_examples=300, deadline=None)
@given(ballots())
def test_groups_are_the_distinct_support_sets_in_order_of_first_appearance(data):
    ids, votes = data
    profile = Profile.from_ballots([[ids[c] for c in vote] for vote in votes], ids)
    lengths, projects, voters = profile.distinct_groups()
    start = 0
    got = []
    for length, count in zip(lengths.tolist(), voters.tolist(), strict=True):
        got.append((tuple(projects[start : start + length].tolist()), count))
        start += length
    assert got == naive_groups(votes)
    assert start == len(projects)
