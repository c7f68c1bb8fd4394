"""Panels drawn by lot: quotas respected, the same seed gives the same panel, clear errors."""

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parvis.workshops import panels

QUOTAS = """feature,value,min,max
sex,F,4,6
sex,M,4,6
age,young,3,5
age,old,3,7
district,north,2,6
district,south,2,6
"""


def pool(n=40, seed=1):
    rng = random.Random(seed)
    rows = ["id,sex,age,district,email"]
    for i in range(1, n + 1):
        rows.append(
            f"{i},{rng.choice('FM')},{rng.choice(['young', 'old'])},{rng.choice(['north', 'south'])},x{i}@e"
        )
    return "\n".join(rows)


@pytest.fixture(scope="module")
def quotas():
    return panels.read_quotas(QUOTAS)


@pytest.fixture(scope="module")
def people(quotas):
    return panels.read_people(pool(), quotas)


@pytest.fixture(scope="module")
def drawn(people, quotas):
    """Each method's panel, drawn twice with the same seed (the solvers take seconds: once per module)."""
    return {
        method: [panels.draw(people, quotas, 10, seed=2026, method=method, estimate_runs=5) for _ in range(2)]
        for method in ("maximin", "nash", "legacy")
    }


def within_quotas(panel, people, quotas):
    for q in quotas:
        n = sum(1 for pid in panel.selected if people[pid][q.feature] == q.value)
        assert q.min <= n <= q.max, (q, n)


@pytest.mark.parametrize("method", ["maximin", "nash", "legacy"])
def test_a_panel_respects_every_quota_and_the_seed_replays_it(method, people, quotas, drawn):
    first, again = drawn[method]
    assert len(first.selected) == 10
    within_quotas(first, people, quotas)
    assert first.selected == again.selected
    assert first.probabilities == again.probabilities
    assert first.lowest_probability == min(first.probabilities.values())
    assert set(first.probabilities) == set(people)
    assert first.as_json()["method"] == method
    assert first.as_json()["seed"] == 2026


@pytest.mark.parametrize("method", ["maximin", "nash"])
def test_exact_probabilities_add_up_to_the_panel_size(method, drawn):
    panel = drawn[method][0]
    assert sum(panel.probabilities.values()) == pytest.approx(10, abs=1e-3)
    assert not panel.estimated
    assert 0 < panel.lowest_probability <= 10 / 40 + 1e-6


def test_maximin_gives_everyone_a_chance_where_legacy_estimates(people, quotas):
    panel = panels.draw(people, quotas, 10, seed=7, method="legacy", estimate_runs=20)
    assert panel.estimated
    assert panel.runs == 20
    assert all(0 <= p <= 1 for p in panel.probabilities.values())


def test_different_seeds_draw_different_panels(people, quotas):
    panels_drawn = {
        tuple(panels.draw(people, quotas, 10, seed=s, method="legacy", estimate_runs=0).selected)
        for s in range(1, 9)
    }
    assert len(panels_drawn) > 1


@pytest.mark.parametrize(
    ("quota_lines", "size", "expected"),
    [
        ("sex,F,30,40\nsex,M,0,10", 10, "« sex = F » demande au moins 30"),
        ("sex,F,6,10\nsex,M,6,10", 10, "les minimums de « sex » font 12"),
        ("sex,F,0,3\nsex,M,0,3", 10, "« sex » permet au plus 6"),
    ],
)
def test_impossible_quotas_are_named(quota_lines, size, expected, settings):
    settings.LANGUAGE_CODE = "fr"
    quotas = panels.read_quotas("feature,value,min,max\n" + quota_lines)
    people = panels.read_people(pool(), quotas)
    with pytest.raises(panels.PanelError, match=expected):
        panels.draw(people, quotas, size, seed=1)


def test_quotas_impossible_together_name_what_to_relax():
    quotas = panels.read_quotas("feature,value,min,max\nsex,F,5,5\nsex,M,0,5\nage,young,5,5\nage,old,0,5\n")
    rows = ["id,sex,age"] + [f"{i},F,old" for i in range(1, 8)] + [f"{i},M,young" for i in range(8, 15)]
    people = panels.read_people("\n".join(rows), quotas)
    with pytest.raises(panels.PanelError, match="impossibles à respecter ensemble"):
        panels.draw(people, quotas, 5, seed=1)


def test_too_few_volunteers(people, quotas):
    with pytest.raises(panels.PanelError, match="seulement 40 volontaires"):
        panels.draw(people, quotas, 41, seed=1)


def test_leximin_is_refused_with_its_reason(people, quotas):
    with pytest.raises(panels.PanelError, match="Gurobi"):
        panels.draw(people, quotas, 10, seed=1, method="leximin")


@pytest.mark.parametrize("seed", [0, -3])
def test_a_seed_must_be_positive(seed, people, quotas):
    with pytest.raises(panels.PanelError, match="graine"):
        panels.draw(people, quotas, 10, seed=seed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feature,value,min\nsex,F,1", "manque : max"),
        ("feature,value,min,max\nsex,F,one,2", "nombres entiers"),
        ("feature,value,min,max\nsex,F,3,2", "0 ≤ min ≤ max"),
        ("feature,value,min,max\nsex,F,1,2\nSEX,f,1,2", "apparaît deux fois"),
        ("feature,value,min,max\n", "aucun quota"),
        ("", "vide"),
        ("feature,value,min,max\nsex,F,1,2,9", "nombre de colonnes"),
        ("feature,value,min,max\x00\n", "lisible"),
    ],
)
def test_malformed_quota_files_get_a_clear_message(text, expected):
    with pytest.raises(panels.PanelError, match=expected):
        panels.read_quotas(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name,sex,age,district\nA,F,young,north", "colonne « id »"),
        ("id,sex,age\n1,F,young", "pas de colonne pour : district"),
        ("id,sex,age,district\n1,F,young,north\n1,M,old,south", "apparaît deux fois"),
        ("id,sex,age,district\n1,X,young,north", "« X » n'est pas une valeur prévue pour « sex »"),
        ("id,sex,age,district\n", "ne contient personne"),
    ],
)
def test_malformed_people_files_get_a_clear_message(text, expected, quotas):
    with pytest.raises(panels.PanelError, match=expected):
        panels.read_people(text, quotas)


def test_people_files_accept_another_id_column_semicolons_a_bom_and_case(quotas):
    text = "\ufeffNuméro;Sex;AGE;district;other\n7;f;Young;north;x\n8;M;old;SOUTH;y\n"
    people = panels.read_people(text, quotas, id_column="Numéro")
    assert people == {
        "7": {"sex": "F", "age": "young", "district": "north"},
        "8": {"sex": "M", "age": "old", "district": "south"},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(1, 10**9), n=st.integers(12, 30), size=st.integers(2, 8))
def test_any_feasible_pool_gets_a_panel_within_its_quotas(seed, n, size):
    """Quotas built around the pool's own shares are feasible: the draw must meet them."""
    rng = random.Random(seed)
    rows = ["id,sex,zone"] + [f"{i},{rng.choice('FM')},{rng.choice('abc')}" for i in range(1, n + 1)]
    lines = ["feature,value,min,max"]
    for feature, values, column in (("sex", "FM", 1), ("zone", "abc", 2)):
        for value in values:
            share = sum(1 for r in rows[1:] if r.split(",")[column] == value)
            lines.append(f"{feature},{value},0,{min(share, size)}")
    quotas = panels.read_quotas("\n".join(lines))
    people = panels.read_people("\n".join(rows), quotas)
    panel = panels.draw(people, quotas, size, seed=seed, method="legacy", estimate_runs=3)
    assert len(panel.selected) == size
    within_quotas(panel, people, quotas)
