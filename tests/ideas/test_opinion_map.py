"""The opinion map: a planted example with two known groups, properties checked against a naive reference."""

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from parvis.ideas import rules, services
from parvis.ideas.models import OpinionSnapshot, StatementVote, Status
from tests.factories import make_user

from .factories import make_consultation, make_statement


def planted(seed=0, n_a=60, n_b=40, noise=0.1, unseen=0.2):
    """Group A agrees with statements 0–9 and rejects 10–14; group B the opposite; all agree on 15–19."""
    rng = np.random.default_rng(seed)
    a = np.r_[np.ones(10), -np.ones(5), np.ones(5)]
    b = np.r_[-np.ones(10), np.ones(5), np.ones(5)]
    votes = np.vstack([np.tile(a, (n_a, 1)), np.tile(b, (n_b, 1))])
    flip = rng.random(votes.shape) < noise
    votes[flip] *= -1
    votes[rng.random(votes.shape) < unseen] = np.nan
    order = rng.permutation(len(votes))
    truth = np.r_[np.zeros(n_a, int), np.ones(n_b, int)]
    return votes[order], truth[order]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_two_groups_are_recovered(seed):
    votes, truth = planted(seed)
    result = rules.opinion_map(votes, seed=seed)
    assert result.k == 2
    assert len(result.participants) == len(votes)
    labels = result.labels
    assert np.array_equal(labels, truth) or np.array_equal(labels, 1 - truth)
    assert np.array_equal(labels, truth)  # the larger group is named A (label 0)
    assert {j for j, direction, _s in result.consensus if direction == "agree"} == set(range(15, 20))
    assert {j for j, _s in result.divisive} <= set(range(15))
    assert len(result.divisive) == 5


def test_too_few_participants_gives_an_empty_map():
    result = rules.opinion_map(np.array([[1.0, -1.0], [1.0, 1.0]]))
    assert result.k == 0
    assert result.consensus == []
    assert rules.opinion_map(np.zeros((0, 0))).k == 0


def test_participants_with_few_votes_are_not_placed():
    votes, _truth = planted(0)
    votes[0, :] = np.nan
    votes[0, 0] = 1
    result = rules.opinion_map(votes)
    assert 0 not in set(result.participants.tolist())


def _reference_agree(votes, labels, participants, g, j):
    members = [participants[i] for i in range(len(participants)) if labels[i] == g]
    seen = [votes[p, j] for p in members if not np.isnan(votes[p, j])]
    return (sum(1 for v in seen if v == 1) + 1) / (len(seen) + 2)


@settings(max_examples=25, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(5, 30), st.integers(2, 12)),
        elements=st.sampled_from([1.0, -1.0, 0.0, np.nan]),
    )
)
def test_properties_against_a_naive_reference(votes):
    result = rules.opinion_map(votes, min_votes=1)
    if result.k == 0:
        return
    assert result.coords.shape == (len(result.participants), 2)
    assert set(np.unique(result.labels).tolist()) == set(range(result.k))
    assert np.all((result.group_agree > 0) & (result.group_agree < 1))
    for g in range(result.k):
        for j in range(votes.shape[1]):
            ref = _reference_agree(votes, result.labels, result.participants, g, j)
            assert result.group_agree[g, j] == pytest.approx(ref)
    for j, direction, strength in result.consensus:
        table = result.group_agree if direction == "agree" else result.group_disagree
        assert table[:, j].min() >= 0.6
        assert strength == pytest.approx(table[:, j].min())
    sizes = np.bincount(result.labels)
    assert list(sizes) == sorted(sizes, reverse=True)


# --- through the services and the page --------------------------------------------------------


@pytest.mark.django_db
def test_votes_refresh_and_page(client):
    c = make_consultation(opinion_map_enabled=True, slug="quartier")
    statements = [make_statement(consultation=c, text=f"Affirmation numéro {i}") for i in range(20)]
    votes, _truth = planted(3, n_a=12, n_b=8, unseen=0.0)
    rows = []
    for i in range(len(votes)):
        user = make_user()
        rows += [
            StatementVote(statement=statements[j], user=user, value=int(votes[i, j]))
            for j in range(20)
            if not np.isnan(votes[i, j])
        ]
    StatementVote.objects.bulk_create(rows)
    snapshot = services.opinion_map_refresh(consultation=c)
    assert [g["size"] for g in snapshot.data["groups"]] == [12, 8]
    assert {s["text"] for s in snapshot.data["consensus"]} >= {
        f"Affirmation numéro {i}" for i in range(15, 20)
    }
    html = client.get(reverse("ideas:opinion", args=[c.slug])).content.decode()
    assert "2 groupes d&#x27;opinion" in html or "2 groupes d'opinion" in html
    assert "Groupe A : 12 personnes" in html
    assert "<svg" in html


@pytest.mark.django_db
def test_vote_and_propose_statements(client):
    c = make_consultation(opinion_map_enabled=True, premoderation=True)
    s = make_statement(consultation=c, text="Les rues doivent être piétonnes le dimanche")
    me = make_user()
    services.statement_vote(user=me, statement=s, value=1)
    services.statement_vote(user=me, statement=s, value=-1)  # changing one's mind replaces the vote
    assert StatementVote.objects.get(user=me).value == -1
    with pytest.raises(ValidationError, match="Vote inconnu"):
        services.statement_vote(user=me, statement=s, value=7)
    with pytest.raises(PermissionDenied):
        services.statement_vote(user=make_user(confirmed=False), statement=s, value=1)
    proposed = services.statement_create(author=me, consultation=c, text="Plus de bancs dans les rues")
    assert proposed.status == Status.PENDING  # statements are moderated like ideas
    with pytest.raises(ValidationError, match="existe déjà"):
        services.statement_create(author=me, consultation=c, text="plus de bancs dans les rues")
    with pytest.raises(ValidationError, match="280"):
        services.statement_create(author=me, consultation=c, text="x" * 281)
    client.force_login(me)
    response = client.post(reverse("ideas:statement_vote", args=[s.pk]), {"value": "0"})
    assert response.status_code == 302
    assert StatementVote.objects.get(user=me).value == 0


@pytest.mark.django_db
def test_a_vote_schedules_the_map_at_most_once_a_minute(django_capture_on_commit_callbacks):
    c = make_consultation(opinion_map_enabled=True)
    s = make_statement(consultation=c)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.statement_vote(user=make_user(), statement=s, value=1)
    assert len(callbacks) == 1
    assert OpinionSnapshot.objects.filter(consultation=c).exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.statement_vote(user=make_user(), statement=s, value=-1)
    assert callbacks == []  # computed less than a minute ago


@pytest.mark.django_db
def test_opinion_page_without_map_is_404(client):
    c = make_consultation(opinion_map_enabled=False)
    assert client.get(reverse("ideas:opinion", args=[c.slug])).status_code == 404


@pytest.mark.django_db
def test_refresh_computes_with_one_blas_thread(monkeypatch):
    """The map is computed with one BLAS thread whatever the process's default (decision 0170)."""
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []
    compute = rules.opinion_map

    def spy(matrix, **kwargs):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return compute(matrix, **kwargs)

    monkeypatch.setattr(rules, "opinion_map", spy)
    c = make_consultation(opinion_map_enabled=True)
    with threadpool_limits(limits=4, user_api="blas"):  # a process whose default is several threads
        services.opinion_map_refresh(consultation=c)
    assert seen
    assert set(seen) == {1}
