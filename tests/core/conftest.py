"""Core test helpers: a concrete ``Moderated`` model (the core has none of its own) and GeoJSON files."""

import json

import pytest
from django.db import connection, models

from parvis.core.models import Moderated


class Contribution(Moderated):
    """Stands for any module's contribution: flagged, hidden, listed in the moderation queue."""

    text = models.CharField(max_length=200)

    class Meta:
        app_label = "core"
        db_table = "test_core_contribution"

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return f"/?contribution={self.pk}"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        if Contribution._meta.db_table not in connection.introspection.table_names():
            with connection.schema_editor() as editor:
                editor.create_model(Contribution)
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        ContentType.objects.get_for_model(Contribution)  # committed once, like a migrated model's


@pytest.fixture(autouse=True)
def _fresh_content_type_cache():
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def contribution(db):
    return Contribution.objects.create(text="Un banc cassé rue de Rivoli")


@pytest.fixture
def write_geojson(tmp_path):
    def write(data, name="file.geojson"):
        path = tmp_path / name
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
        return path

    return write
