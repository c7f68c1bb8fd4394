"""Ideas become ``Located``: the point, the district and the priority area stay where they are; the
neighbourhood, the address and the place's accuracy are added; the ``territory`` column is folded into
them (a whole territory chosen without a point, or the neighbourhood around the point) and removed."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    from parvis.core.places import territory_finder

    Idea = apps.get_model("ideas", "Idea")
    Territory = apps.get_model("core", "Territory")
    find = territory_finder(Territory)
    located = list(
        Idea.objects.filter(lat__isnull=False).only("pk", "lat", "lon", "district", "priority_area")
    )
    for idea in located:
        found = find(idea.lat, idea.lon)
        idea.accuracy = "point"
        idea.neighbourhood_id = found.get("neighbourhood")
        idea.district_id = idea.district_id or found.get("district")
        idea.priority_area_id = idea.priority_area_id or found.get("priority")
    Idea.objects.bulk_update(
        located, ["accuracy", "neighbourhood", "district", "priority_area"], batch_size=500
    )
    whole = Idea.objects.filter(lat__isnull=True, territory__isnull=False)
    whole.filter(territory__level="neighbourhood").update(neighbourhood_id=F("territory_id"))
    whole.filter(territory__level="priority").update(priority_area_id=F("territory_id"))
    whole.filter(territory__level="district").update(district_id=F("territory_id"))
    whole.update(accuracy="territory")


#: SQLite rebuilds the table to add or drop a foreign key, which drops its triggers: the full-text
#: search triggers of migration 0002 are put back after each rebuild (the FTS rows keep their rowids).
SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS ideas_idea_fts_ai",
    "DROP TRIGGER IF EXISTS ideas_idea_fts_ad",
    "DROP TRIGGER IF EXISTS ideas_idea_fts_au",
    "CREATE TRIGGER ideas_idea_fts_ai AFTER INSERT ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER ideas_idea_fts_ad AFTER DELETE ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(ideas_idea_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER ideas_idea_fts_au AFTER UPDATE OF search_text ON ideas_idea BEGIN "
    "INSERT INTO ideas_idea_fts(ideas_idea_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO ideas_idea_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def search_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    Idea = apps.get_model("ideas", "Idea")
    Idea.objects.filter(lat__isnull=False).update(territory_id=Coalesce("neighbourhood_id", "district_id"))
    Idea.objects.filter(lat__isnull=True, accuracy="territory").update(
        territory_id=Coalesce("priority_area_id", "neighbourhood_id", "district_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification_in_site"),
        ("ideas", "0005_threshold_constraint"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, search_triggers),
        migrations.AddField(
            model_name="idea",
            name="accuracy",
            field=models.CharField(
                choices=[
                    ("none", "Sans lieu"),
                    ("point", "Point précis"),
                    ("address", "Point approché d'après l'adresse"),
                    ("territory", "Tout un territoire"),
                ],
                default="none",
                max_length=16,
                verbose_name="précision du lieu",
            ),
        ),
        migrations.AddField(
            model_name="idea",
            name="address",
            field=models.CharField(blank=True, max_length=255, verbose_name="adresse"),
        ),
        migrations.AddField(
            model_name="idea",
            name="neighbourhood",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.territory",
                verbose_name="quartier",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="idea", name="territory"),
        migrations.RunPython(search_triggers, migrations.RunPython.noop),
    ]
