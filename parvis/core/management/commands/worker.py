from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = "Exécute les tâches de fond (e-mails, calculs) : à lancer à côté du serveur web."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="Traiter la file puis s'arrêter.")
        parser.add_argument(
            "--queue", default="*", help="Files à traiter, séparées par des virgules (par défaut : toutes)."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1,
            help="Secondes d'attente quand la file est vide (par défaut : 1).",
        )

    def handle(self, *args, batch, queue, interval, **options):
        # Several workers may run side by side (one per machine): each one claims tasks with a row lock.
        call_command(
            "db_worker",
            batch=batch,
            queue_name=queue,
            interval=interval,
            reload=False,
            startup_delay=not batch,
            verbosity=options.get("verbosity", 1),
        )
