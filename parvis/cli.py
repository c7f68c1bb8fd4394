"""The ``parvis`` console command: Django's manage with Parvis's settings preset.

``parvis tally`` is the exception: a count is a pure library call, so it runs without starting
Django (see ``parvis.budget.rules.command``), unless an option only Django's commands take is given.
"""

import os
import sys

#: Options every Django command takes and the bare tally command does not.
DJANGO_OPTIONS = (
    "--settings",
    "--pythonpath",
    "--verbosity",
    "-v",
    "--traceback",
    "--no-color",
    "--force-color",
)


#: Environment variables that fix the number of BLAS/OpenMP threads when read at numpy's import.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """One BLAS thread for the background worker, unless the environment says otherwise.

    The worker's numpy work (the opinion map) runs beside the web server: BLAS threads fighting for the
    same few cores made it 3-6 times slower than one thread (decision 0170). The variables only count
    before numpy is first imported, so this runs before Django starts.
    """
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    if args[:1] == ["tally"] and not any(arg.split("=")[0] in DJANGO_OPTIONS for arg in args):
        from parvis.budget.rules import command

        sys.exit(command.main(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    if args[:1] == ["demo"]:
        # The demo serves plain HTTP on 127.0.0.1: cookies cannot be HTTPS-only there.
        os.environ.setdefault("PARVIS_DEMO", "1")
    if args[:1] == ["worker"]:
        one_blas_thread()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parvis", *args])


if __name__ == "__main__":
    main()
