"""Reports become ``Located``: every column keeps its name (and the map's covering indexes their
columns); ``location_approximate`` becomes the place's accuracy. The new column's default is the common
case (a point placed on the map), so that only the few approximate rows are rewritten."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    # Approximate points were, until now, always a territory's representative point.
    Report.objects.filter(location_approximate=True).update(accuracy="territory")


def backwards(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Report.objects.filter(accuracy__in=["territory", "address"]).update(location_approximate=True)


def territory_field(verbose_name):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.SET_NULL,
        related_name="+",
        to="core.territory",
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification_in_site"),
        ("reports", "0005_open311_and_map_status_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="accuracy",
            field=models.CharField(
                choices=[
                    ("none", "Sans lieu"),
                    ("point", "Point précis"),
                    ("address", "Point approché d'après l'adresse"),
                    ("territory", "Tout un territoire"),
                ],
                default="point",
                max_length=16,
                verbose_name="précision du lieu",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="report", name="location_approximate"),
        migrations.AlterField(model_name="report", name="district", field=territory_field("arrondissement")),
        migrations.AlterField(model_name="report", name="neighbourhood", field=territory_field("quartier")),
        migrations.AlterField(
            model_name="report", name="priority_area", field=territory_field("quartier prioritaire")
        ),
    ]
