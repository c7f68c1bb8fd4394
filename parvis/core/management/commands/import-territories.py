from django.core.exceptions import ValidationError
from django.core.management import BaseCommand, CommandError

from parvis.core.territories import import_geojson


class Command(BaseCommand):
    help = "Importe des contours officiels (GeoJSON, WGS84). Réimporter le même fichier met à jour."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--level", required=True, choices=["district", "neighbourhood", "priority"])
        parser.add_argument("--code-field", required=True)
        parser.add_argument("--name-field", required=True)
        parser.add_argument("--parent-field")
        parser.add_argument("--population-field")

    def handle(self, *args, **o):
        try:
            result = import_geojson(
                o["file"],
                level=o["level"],
                code_field=o["code_field"],
                name_field=o["name_field"],
                parent_field=o["parent_field"],
                population_field=o["population_field"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created + result.updated} territoires ({o['level']}) : "
                f"{result.created} créés, {result.updated} mis à jour."
            )
        )
