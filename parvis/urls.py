import importlib.util

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from parvis.api import api

# Each domain app mounts its pages under a French path when it has a urls.py.
APP_PREFIXES = {
    "ideas": "idees/",
    "budget": "budget/",
    "reports": "signalements/",
    "opendata": "donnees/",
    "workshops": "ateliers/",
    "jobs": "emploi/",
    "commitments": "engagements/",
}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("parvis.core.urls")),
]
for app, prefix in APP_PREFIXES.items():
    if importlib.util.find_spec(f"parvis.{app}") and importlib.util.find_spec(f"parvis.{app}.urls"):
        urlpatterns.append(path(prefix, include(f"parvis.{app}.urls")))
if importlib.util.find_spec("parvis.reports") and importlib.util.find_spec("parvis.reports.open311_urls"):
    urlpatterns.append(path("open311/v2/", include("parvis.reports.open311_urls")))

if settings.PARVIS_SERVE_MEDIA:
    # Single-machine installs serve uploads from the app; a proxy or S3 serves them otherwise.
    urlpatterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
