"""Projects become ``Located``: the point, the neighbourhood and the priority area stay where they are;
the district (from the neighbourhood's parent, the territory chosen, or the point), the address and the
place's accuracy are added; the ``territory`` column (a whole territory chosen without a point) is
folded into them and removed."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    from parvis.core.places import territory_finder

    Project = apps.get_model("budget", "Project")
    Territory = apps.get_model("core", "Territory")
    find = territory_finder(Territory)
    parents = dict(Territory.objects.filter(parent__isnull=False).values_list("id", "parent_id"))
    districts = set(Territory.objects.filter(level="district").values_list("id", flat=True))
    rows = list(Project.objects.select_related("territory"))
    for project in rows:
        whole = project.territory if project.lat is None else None
        if whole is not None:
            project.accuracy = "territory"
            if whole.level == "neighbourhood":
                project.neighbourhood_id = whole.pk
            elif whole.level == "priority":
                project.priority_area_id = whole.pk
        elif project.lat is not None:
            project.accuracy = "point"
        district = None
        if whole is not None and whole.level == "district":
            district = whole.pk
        for candidate in (project.neighbourhood_id, whole.pk if whole is not None else None):
            if district is None and parents.get(candidate) in districts:
                district = parents[candidate]
        if district is None and project.lat is not None:
            district = find(project.lat, project.lon).get("district")
        project.district_id = district
    Project.objects.bulk_update(
        rows, ["accuracy", "district", "neighbourhood", "priority_area"], batch_size=500
    )


def backwards(apps, schema_editor):
    Project = apps.get_model("budget", "Project")
    Project.objects.filter(lat__isnull=True, accuracy="territory").update(
        territory_id=Coalesce("priority_area_id", "neighbourhood_id", "district_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_notification_in_site"),
        ("budget", "0003_paper_grade_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
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
            model_name="project",
            name="address",
            field=models.CharField(blank=True, max_length=255, verbose_name="adresse"),
        ),
        migrations.AddField(
            model_name="project",
            name="district",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.territory",
                verbose_name="arrondissement",
            ),
        ),
        migrations.AlterField(
            model_name="project",
            name="lat",
            field=models.FloatField(blank=True, null=True, verbose_name="latitude"),
        ),
        migrations.AlterField(
            model_name="project",
            name="lon",
            field=models.FloatField(blank=True, null=True, verbose_name="longitude"),
        ),
        migrations.AlterField(
            model_name="project",
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
        migrations.RemoveField(model_name="project", name="territory"),
    ]
