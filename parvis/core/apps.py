from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parvis.core"
    label = "core"
    verbose_name = _("Socle")

    def ready(self):
        from . import charter, permissions

        # Every module's contributions pass the charter: registered once, here, for all of them.
        permissions.register_contribution_check(charter.contribution_check)
