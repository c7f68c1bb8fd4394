"""Existing rows move to the ``Located`` shape and to core's photo base without loss (ideas, budget
projects, reports, their photos).

A database filled by the demo loaders is taken back to the migrations before ``Located``, where a few
rows only the old code could write are added (a project placed on a whole territory, an idea on a
neighbourhood, an approximate report), then migrated forward again: counts, places and those rows are
checked at each step.
"""

import io
import os

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from PIL import Image

from parvis.budget import demo as budget_demo
from parvis.budget.models import Project, ProjectPhoto
from parvis.core import demo as core_demo
from parvis.core.models import Accuracy, Territory, TerritoryLevel
from parvis.ideas import demo as ideas_demo
from parvis.ideas.models import Idea, IdeaPhoto
from parvis.reports import demo as reports_demo
from parvis.reports.models import Report

BEFORE_LOCATED = [
    ("ideas", "0005_threshold_constraint"),
    ("budget", "0003_paper_grade_counts"),
    ("reports", "0005_open311_and_map_status_indexes"),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _jpeg(name):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "JPEG")
    return ContentFile(buf.getvalue(), name=name)


def moved_project_photos(project_id):
    return list(ProjectPhoto.objects.filter(project_id=project_id))


def _places(model):
    return {
        row.pk: (row.lat, row.lon, row.accuracy, row.district_id, row.neighbourhood_id, row.priority_area_id)
        for row in model.objects.all()
    }


@pytest.mark.skipif(
    "postgres" in os.environ.get("DATABASE_URL", ""),
    reason="KNOWN BUG, open in issue 16: on PostgreSQL the Located data migrations fail with 'cannot ALTER "
    "TABLE ideas_idea because it has pending trigger events' (rows updated and the table altered in one "
    "transaction); run here it leaves the schema half-migrated for the tests after it",
)
@pytest.mark.django_db(transaction=True)
def test_demo_database_migrates_to_located_without_loss():
    core_demo.load()
    out = io.StringIO()
    for demo in (ideas_demo, budget_demo, reports_demo):
        demo.load(out)
    before = {model: _places(model) for model in (Idea, Project, Report)}
    shown = {idea.pk: getattr(idea.territory, "pk", None) for idea in Idea.objects.all()}
    assert all(before.values()), "the demo fills every module"
    try:
        old = _migrate(BEFORE_LOCATED)
        OldIdea, OldProject, OldReport = (
            old.get_model("ideas", "Idea"),
            old.get_model("budget", "Project"),
            old.get_model("reports", "Report"),
        )
        assert OldIdea.objects.count() == len(before[Idea])
        assert OldProject.objects.count() == len(before[Project])
        assert OldReport.objects.count() == len(before[Report])
        # The old columns hold what the new ones said.
        for idea in OldIdea.objects.all():
            assert idea.territory_id == shown[idea.pk]
        assert (
            not OldReport.objects.filter(location_approximate=True)
            .exclude(pk__in=[pk for pk, row in before[Report].items() if row[2] != Accuracy.POINT])
            .exists()
        )

        # Rows only the old code wrote: a whole territory without a point, an approximate report.
        eleventh = Territory.objects.get(level=TerritoryLevel.DISTRICT, code="11")
        quarter = Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD, parent=eleventh).first()
        priority = Territory.objects.filter(level=TerritoryLevel.PRIORITY).first()
        whole_district = OldProject.objects.order_by("pk").first()
        whole_district.pk = None
        whole_district.lat = whole_district.lon = None
        whole_district.neighbourhood_id = whole_district.priority_area_id = None
        whole_district.territory_id = eleventh.pk
        whole_district.save()
        whole_quarter = OldProject.objects.order_by("pk").first()
        whole_quarter.pk = None
        whole_quarter.lat = whole_quarter.lon = None
        whole_quarter.territory_id = whole_quarter.neighbourhood_id = quarter.pk
        whole_quarter.priority_area_id = None
        whole_quarter.save()
        idea = OldIdea.objects.order_by("pk").first()
        idea.pk = None
        idea.lat = idea.lon = None
        idea.territory_id, idea.district_id, idea.priority_area_id = priority.pk, None, None
        idea.save()
        report = OldReport.objects.order_by("pk").first()
        report.pk = None
        report.client_token = None
        report.location_approximate = True
        report.save()
        # Photos as the old models stored them: ideas' ``alt_text``, projects' without their size.
        OldIdeaPhoto = old.get_model("ideas", "IdeaPhoto")
        OldProjectPhoto = old.get_model("budget", "ProjectPhoto")
        idea_photo = OldIdeaPhoto.objects.create(
            idea_id=idea.pk,
            image=_jpeg("a.jpg"),
            thumbnail=_jpeg("a-t.jpg"),
            width=40,
            height=30,
            alt_text="Un banc",
        )
        project_photos = [
            OldProjectPhoto.objects.create(
                project_id=whole_district.pk,
                image=_jpeg(f"p{n}.jpg"),
                thumbnail=_jpeg(f"p{n}-t.jpg"),
                alt=alt,
            )
            for n, alt in enumerate(["Le verger", ""])
        ]
    finally:
        _migrate(_leaves())

    after = {model: _places(model) for model in (Idea, Project, Report)}
    for model in (Idea, Project, Report):
        assert len(after[model]) == len(before[model]) + (2 if model is Project else 1)
        assert {pk: after[model][pk] for pk in before[model]} == before[model], model.__name__
    assert {
        idea.pk: getattr(idea.territory, "pk", None) for idea in Idea.objects.filter(pk__in=shown)
    } == shown

    moved = Project.objects.get(pk=whole_district.pk)
    assert (moved.lat, moved.accuracy, moved.district, moved.territory) == (
        None,
        Accuracy.TERRITORY,
        eleventh,
        eleventh,
    )
    moved = Project.objects.get(pk=whole_quarter.pk)
    assert (moved.accuracy, moved.neighbourhood, moved.district, moved.territory) == (
        Accuracy.TERRITORY,
        quarter,
        eleventh,
        quarter,
    )
    moved = Idea.objects.get(pk=idea.pk)
    assert (moved.accuracy, moved.priority_area, moved.territory) == (Accuracy.TERRITORY, priority, priority)
    moved = Report.objects.get(pk=report.pk)
    assert moved.accuracy == Accuracy.TERRITORY
    assert moved.is_approximate
    photo = IdeaPhoto.objects.get(pk=idea_photo.pk)
    assert (photo.alt, photo.width, photo.height, photo.position) == ("Un banc", 40, 30, 0)
    assert [(p.alt, p.width, p.height, p.position) for p in moved_project_photos(whole_district.pk)] == [
        ("Le verger", 40, 30, 0),
        ("", 40, 30, 1),
    ]
    assert [p.pk for p in moved_project_photos(whole_district.pk)] == [p.pk for p in project_photos]
    # Every project with a point or a neighbourhood now knows its district (budget had none).
    assert not Project.objects.filter(lat__isnull=False, district__isnull=True).exists()
