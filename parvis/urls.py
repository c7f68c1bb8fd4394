from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from parvis.api import api
from parvis.core import modules


def build_urlpatterns(api) -> list:
    """The site's URLs: the core's, then each installed module's pages and extra mounts (manifests).

    Evaluated once at import, as Django does with every URLconf; a test that installs a module
    builds a fresh list with a fresh API (see tests/modules/).
    """
    patterns = [
        path("admin/", admin.site.urls),
        path("api/", api.urls),
        path("i18n/", include("django.conf.urls.i18n")),
        path("", include("parvis.core.urls")),
        *modules.urlpatterns(),
    ]
    if settings.PARVIS_SERVE_MEDIA:
        # Single-machine installs serve uploads from the app; a proxy or S3 serves them otherwise.
        patterns.append(re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}))
    return patterns


urlpatterns = build_urlpatterns(api)
