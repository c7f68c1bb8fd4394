"""French full-text search on both databases: accents, plurals, edits, hostile queries."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parvis.ideas import rules, selectors, services
from parvis.ideas.selectors import IdeaFilters
from tests.factories import make_user

from .factories import make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    c = make_consultation()
    author = make_user()
    titles = {
        "velos": ("Des vélos en libre-service", "Plus de stations de vélos partagés près des gares."),
        "ecole": ("Rue aux écoles", "Fermer la rue devant l'École élémentaire aux voitures le matin."),
        "cheval": ("Un cheval de trait pour l'arrosage", "Le cheval arroserait les jardinières du quartier."),
        "arbres": ("Planter des arbres", "Des arbres fruitiers dans les cours d'immeubles sociaux."),
        "bancs": ("Bancs publics", "Installer des bancs à l'ombre pour les personnes âgées."),
    }
    ideas = {
        k: services.idea_create(author=author, consultation=c, title=t, body=b)
        for k, (t, b) in titles.items()
    }
    return c, ideas


def _found(c, q):
    return {i.pk for i in selectors.idea_list(c, IdeaFilters(q=q), seed=1)[0:100]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("velo", {"velos"}),  # no accent, singular → "vélos"
        ("VÉLOS", {"velos"}),
        ("ecoles", {"ecole"}),  # plural without accent → "écoles", "École"
        ("chevaux", {"cheval"}),  # irregular plural
        ("arbre fruitier", {"arbres"}),  # every word must match
        ("arbre voiture", set()),
        ("banc ombre", {"bancs"}),
        ("piscine", set()),
    ],
)
def test_french_search(corpus, query, expected):
    c, ideas = corpus
    assert _found(c, query) == {ideas[k].pk for k in expected}


@pytest.mark.parametrize(
    "query", ['"', "OR", "NOT velo", "velo*", "'; DROP TABLE ideas_idea; --", "(", "NEAR(a b)"]
)
def test_hostile_queries_do_not_break(corpus, query):
    c, _ideas = corpus
    _found(c, query)  # no exception


def test_edit_updates_the_index(corpus):
    c, ideas = corpus
    idea = ideas["bancs"]
    services.idea_update(
        editor=idea.author,
        idea=idea,
        title="Fontaines à boire",
        body="Des fontaines d'eau potable dans les squares.",
        keep_place=True,
    )
    assert _found(c, "fontaine") == {idea.pk}
    assert _found(c, "banc") == set()


def test_search_through_the_page(client, corpus):
    c, ideas = corpus
    html = client.get(f"/idees/{c.slug}/?q=velo").content.decode()
    assert "Des vélos en libre-service" in html
    assert "Planter des arbres" not in html


@given(st.text(max_size=40))
def test_normalisation_is_idempotent_and_ascii(text):
    once = rules.search_normalise(text)
    assert rules.search_normalise(once) == once or all(len(w) <= 4 for w in once.split())
    assert once == "" or once.isascii()


def test_stemmer_examples():
    assert rules.search_terms("Vélos, chevaux, jeux, bureaux, bus, Œuvres") == [
        "velo",
        "cheval",
        "jeu",
        "bureau",
        "bus",
        "oeuvre",
    ]
