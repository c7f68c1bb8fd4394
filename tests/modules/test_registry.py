"""A module is added by creating its app and installing it: no core file changes.

``tests.modules.sample`` declares itself on its ``AppConfig`` only. Two ways of checking that it appears
everywhere, because the URLconf and the ``NinjaAPI`` are built once, when ``parvis.urls`` is imported:

- a subprocess started with ``tests.modules.settings`` (or ``PARVIS_MODULES``) imports the real
  ``parvis.urls``/``parvis.api`` with the module installed, as a server would (no database needed);
- in this process, ``installed_sample`` installs the app through pytest-django's ``settings`` (Django
  rebuilds its app registry and template caches) and points ``ROOT_URLCONF`` at a URLconf built again
  by the same functions (``parvis.urls.build_urlpatterns``, ``parvis.api.mount_routers``), so pages,
  API, navigation and preferences can be exercised with the test client and the database.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.urls import reverse
from ninja import NinjaAPI

from parvis.core import modules
from tests.factories import make_user

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.urls import Resolver404, NoReverseMatch, resolve, reverse
from parvis.api import api
from parvis.core import modules, notifications
try:
    page, extra = reverse("sample:index"), resolve("/exemple-v2/services.json").url_name
except (NoReverseMatch, Resolver404):
    page = extra = None
print(json.dumps({
    "modules": [m.label for m in modules.installed()],
    "page": page,
    "extra": extra,
    "api": sorted(p for p in api.get_openapi_schema()["paths"] if "sample" in p),
    "navigation": [link.label for link in modules.navigation()],
    "kinds": sorted(notifications.notification_kinds()),
}))
"""


def probe(**env) -> dict:
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PARVIS_TESTING": "1", **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_SETTINGS_MODULE": "tests.modules.settings"},
        {"DJANGO_SETTINGS_MODULE": "parvis.settings", "PARVIS_MODULES": "tests.modules.sample"},
    ],
    ids=["test-settings", "PARVIS_MODULES"],
)
def test_an_installed_module_is_mounted_when_the_site_starts(env):
    seen = probe(**env)
    assert seen["modules"] == ["ideas", "budget", "reports", "workshops", "sample"]
    assert seen["page"] == "/exemple/"
    assert seen["extra"] == "sample_v2_services"
    assert seen["api"] == ["/api/sample/ping"]
    assert seen["navigation"] == ["Idées", "Module d'exemple", "Budget participatif", "Signalements"]
    assert "sample.news" in seen["kinds"]


def test_the_default_installation_has_the_built_in_modules():
    seen = probe(DJANGO_SETTINGS_MODULE="parvis.settings", PARVIS_MODULES="")
    assert seen["modules"] == ["ideas", "budget", "reports", "workshops"]
    assert seen["page"] is None
    assert seen["api"] == []
    assert "sample.news" not in seen["kinds"]


@pytest.fixture
def installed_sample(settings):
    """The sample module installed in this process, with a URLconf and an API built again for it."""
    from parvis.api import api, mount_routers
    from parvis.urls import build_urlpatterns

    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "tests.modules.sample"]
    fresh = NinjaAPI(urls_namespace="api", docs_url="/docs", openapi_url="/openapi.json")
    fresh._exception_handlers = api._exception_handlers
    urlconf = ModuleType("registry_test_urls")
    urlconf.urlpatterns = build_urlpatterns(mount_routers(fresh))
    settings.ROOT_URLCONF = urlconf
    return urlconf


@pytest.mark.django_db
def test_sample_module_pages_api_navigation_and_preferences(client, installed_sample):
    assert [m.label for m in modules.installed()][-1] == "sample"
    page = client.get("/exemple/").content.decode()
    assert '<a href="/exemple/" aria-current="page">Module d&#x27;exemple</a>' in page
    assert client.get("/exemple-v2/services.json").json() == [{"service_code": "exemple"}]
    assert client.get("/api/sample/ping").json() == {"pong": True}
    assert "/api/sample/ping" in client.get("/api/openapi.json").json()["paths"]
    home = client.get("/").content.decode()
    assert "Un module déclaré par son seul AppConfig." in home
    client.force_login(make_user())
    preferences = client.get("/compte/notifications/preferences/").content.decode()
    assert "Nouvelles du module d&#x27;exemple" in preferences
    assert 'name="email:sample.news"' in preferences
    # The modules already there keep their paths.
    assert reverse("ideas:index") == "/idees/"
    assert client.get("/open311/v2/services.json").status_code == 200


@pytest.mark.django_db
def test_without_the_module_nothing_of_it_shows(client):
    assert "sample" not in [m.label for m in modules.installed()]
    assert client.get("/exemple/").status_code == 404
    assert "/api/sample/ping" not in client.get("/api/openapi.json").json()["paths"]
    assert "Module d&#x27;exemple" not in client.get("/").content.decode()
