"""Factories for the reports module."""

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from parvis.core.models import Service, Territory, TerritoryLevel
from parvis.reports import services
from parvis.reports.models import Campaign, Category, Question, Report, RoutingRule, Status
from tests.factories import make_service, make_user

_seq = itertools.count(1)

# Points inside the demo Paris districts.
REPUBLIQUE = (48.8675, 2.3637)  # 3rd/10th/11th
BASTILLE = (48.8532, 2.3692)
MONTMARTRE = (48.8867, 2.3431)  # 18th
OUTSIDE = (48.90, 2.60)  # east of the city, outside


def make_category(
    *, code=None, name=None, parent=None, service=None, radius=50, target_hours=72, **extra
) -> Category:
    n = next(_seq)
    return Category.objects.create(
        code=code or f"cat-{n}",
        name=name or f"Catégorie {n}",
        parent=parent,
        service=service,
        duplicate_radius_m=radius,
        target_hours=target_hours,
        **extra,
    )


def make_tree(service: Service | None = None):
    """Propreté → Déchets → Sacs de déchets (leaf)."""
    family = make_category(name="Propreté")
    kind = make_category(name="Déchets", parent=family)
    leaf = make_category(name="Sacs de déchets", parent=kind, service=service or make_service())
    return family, kind, leaf


def make_question(
    *, category=None, campaign=None, code=None, kind="text", required=False, choices=None, label=None
) -> Question:
    n = next(_seq)
    return Question.objects.create(
        category=category,
        campaign=campaign,
        code=code or f"q{n}",
        label=label or f"Question {n}",
        kind=kind,
        required=required,
        choices=choices or [],
    )


def make_rule(*, category, service, territory=None) -> RoutingRule:
    return RoutingRule.objects.create(category=category, service=service, territory=territory)


def district(code: str) -> Territory:
    return Territory.objects.get(level=TerritoryLevel.DISTRICT, code=code)


def jpeg_bytes(*, exif_gps=False, size=(64, 48), color=(200, 40, 40)) -> bytes:
    img = Image.new("RGB", size, color)
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps = {1: "N", 2: (48.0, 52.0, 1.0), 3: "E", 4: (2.0, 21.0, 0.5)}
        exif[0x8825] = gps
        img.save(out, format="JPEG", exif=exif)
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def photo_upload(name="photo.jpg", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")


def make_report(
    *, category=None, author=None, point=REPUBLIQUE, status=None, confirmed=True, **draft_kw
) -> Report:
    category = category or make_tree()[2]
    author = author or make_user()
    report, _created = services.report_create(
        draft=services.ReportDraft(
            category_code=category.code,
            lat=point[0],
            lon=point[1],
            description=draft_kw.pop("description", "Un sac abandonné."),
            **draft_kw,
        ),
        author=author,
    )
    if status and status != Status.NEW:
        Report.objects.filter(pk=report.pk).update(
            status=status,
            closed_at=timezone.now() if status in ("done", "rejected", "archived") else None,
            public_reason="motif" if status == "rejected" else "",
            planned_for=timezone.localdate() if status == "scheduled" else None,
        )
        report.refresh_from_db()
    if not confirmed:
        Report.objects.filter(pk=report.pk).update(confirmed_at=None)
        report.refresh_from_db()
    return report


def make_campaign(
    *, kind=Campaign.Kind.CODESIGN, category=None, perimeter=None, open_=True, **kw
) -> Campaign:
    n = next(_seq)
    now = timezone.now()
    if kind == Campaign.Kind.INFORMATION and category is None:
        category = make_tree()[2]
    return Campaign.objects.create(
        kind=kind,
        slug=kw.pop("slug", f"campagne-{n}"),
        title=kw.pop("title", f"Campagne {n}"),
        description="Description",
        starts_at=now - timezone.timedelta(days=10),
        ends_at=now + timezone.timedelta(days=30 if open_ else -1),
        perimeter=perimeter,
        category=category,
        published=kw.pop("published", True),
        **kw,
    )


__all__ = ["make_service", "make_user"]
