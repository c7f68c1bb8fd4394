from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from parvis.core.modules import ModuleManifest


class WorkshopsConfig(AppConfig):
    name = "parvis.workshops"
    label = "workshops"
    verbose_name = _("Ateliers citoyens")
    # The public card check lives at /api/cards; the workshops' own pages and API come with the events.
    manifest = ModuleManifest(
        api_router="parvis.workshops.api:cards_router",
        api_prefix="cards",
        personal_data_export="parvis.workshops.personal_data:export",
        personal_data_anonymise="parvis.workshops.personal_data:anonymise",
        demo="parvis.workshops.demo:load",
    )

    def ready(self):
        from parvis.core import permissions

        from . import services

        # The citizen card is what makes an account a verified resident, for every module.
        permissions.register_level(permissions.Level.VERIFIED_RESIDENT, services.is_verified_resident)
