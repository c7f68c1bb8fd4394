"""The ``parvis`` console command: Django's manage with Parvis's settings preset."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(argv if argv is not None else sys.argv[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parvis.settings")
    if args[:1] == ["demo"]:
        # The demo serves plain HTTP on 127.0.0.1: cookies cannot be HTTPS-only there.
        os.environ.setdefault("PARVIS_DEMO", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["parvis", *args])


if __name__ == "__main__":
    main()
