from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parvis.core.modules import ExportEntry, ModuleManifest, NavEntry


class IdeasConfig(AppConfig):
    name = "parvis.ideas"
    label = "ideas"
    verbose_name = _("Idées")
    manifest = ModuleManifest(
        url_prefix="idees/",
        api_router="parvis.ideas.api:router",
        navigation=NavEntry(_("Idées"), "ideas:index", order=10),
        description=_("Consultations : proposez, discutez et soutenez des idées ; la ville répond."),
        home_card="parvis.ideas.home:card",
        notification_kinds={
            "ideas.answer": _("Réponses de la ville aux idées que je suis"),
            "ideas.comment": _("Commentaires sur les idées que je suis"),
            "ideas.threshold": _("Idées que je suis qui atteignent le seuil de soutiens"),
            "ideas.moderation": _("Publication de mes idées et commentaires (modération a priori)"),
        },
        personal_data_export="parvis.ideas.personal_data:export",
        personal_data_anonymise="parvis.ideas.personal_data:anonymise",
        # Hiding a comment from the core moderation queue keeps its idea's comment count right.
        moderation_hooks=("parvis.ideas.services:on_content_hidden",),
        exports=(
            ExportEntry(_("Idées d'une consultation"), "ideas:export", ("csv", "json"), per="consultation"),
            ExportEntry(
                _("Carte des idées d'une consultation"), "ideas:geojson", ("geojson",), per="consultation"
            ),
        ),
        demo="parvis.ideas.demo:load",
    )
