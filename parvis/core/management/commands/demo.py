from django.conf import settings
from django.core.management import BaseCommand, call_command

from parvis.core import demo as core_demo
from parvis.core import modules


class Command(BaseCommand):
    help = "Crée ou met à jour la base, charge les données de démonstration une fois, puis sert le site."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="S'arrêter après le chargement.")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, port, no_serve, workers, **options):
        self.stdout.write(f"Parvis home: {settings.PARVIS_HOME}")
        settings.PARVIS_HOME.mkdir(parents=True, exist_ok=True)
        marker = settings.PARVIS_HOME / "demo-installation"
        if not marker.exists():
            # `parvis serve` on this home then keeps plain HTTP on 127.0.0.1 (see settings.PARVIS_IS_DEMO).
            marker.write_text("Made by `parvis demo`: served over plain HTTP, demo accounts.\n")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Base de données à jour.")
        core_demo.load(self.stdout)
        for label, load in modules.demo_loaders():  # each module's manifest, in INSTALLED_APPS order
            load(self.stdout)
            self.stdout.write(f"Démo chargée : {label}")
        self.stdout.write(self.style.SUCCESS("\nComptes de démonstration :"))
        for email, password, role in core_demo.describe():
            self.stdout.write(f"  {role:<28} {email:<40} mot de passe : {password}")
        if no_serve:
            return
        call_command("serve", port=port, workers=workers)
