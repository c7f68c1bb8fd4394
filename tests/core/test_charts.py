"""parvis.core.charts: SVG pictures that screen readers can name, built from plain data."""

import xml.etree.ElementTree as ET

from parvis.core import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own markup, well-formed or the test fails


def test_budget_fill_draws_each_project_in_proportion_and_leaves_the_rest_grey():
    svg = parse(charts.budget_fill(1000, [("Jardin <partagé>", 500), ("Bancs", 250)], title="T", desc="D"))
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}desc").get("id") == desc_id
    rects = svg.findall(f"{SVG}rect")
    assert [float(r.get("width")) for r in rects] == [500.0, 250.0, 250.0]
    assert rects[0].find(f"{SVG}title").text == "Jardin <partagé> : 500 €"  # escaped in the markup
    assert rects[2].get("fill") == charts.REMAINDER


def test_budget_fill_of_an_overspent_or_empty_envelope_stays_inside_the_picture():
    svg = parse(charts.budget_fill(100, [("A", 150)], title="T", desc="D"))
    assert [float(r.get("width")) for r in svg.findall(f"{SVG}rect")] == [1000.0]
    empty = parse(charts.budget_fill(0, [], title="T", desc="D"))
    assert len(empty.findall(f"{SVG}rect")) == 1


def test_merit_profile_shares_grades_and_marks_the_median():
    grades = [("Pas convaincu·e", 10), ("Pourquoi pas", 20), ("Bien", 50), ("Coup de cœur", 20)]
    svg = parse(charts.merit_profile(grades, 2, title="Projet", desc="Mention majoritaire : Bien"))
    rects = svg.findall(f"{SVG}rect")
    assert [float(r.get("width")) for r in rects] == [100.0, 200.0, 500.0, 200.0]
    assert [r.get("stroke") for r in rects] == [None, None, "#000", None]
    assert rects[2].find(f"{SVG}title").text == "Bien : 50 (50 %)"
    line = svg.find(f"{SVG}line")
    assert line.get("x1") == line.get("x2") == "500.0"


def test_two_pictures_on_one_page_have_distinct_ids():
    a = parse(charts.budget_fill(1, [], title="A", desc="A")).get("aria-labelledby")
    b = parse(charts.budget_fill(1, [], title="B", desc="B")).get("aria-labelledby")
    assert a != b
