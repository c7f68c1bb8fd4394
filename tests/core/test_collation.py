"""French reading order: accents and case ignored, numbers in numeric order."""

import pytest

from parvis.core.collation import french_sort_key, in_french_order


def test_district_names_in_numeric_order():
    names = ["10e arrondissement", "1er arrondissement", "2e arrondissement", "11e arrondissement"]
    assert sorted(names, key=french_sort_key) == [
        "1er arrondissement", "2e arrondissement", "10e arrondissement", "11e arrondissement",
    ]


def test_accented_capitals_sort_with_their_letter():
    names = ["Villette", "Épinettes", "Europe", "école", "Œuvre", "Ternes"]
    expected = ["école", "Épinettes", "Europe", "Œuvre", "Ternes", "Villette"]
    assert sorted(names, key=french_sort_key) == expected


@pytest.mark.parametrize("text", ["", "   ", "123", "ÉÉ"])
def test_any_text_has_a_key(text):
    assert french_sort_key(text) <= french_sort_key(text + "z")


def test_in_french_order_takes_a_name_function():
    rows = [("b", "Élysée"), ("a", "Zoo")]
    assert in_french_order(rows, name=lambda row: row[1]) == [("b", "Élysée"), ("a", "Zoo")]
