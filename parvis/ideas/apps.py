from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "parvis.ideas"
    label = "ideas"
    verbose_name = _("Idées")

    def ready(self):
        from parvis.core import accounts, moderation

        from . import personal_data, services

        accounts.EXPORTERS["ideas"] = personal_data.export
        accounts.ANONYMISERS["ideas"] = personal_data.anonymise
        # Hiding a comment from the core moderation queue keeps its idea's comment count right.
        moderation.register_moderation_hook(services.on_content_hidden)
