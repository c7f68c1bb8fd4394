"""``parvis tally``: JSON and explanations out, a clear message and exit code 2 on bad input; the
same through ``parvis tally`` (without Django) and ``manage.py tally`` (Django's command)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from parvis import cli
from parvis.budget import rules
from parvis.budget.rules import command
from tests.budget.conftest import Refused

# 4 voters, 25 each. MES: "a" (2 supporters pay 20 each, rho 1/2), then "c" (rho 1); "10" and
# "9" cost more than their one supporter holds; "b"'s supporter has 5 left after "a".
ELECTION = rules.Election.from_data(
    {"a": 40, "b": 50, "c": 20, "10": 30, "9": 30},
    100,
    [["a"], ["a", "b"], ["c"], ["10", "9"]],
)


@pytest.fixture
def pb_file(tmp_path):
    path = tmp_path / "small.pb"
    rules.pabulib.write(ELECTION, path)
    return path


def test_json_output(tally, pb_file):
    data = json.loads(tally(pb_file, "--rule", "mes", "--json"))
    assert data["selected"] == ["a", "c"]
    assert data["total_cost"] == 60
    assert data["budget"] == 100
    assert data["rule"] == "mes/cost"
    assert data["num_voters"] == 4


@pytest.mark.parametrize(
    ("args", "selected"),
    [
        (["--rule", "greedy"], ["a", "10", "9"]),  # by votes; ties: "10" < "9" < "b" < "c"
        (["--rule", "greedy", "--utility", "approval"], ["a", "c", "10"]),
        (["--rule", "greedy", "--utility", "approval", "--tie-break", "lottery", "--seed", "1"], None),
        (["--rule", "mes", "--completion", "add1-greedy"], None),
        (["--rule", "mes", "--completion", "add1", "--increment", "0.5", "--no-exhaustive-stop"], None),
        (["--rule", "phragmen"], ["a", "c", "10"]),
    ],
)
def test_rules_and_options(tally, pb_file, args, selected):
    data = json.loads(tally(pb_file, *args, "--json"))
    if selected is not None:
        assert data["selected"] == selected
    assert data["total_cost"] <= 100


def test_explain_says_why(tally, pb_file):
    text = tally(pb_file, "--rule", "mes", "--explain")
    assert (
        "a: cost 40, 2 votes; funded (#1, equal shares), rho = 0.5 per unit of utility, paid by 2 supporters"
        in text
    )
    assert "b: cost 50, 1 votes; not funded: its supporters could not afford it (they had 5 left)" in text
    text = tally(pb_file, "--rule", "greedy", "--explain")
    assert "budget_ran_out_at: 4" in text  # "b" no longer fits
    assert "c: cost 20, 1 votes; not funded: the budget ran out (rank 5)" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "borda"], "unknown rule 'borda'"),
        (["--rule", "mes", "--completion", "add2"], "unknown completion 'add2'"),
        (["--rule", "mj"], r"majority judgment needs grade \(scoring\) ballots"),
        (["--rule", "greedy", "--tie-break", "lottery"], "--tie-break lottery needs --seed"),
        (["--rule", "greedy", "--completion", "add1"], "do not apply to rule greedy"),
        (["--rule", "mes", "--completion", "add1", "--workers", "0"], "--workers must be 1 or more"),
        (["--rule", "greedy", "--workers", "2"], "option.s. workers do not apply to rule greedy"),
    ],
)
def test_bad_arguments_exit_with_code_2(tally, pb_file, args, message):
    with pytest.raises(Refused, match=message) as caught:
        tally(pb_file, *args)
    assert caught.value.code == 2


def test_malformed_file_exits_with_code_2(tally, tmp_path):
    bad = tmp_path / "bad.pb"
    bad.write_text(rules.pabulib.dumps(ELECTION).replace("\n4;10,9\n", "\n4;10,11\n"))
    with pytest.raises(Refused, match=r"line \d+: unknown project id '11'") as caught:
        tally(bad)
    assert caught.value.code == 2
    with pytest.raises(Refused, match="cannot read") as caught:
        tally(tmp_path / "missing.pb")
    assert caught.value.code == 2


def test_parvis_tally_counts_without_starting_django(pb_file):
    # a count needs no settings or database: Django's start would take longer than most counts
    script = (
        "import sys\n"
        "from parvis import cli\n"
        "try:\n"
        "    cli.main(sys.argv[1:])\n"
        "except SystemExit as e:\n"
        "    print('exit', e.code, 'django' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "tally", str(pb_file), "--rule", "mes", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr.strip() == "exit 0 False"
    assert json.loads(done.stdout)["selected"] == ["a", "c"]


def test_an_option_of_djangos_commands_goes_through_django(pb_file, monkeypatch, capsys):
    def refuse(argv):
        raise AssertionError("the bare command does not take --verbosity")

    monkeypatch.setattr(command, "main", refuse)
    cli.main(["tally", str(pb_file), "--rule", "mes", "--json", "--verbosity", "0"])
    assert json.loads(capsys.readouterr().out)["selected"] == ["a", "c"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: FILE.pb"),
        (["--workers", "two"], "invalid int value: 'two'"),
    ],
)
def test_a_malformed_command_line_exits_with_code_2(pb_file, capsys, args, message):
    with pytest.raises(SystemExit) as caught:
        command.main([*([str(pb_file)] if args else []), *args])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(
    shutil.which("parvis") is None and not (sys.prefix and shutil.which("parvis", path=f"{sys.prefix}/bin")),
    reason="parvis entry point not installed",
)
def test_console_command(pb_file):
    exe = shutil.which("parvis") or shutil.which("parvis", path=f"{sys.prefix}/bin")
    done = subprocess.run(
        [exe, "tally", str(pb_file), "--rule", "mes", "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"] == ["a", "c"]
    done = subprocess.run(
        [exe, "tally", str(pb_file), "--rule", "nope"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "unknown rule 'nope'" in done.stderr


@pytest.mark.skipif(
    shutil.which("parvis") is None and not (sys.prefix and shutil.which("parvis", path=f"{sys.prefix}/bin")),
    reason="parvis entry point not installed",
)
def test_console_command_counts_a_long_add1_search_in_two_processes():
    # Warsaw-Mokotow's Add1 runs long enough for a helper process: same outcome with one process
    path = Path(__file__).resolve().parents[2] / "../shared/data/pabulib/Poland_Warszawa_2020_Mokotow.pb"
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared pabulib data lives beside the repository")
    exe = shutil.which("parvis") or shutil.which("parvis", path=f"{sys.prefix}/bin")
    outputs = []
    for workers in ("1", "2"):
        done = subprocess.run(
            [
                exe,
                "tally",
                str(path),
                "--rule",
                "mes",
                "--completion",
                "add1",
                "--workers",
                workers,
                "--json",
            ],  # noqa: E501
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        outputs.append((data["selected"], data["details"]["add1_steps"], data["details"]["voter_budget"]))
    assert outputs[0] == outputs[1]


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path):
    # `parvis tally ... --explain | head`: more output than a pipe holds, and the reader leaves
    costs = {f"p{i}": 10 + i for i in range(3000)}
    path = tmp_path / "many.pb"
    rules.pabulib.write(rules.Election.from_data(costs, 1000, [set(costs)] * 3), path)
    script = "import sys\nfrom parvis import cli\ncli.main(sys.argv[1:])\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "tally", str(path), "--explain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b"rule: greedy")
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0
    assert proc.stderr.read() == b""


@pytest.mark.parametrize(("cpus", "workers"), [(1, 1), (2, 2), (8, 2)])
def test_an_add1_count_uses_two_processes_where_two_cpus_are_usable(pb_file, monkeypatch, cpus, workers):
    told = []

    def spy(election, rule, **options):
        told.append(options["workers"])
        return rules.tally(election, rule, **options)

    monkeypatch.setattr(command, "tally", spy)
    monkeypatch.setattr(command, "usable_cpus", lambda: cpus)
    assert command.main([str(pb_file), "--rule", "mes", "--completion", "add1", "--json"]) == 0
    assert command.main([str(pb_file), "--rule", "mes", "--completion", "add1", "--workers", "1"]) == 0
    assert command.main([str(pb_file), "--rule", "mes"]) == 0
    assert told == [workers, 1, None]
