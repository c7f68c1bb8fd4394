import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests check behaviour, never timings: a property test is not failed because a busy machine was slow.
settings.register_profile("parvis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("parvis")

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("PARVIS_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_file(*parts: str) -> Path:
    """A file from ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data absent: {path} (see shared/README.md)")
    return path


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path, request):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PARVIS_RATE_LIMITS_ENABLED = "ratelimit" in request.keywords
    if settings.PARVIS_RATE_LIMITS_ENABLED:
        # Windows are fixed (they start on multiples of their length): a test whose requests
        # straddled a window's end would see its count start again. Time stands still in these tests.
        import time
        from types import SimpleNamespace

        from parvis.core import ratelimit

        now = time.time()
        monkeypatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))
    from django.core.cache import cache

    cache.clear()
    from parvis.core import territories

    territories._index = None


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Every test starts in the site's default language.

    LocaleMiddleware activates a request's language in the thread and nothing deactivates it: a test
    that browses in English would otherwise leave English active for the next test in that worker.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def paris(db):
    """The approximate demo districts of Paris (computed, no outside file)."""
    from parvis.core.demo_territories import load_demo_territories

    load_demo_territories()
    from parvis.core import territories

    territories.invalidate_index()
    return True


@pytest.fixture
def api_client(client):
    return client


@pytest.fixture(scope="session")
def _playwright_browser():
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server, settings):
    """A fresh browser page; ``page.base_url`` is the live server. Tiles are blocked (no network)."""
    context = _playwright_browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.route("https://**/*", lambda route: route.abort())
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()


@pytest.fixture
def extra_module(monkeypatch):
    """Install a module in the registry for one test: ``extra_module(ModuleManifest(...), label=...)``.

    For what is read on each call (notification kinds, personal data, moderation hooks, demo, home cards,
    navigation of already-mounted URLs). URLs and the API are built at import: tests/modules/ covers them
    with a settings module that installs a sample app (see tests/modules/test_registry.py).
    """
    from parvis.core import modules

    original = modules.installed

    def install(manifest, *, label="sample", only=False):
        module = modules.Module(label, f"tests.modules.{label}", manifest)
        monkeypatch.setattr(modules, "installed", lambda: [*([] if only else original()), module])
        return module

    return install
