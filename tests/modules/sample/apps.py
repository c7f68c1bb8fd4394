"""A module that exists only for the tests: declared once, here, and installed by adding it to
INSTALLED_APPS (tests/modules/settings.py, or ``PARVIS_MODULES=tests.modules.sample``)."""

from django.apps import AppConfig

from parvis.core.modules import HomeCard, LiveItem, ModuleManifest, NavEntry, UrlMount


def home_card(request) -> HomeCard:
    return HomeCard(items=(LiveItem(title="Atelier d'essai", url="/exemple/", action="S'inscrire", rank=5),))


class SampleConfig(AppConfig):
    name = "tests.modules.sample"
    label = "sample"
    verbose_name = "Exemple"
    manifest = ModuleManifest(
        url_prefix="exemple/",
        api_router="tests.modules.sample.api:router",
        extra_urls=(UrlMount("exemple-v2/", "tests.modules.sample.v2_urls"),),
        navigation=NavEntry("Module d'exemple", "sample:index", order=15),
        description="Un module déclaré par son seul AppConfig.",
        home_card="tests.modules.sample.apps:home_card",
        notification_kinds={"sample.news": "Nouvelles du module d'exemple"},
    )
