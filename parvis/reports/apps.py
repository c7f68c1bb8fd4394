from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "parvis.reports"
    label = "reports"
    verbose_name = _("Signalements")

    def ready(self):
        from parvis.core import notifications
        from parvis.core.accounts import ANONYMISERS, EXPORTERS

        from . import services

        EXPORTERS["reports"] = services.export_user
        ANONYMISERS["reports"] = services.anonymise_user
        register = getattr(notifications, "register_kind", None)
        if register is not None:
            register("reports.update", _("Suivi des signalements que je suis"))
            register("reports.new", _("Nouveaux signalements pour mon service (agents)"))
            register("reports.assigned", _("Signalements qui me sont confiés (agents)"))
            register(
                "reports.feedback", _("Retours des habitants sur les signalements de mon service (agents)")
            )
            register("reports.thanks", _("Remerciements des habitants (agents)"))
