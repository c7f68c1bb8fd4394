from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    name = "parvis.workshops"
    label = "workshops"
    verbose_name = _("Ateliers citoyens")

    def ready(self):
        from parvis.core import permissions

        from . import services

        # The citizen card is what makes an account a verified resident, for every module.
        permissions.register_level(permissions.Level.VERIFIED_RESIDENT, services.is_verified_resident)
