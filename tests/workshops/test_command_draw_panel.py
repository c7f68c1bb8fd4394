"""parvis workshops draw-panel: the sortition-algorithms CSV layouts in, the panel out (text or JSON)."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.workshops.test_panels import QUOTAS, pool


@pytest.fixture
def files(tmp_path):
    people, features = tmp_path / "people.csv", tmp_path / "features.csv"
    people.write_text(pool(), encoding="utf-8")
    features.write_text(QUOTAS, encoding="utf-8")
    return str(people), str(features)


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("workshops", "draw-panel", *args, stdout=out)
    return out.getvalue()


def test_json_output_is_the_panel_and_the_seed_replays_it(files):
    args = [*files, "--size", "10", "--seed", "77", "--method", "legacy", "--estimate-runs", "3", "--json"]
    first, again = json.loads(run(*args)), json.loads(run(*args))
    assert first == again
    assert set(first) == {"selected", "probabilities", "lowest_probability", "method", "seed"}
    assert len(first["selected"]) == 10
    assert first["seed"] == 77
    assert first["method"] == "legacy"
    assert first["lowest_probability"] == min(first["probabilities"].values())


def test_text_output_shows_quotas_seed_and_how_to_check(files):
    text = run(*files, "--size", "10", "--seed", "5", "--method", "legacy", "--estimate-runs", "2")
    assert "graine : 5" in text
    assert "sex = F : 4 ≤" in text
    assert "--seed 5 --method legacy" in text


def test_without_a_seed_one_is_drawn_and_printed(files):
    out = json.loads(run(*files, "--size", "10", "--method", "legacy", "--estimate-runs", "0", "--json"))
    assert out["seed"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "41"], "seulement 40 volontaires"),
        (["--size", "10", "--method", "leximin"], "Gurobi"),
        (["--size", "10", "--id-column", "numero"], "colonne « numero »"),
    ],
)
def test_bad_requests_exit_with_a_clear_message(files, args, message):
    with pytest.raises(CommandError, match=message):
        run(*files, *args)


def test_missing_or_malformed_files(tmp_path, files):
    with pytest.raises(CommandError, match="illisible"):
        run(str(tmp_path / "absent.csv"), files[1], "--size", "3")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(CommandError, match="UTF-8"):
        run(str(binary), files[1], "--size", "3")
