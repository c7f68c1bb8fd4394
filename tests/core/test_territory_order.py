"""Districts are listed 1, 2, … 20 everywhere, not 1, 10, 11, … (codes are strings)."""

import pytest

from parvis.core.territories import code_order, in_code_order


def test_code_order_is_natural_for_numbers_and_puts_other_codes_after():
    codes = ["10", "2", "DEMO-QPV-01", "1", "7510101", "20", "A"]
    assert sorted(codes, key=code_order) == ["1", "2", "10", "20", "7510101", "A", "DEMO-QPV-01"]


@pytest.mark.django_db
def test_district_lists_are_in_natural_order(client, paris):
    features = client.get("/api/territories/", {"level": "district", "geometry": "false"}).json()["features"]
    assert [f["id"] for f in features] == [str(n) for n in range(1, 21)]
    html = client.get("/signalements/").content.decode()
    assert html.index("2e arrondissement") < html.index("10e arrondissement")


def test_in_code_order_takes_rows():
    assert in_code_order([("12", "x"), ("3", "y")], code=lambda row: row[0]) == [("3", "y"), ("12", "x")]
