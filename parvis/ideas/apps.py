from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "parvis.ideas"
    label = "ideas"
    verbose_name = _("Idées")

    def ready(self):
        from parvis.core import accounts

        from . import personal_data

        accounts.EXPORTERS["ideas"] = personal_data.export
        accounts.ANONYMISERS["ideas"] = personal_data.anonymise
