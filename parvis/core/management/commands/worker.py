from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Exécute les tâches de fond (e-mails, calculs) : à lancer à côté du serveur web."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Traiter la file puis s'arrêter.")

    def handle(self, *args, batch, **options):
        call_command("db_worker", batch=batch)
