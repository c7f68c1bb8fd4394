import os
from pathlib import Path

import pytest

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
    from django.core.cache import cache

    cache.clear()
    from parvis.core import territories

    territories._index = None
    yield


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
