from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from parvis.core.models import User
from parvis.core.tokens import token_create


class Command(BaseCommand):
    help = "Jetons d'API personnels : parvis token create EMAIL [--name NOM]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Crée un jeton et l'affiche (une seule fois).")
        create.add_argument("email")
        create.add_argument("--name", default="cli")

    def handle(self, *args, action, email, name, **options):
        user = User.objects.filter(email__iexact=email, deleted_at__isnull=True).first()
        if user is None:
            raise CommandError(f"Aucun compte avec l'adresse {email}.", returncode=2)
        try:
            _token, key = token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError(exc.messages[0], returncode=2)
        self.stdout.write(key)
