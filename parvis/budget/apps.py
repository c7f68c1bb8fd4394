from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parvis.core.modules import ExportEntry, ModuleManifest, NavEntry


class BudgetConfig(AppConfig):
    name = "parvis.budget"
    label = "budget"
    verbose_name = _("Budget participatif")
    manifest = ModuleManifest(
        url_prefix="budget/",
        api_router="parvis.budget.api:router",
        navigation=NavEntry(_("Budget participatif"), "budget:index", order=20),
        description=_("Chaque année, décidez de l'usage d'une part du budget d'investissement."),
        home_card="parvis.budget.home:card",
        notification_kinds={
            "budget.comment": _("Commentaires sur mes projets du budget participatif"),
            "budget.feasible": _("Mes idées retenues pour le vote du budget participatif"),
            "budget.unfeasible": _("Mes idées non retenues au budget participatif"),
            "budget.merged": _("Fusion de mes idées du budget participatif"),
            "budget.split": _("Découpage de mes idées du budget participatif"),
            "budget.followup": _("Avancement des projets du budget participatif que je soutiens"),
        },
        personal_data_export="parvis.budget.personal_data:export",
        personal_data_anonymise="parvis.budget.personal_data:anonymise",
        exports=(
            ExportEntry(
                _("Résultats d'une enveloppe (format Pabulib)"), "budget:pabulib", ("pb",), per="envelope"
            ),
            ExportEntry(_("Inclusion par quartier"), "budget:inclusion", ("csv",), per="campaign"),
            ExportEntry(
                _("Carte des projets d'une campagne"), "budget:projects_geojson", ("geojson",), per="campaign"
            ),
        ),
        demo="parvis.budget.demo:load",
    )
