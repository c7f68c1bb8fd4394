"""``parvis workshops draw-panel PEOPLE.csv FEATURES.csv --size N --seed S [--method …] [--json]``.

The same CSV layouts as the ``sortition-algorithms`` command line, so a panel drawn here can be re-drawn
there (and the reverse) from the published seed.
"""

import json
import secrets

from django.core.management.base import BaseCommand, CommandError

from parvis.workshops import panels


def _read(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return f.read()
    except OSError as error:
        raise CommandError(f"{what} : {path} illisible ({error.strerror}).")
    except UnicodeDecodeError:
        raise CommandError(f"{what} : {path} n'est pas un fichier texte UTF-8.")


class Command(BaseCommand):
    help = "Ateliers : tirer au sort un panel parmi des volontaires, par quotas (sortition-algorithms)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        draw = sub.add_parser("draw-panel", help="Tirer au sort un panel stratifié par quotas")
        draw.add_argument(
            "people", metavar="PEOPLE.csv", help="une ligne par volontaire : id + caractéristiques"
        )
        draw.add_argument("features", metavar="FEATURES.csv", help="feature, value, min, max")
        draw.add_argument("--size", type=int, required=True, help="nombre de personnes à tirer")
        draw.add_argument(
            "--seed", type=int, default=None, help="graine publiée (par défaut : tirée au hasard)"
        )
        draw.add_argument("--method", default="maximin", help="maximin | nash | legacy (défaut : maximin)")
        draw.add_argument("--id-column", default="id", help="colonne de l'identifiant (défaut : id)")
        draw.add_argument(
            "--estimate-runs",
            type=int,
            default=panels.LEGACY_ESTIMATE_RUNS,
            help="legacy : tirages répétés pour estimer les probabilités (défaut : %(default)s)",
        )
        draw.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(10**9) + 1
        try:
            quotas = panels.read_quotas(_read(options["features"], "Quotas"))
            people = panels.read_people(_read(options["people"], "Volontaires"), quotas, options["id_column"])
            if options["estimate_runs"] < 0:
                raise panels.PanelError("--estimate-runs doit être positif ou nul.")
            panel = panels.draw(
                people,
                quotas,
                options["size"],
                seed=seed,
                method=options["method"],
                estimate_runs=options["estimate_runs"],
            )
        except panels.PanelError as error:
            raise CommandError(str(error))
        if options["json"]:
            self.stdout.write(json.dumps(panel.as_json(), ensure_ascii=False))
            return
        self.stdout.write(f"Panel de {len(panel.selected)} personnes parmi {len(people)} volontaires")
        self.stdout.write(f"Méthode : {panel.method} ; graine : {panel.seed}")
        kind = f"estimée sur {panel.runs} tirages" if panel.estimated else "exacte"
        self.stdout.write(f"Plus faible probabilité de sélection ({kind}) : {panel.lowest_probability:.4f}")
        self.stdout.write("Quotas (min ≤ tirés ≤ max) :")
        for q in panel.quotas:
            self.stdout.write(
                f"  {q.feature} = {q.value} : {q.min} ≤ {panel.counts.get((q.feature, q.value), 0)} ≤ {q.max}"
            )
        self.stdout.write("Personnes tirées :")
        for pid in panel.selected:
            self.stdout.write(f"  {pid}")
        self.stdout.write(
            f"Pour vérifier : parvis workshops draw-panel {options['people']} {options['features']} "
            f"--size {options['size']} --seed {panel.seed} --method {panel.method}"
        )
