"""``manage.py tally FILE.pb --rule ...``: the tally command (``parvis.budget.rules.command``) as a
Django management command, for ``call_command`` and deployments that run ``manage.py``.

``parvis tally`` does not come here: it runs the command without starting Django (``parvis.cli``).
"""

from django.core.management.base import BaseCommand, CommandError

from parvis.budget.rules import command


class Command(BaseCommand):
    help = command.HELP

    def add_arguments(self, parser):
        command.add_arguments(parser)

    def handle(self, *args, **opts):
        try:
            command.run(opts, self.stdout.write)
        except command.UsageError as e:
            raise CommandError(str(e), returncode=2) from e
