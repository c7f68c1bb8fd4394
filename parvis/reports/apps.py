from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "parvis.reports"
    label = "reports"
    verbose_name = _("Signalements")

    def ready(self):
        from parvis.core.accounts import ANONYMISERS, EXPORTERS

        from . import services

        EXPORTERS["reports"] = services.export_user
        ANONYMISERS["reports"] = services.anonymise_user
