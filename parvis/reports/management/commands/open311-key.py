from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from parvis.reports.models import Open311Key
from parvis.reports.services import open311_key_create


class Command(BaseCommand):
    help = "Gère les clés de l'API Open311 : create NOM (affiche la clé une seule fois), list, revoke NOM."

    def add_arguments(self, parser):
        parser.add_argument("action", help="create, list ou revoke")
        parser.add_argument("name", nargs="?", default="", help="nom de l'application cliente")

    def handle(self, *args, action, name, **options):
        if action == "create":
            try:
                key, secret = open311_key_create(name=name)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=2)
            self.stdout.write(secret)
            self.stderr.write(f"Clé « {key.name} » créée ; elle ne sera plus affichée.")
        elif action == "list":
            for key in Open311Key.objects.order_by("name"):
                state = "révoquée" if key.revoked_at else "active"
                self.stdout.write(f"{key.name}\t{key.prefix}…\t{key.created_at:%Y-%m-%d}\t{state}")
        elif action == "revoke":
            updated = Open311Key.objects.filter(name=name, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            if not updated:
                raise CommandError(f"Aucune clé active nommée « {name} ».", returncode=2)
            self.stdout.write(f"Clé « {name} » révoquée.")
        else:
            raise CommandError(f"Action inconnue : « {action} » (create, list ou revoke).", returncode=2)
