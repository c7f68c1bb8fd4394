from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parvis.core.modules import ExportEntry, ModuleManifest, NavEntry, UrlMount


class ReportsConfig(AppConfig):
    name = "parvis.reports"
    label = "reports"
    verbose_name = _("Signalements")
    manifest = ModuleManifest(
        url_prefix="signalements/",
        api_router="parvis.reports.api:router",
        extra_urls=(UrlMount("open311/v2/", "parvis.reports.open311_urls"),),
        navigation=NavEntry(_("Signalements"), "reports:index", order=30),
        description=_("Un objet abandonné, un lampadaire éteint ? Signalez-le, suivez sa résolution."),
        home_card="parvis.reports.home:card",
        notification_kinds={
            "reports.update": _("Suivi des signalements que je suis"),
            "reports.new": _("Nouveaux signalements pour mon service (agents)"),
            "reports.assigned": _("Signalements qui me sont confiés (agents)"),
            "reports.feedback": _("Retours des habitants sur les signalements de mon service (agents)"),
            "reports.thanks": _("Remerciements des habitants (agents)"),
        },
        personal_data_export="parvis.reports.services:export_user",
        personal_data_anonymise="parvis.reports.services:anonymise_user",
        exports=(
            ExportEntry(_("Signalements publics"), "reports:export", ("csv", "geojson")),
            ExportEntry(
                _("Contributions d'une campagne"),
                "reports:campaign_export",
                ("csv", "geojson"),
                per="campaign",
            ),
        ),
        demo="parvis.reports.demo:load",
    )
