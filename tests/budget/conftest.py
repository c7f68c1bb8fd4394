"""Fixtures of the budget tests."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parvis.budget.rules import command


@pytest.fixture(autouse=True)
def _clear_vote_targets():
    from parvis.budget import selectors

    selectors.vote_targets_clear()
    yield
    selectors.vote_targets_clear()


class Refused(Exception):
    """The command refused: its message and exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@pytest.fixture(params=["parvis tally", "manage.py tally"])
def tally(request, capsys):
    """Run the command as ``parvis tally`` runs it (no Django) or as Django's management command."""

    def run(*args) -> str:
        args = [str(arg) for arg in args]
        if request.param == "manage.py tally":
            out = io.StringIO()
            try:
                call_command("tally", *args, stdout=out)
            except CommandError as e:
                raise Refused(str(e), e.returncode) from e
            return out.getvalue()
        capsys.readouterr()
        code = command.main(args)
        out, err = capsys.readouterr()
        if code:
            raise Refused(err, code)
        return out

    return run
