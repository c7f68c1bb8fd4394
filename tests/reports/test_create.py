"""Creating a report: routing, validation, photos, duplicates, idempotent submission."""

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from PIL import Image

from parvis.core import territories
from parvis.core.models import Accuracy, Territory, TerritoryLevel
from parvis.reports import selectors, services
from parvis.reports.models import Follow, Report, ReportEvent, ReportPhoto, Status
from tests.factories import make_agent, make_service, make_user

from .factories import (
    BASTILLE,
    MONTMARTRE,
    OUTSIDE,
    REPUBLIQUE,
    district,
    make_category,
    make_question,
    make_report,
    make_rule,
    make_tree,
    photo_upload,
)

pytestmark = pytest.mark.django_db


def draft(category, point=REPUBLIQUE, **kw):
    kw.setdefault("description", "Un matelas sur le trottoir.")
    kw.setdefault("photo_alt", "Un matelas posé contre un arbre")
    return services.ReportDraft(category_code=category.code, lat=point[0], lon=point[1], **kw)


def test_create_routes_locates_and_follows(paris):
    cleanliness = make_service(code="proprete")
    _f, _k, leaf = make_tree(service=cleanliness)
    user = make_user()
    report, created = services.report_create(draft=draft(leaf), author=user)
    assert created
    assert report.service == cleanliness
    location = territories.locate(*REPUBLIQUE)
    assert report.district_id == location.district.id
    assert report.neighbourhood_id == location.neighbourhood.id
    assert report.status == Status.NEW
    assert report.confirmed_at is not None
    assert Follow.objects.filter(report=report, user=user).exists()
    assert ReportEvent.objects.filter(report=report, kind="created").count() == 1


def test_routing_prefers_priority_area_then_district_then_parent(paris):
    family, kind, leaf = make_tree(service=None)
    leaf.service = None
    leaf.save()
    default, by_district, by_priority, family_service = (make_service() for _ in range(4))
    make_rule(category=kind, service=default)
    make_rule(category=kind, service=by_district, territory=district("18"))
    qpv = Territory.objects.get(level=TerritoryLevel.PRIORITY, code="DEMO-QPV-02")
    make_rule(category=kind, service=by_priority, territory=qpv)
    make_rule(category=family, service=family_service)
    user = make_user()
    in_qpv, _ = services.report_create(draft=draft(leaf, point=(48.8855, 2.3535)), author=user)
    in_18, _ = services.report_create(draft=draft(leaf, point=MONTMARTRE), author=user)
    elsewhere, _ = services.report_create(draft=draft(leaf, point=BASTILLE), author=user)
    assert in_qpv.service == by_priority
    assert in_18.service == by_district
    assert elsewhere.service == default
    # A rule on the leaf itself beats everything on its parents.
    leaf_service = make_service()
    make_rule(category=leaf, service=leaf_service)
    again, _ = services.report_create(draft=draft(leaf, point=MONTMARTRE), author=user)
    assert again.service == leaf_service


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"point": OUTSIDE}, "en dehors de Paris"),
        ({"category_code": "inconnue"}, "Catégorie inconnue"),
        ({"description": "x" * 5_000_000}, "trop longue"),
        ({"point": ("abc", "2.3")}, "Coordonnées invalides"),
        ({"point": (None, None)}, "Indiquez où se trouve"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(paris, change, message):
    _f, _k, leaf = make_tree()
    point = change.pop("point", REPUBLIQUE)
    d = draft(leaf, point=point, **{k: v for k, v in change.items() if k != "category_code"})
    if "category_code" in change:
        d.category_code = change["category_code"]
    with pytest.raises(ValidationError) as exc:
        services.report_create(draft=d, author=make_user())
    assert message in " ".join(exc.value.messages)
    assert Report.objects.count() == 0


def test_parent_category_is_refused(paris):
    _family, kind, _leaf = make_tree()
    with pytest.raises(ValidationError, match="plus précise"):
        services.report_create(draft=draft(kind), author=make_user())
    assert Report.objects.count() == 0


def test_required_answer_and_choices(paris):
    _f, _k, leaf = make_tree()
    make_question(
        category=leaf,
        code="volume",
        kind="choice",
        required=True,
        choices=[["small", "Petit"], ["big", "Gros"]],
        label="Volume",
    )
    make_question(category=leaf, code="count", kind="number", label="Nombre")
    user = make_user()
    with pytest.raises(ValidationError, match="Répondez à la question « Volume »"):
        services.report_create(draft=draft(leaf), author=user)
    with pytest.raises(ValidationError, match="Choix inconnu"):
        services.report_create(draft=draft(leaf, answers={"volume": "huge"}), author=user)
    with pytest.raises(ValidationError, match="attend un nombre"):
        services.report_create(draft=draft(leaf, answers={"volume": "big", "count": "beaucoup"}), author=user)
    assert Report.objects.count() == 0
    report, _ = services.report_create(
        draft=draft(leaf, answers={"volume": "big", "count": "3"}), author=user
    )
    assert report.answers == {"volume": "big", "count": 3}


def test_html_is_stripped_from_description(paris):
    _f, _k, leaf = make_tree()
    report, _ = services.report_create(
        draft=draft(leaf, description="<script>alert(1)</script><b>Tag</b> sur le mur"), author=make_user()
    )
    assert "<" not in report.description
    assert "Tag" in report.description


def test_photos_are_reencoded_without_exif(paris):
    _f, _k, leaf = make_tree()
    report, _ = services.report_create(
        draft=draft(leaf, photos=[photo_upload(exif_gps=True), photo_upload(name="wide.jpg")]),
        author=make_user(),
    )
    photos = list(report.photos.all())
    assert len(photos) == 2
    with Image.open(photos[0].image.path) as img:
        assert not img.getexif()
        assert img.format == "JPEG"
    assert photos[0].thumbnail.name.endswith(".jpg")
    assert [(p.alt, p.position) for p in photos] == [
        ("Un matelas posé contre un arbre", 0),
        ("Un matelas posé contre un arbre", 1),
    ]
    assert photos[0].width > 0
    assert photos[0].height > 0


def test_photo_without_alternative_text_creates_nothing(paris):
    _f, _k, leaf = make_tree()
    with pytest.raises(ValidationError, match="texte alternatif"):
        services.report_create(draft=draft(leaf, photos=[photo_upload()], photo_alt="  "), author=make_user())
    with pytest.raises(ValidationError, match="200 caractères"):
        services.report_create(
            draft=draft(leaf, photos=[photo_upload()], photo_alt="x" * 201), author=make_user()
        )
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_source_photo_really_had_gps():
    with Image.open(io.BytesIO(photo_upload(exif_gps=True).read())) as img:
        assert img.getexif().get(0x8825)  # the test would prove nothing otherwise


def test_non_image_or_too_many_photos_creates_nothing(paris):
    _f, _k, leaf = make_tree()
    fake = SimpleUploadedFile("matelas.jpg", b"%PDF-1.4 not an image" * 10, content_type="image/jpeg")
    with pytest.raises(ValidationError, match="pas une image"):
        services.report_create(draft=draft(leaf, photos=[photo_upload(), fake]), author=make_user())
    with pytest.raises(ValidationError, match="Trois photos au plus"):
        services.report_create(
            draft=draft(leaf, photos=[photo_upload() for _ in range(4)]), author=make_user()
        )
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0


def test_client_token_makes_retries_idempotent(paris):
    _f, _k, leaf = make_tree()
    user = make_user()
    first, created = services.report_create(draft=draft(leaf, client_token="tok-123"), author=user)
    again, created_again = services.report_create(draft=draft(leaf, client_token="tok-123"), author=user)
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Report.objects.count() == 1


def test_client_token_is_a_database_constraint(paris):
    first = make_report(client_token="dup-token")
    clone = Report(
        category=first.category, lat=first.lat, lon=first.lon, author=first.author, client_token="dup-token"
    )
    with pytest.raises(IntegrityError):
        clone.save()


def test_anonymous_report_waits_for_email_confirmation(paris, client, django_capture_on_commit_callbacks):
    _f, _k, leaf = make_tree()
    with pytest.raises(ValidationError, match="adresse e-mail"):
        services.report_create(draft=draft(leaf))
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_create(draft=draft(leaf, email="Ines@Example.org"))
    assert report.confirmed_at is None
    assert report.author_email == "ines@example.org"
    assert not report.is_public
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/confirmer/" in line)
    response = client.get(link.replace("http://127.0.0.1:8000", ""))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.confirmed_at is not None
    assert client.get("/signalements/confirmer/forged/").status_code == 400


def test_address_without_map_uses_postcode_or_neighbourhood(paris):
    _f, _k, leaf = make_tree()
    user = make_user()
    report, _ = services.report_create(
        draft=services.ReportDraft(
            category_code=leaf.code, address="12 rue Oberkampf 75011", description="Tag"
        ),
        author=user,
    )
    assert report.district.code == "11"
    assert report.is_approximate
    assert report.address == "12 rue Oberkampf 75011"
    quartier = Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD, parent__code="18").first()
    report2, _ = services.report_create(
        draft=services.ReportDraft(
            category_code=leaf.code, address="devant l'école", territory_code=quartier.code
        ),
        author=user,
    )
    assert report2.district.code == "18"
    assert report2.neighbourhood == quartier
    assert report2.accuracy == Accuracy.TERRITORY
    with pytest.raises(ValidationError, match="Adresse introuvable"):
        services.report_create(
            draft=services.ReportDraft(category_code=leaf.code, address="quelque part"), author=user
        )
    assert Report.objects.count() == 2


def test_duplicates_same_category_within_radius_and_open(paris):
    _f, _k, leaf = make_tree()
    other = make_category(parent=leaf.parent)
    near = make_report(category=leaf, point=(48.86750, 2.36370))
    make_report(category=leaf, point=(48.86750 + 0.0009, 2.36370))  # ≈ 100 m north
    make_report(category=other, point=(48.86751, 2.36371))  # other category
    make_report(category=leaf, point=(48.86752, 2.36372), status=Status.DONE)
    make_report(category=leaf, point=(48.86753, 2.36373), confirmed=False)
    found = selectors.duplicates_near(category=leaf, lat=48.86760, lon=2.36380)
    assert [r.pk for r, _d in found] == [near.pk]
    assert 0 < found[0][1] < 20
    leaf.duplicate_radius_m = 150
    assert len(selectors.duplicates_near(category=leaf, lat=48.86760, lon=2.36380)) == 2


def test_duplicates_query_count(paris, django_assert_max_num_queries):
    _f, _k, leaf = make_tree()
    for i in range(5):
        make_report(category=leaf, point=(48.8675 + i * 0.00005, 2.3637))
    with django_assert_max_num_queries(1):
        assert len(selectors.duplicates_near(category=leaf, lat=48.8675, lon=2.3637)) == 5


def test_service_agents_are_told_of_a_new_report(paris, django_capture_on_commit_callbacks):
    from parvis.core.models import Notification

    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    other = make_agent(service=make_service())
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_create(draft=draft(leaf), author=make_user())
    notes = Notification.objects.filter(kind="reports.new")
    assert [n.recipient_id for n in notes] == [agent.pk]
    assert notes[0].url == f"/signalements/agents/{report.pk}/"
    assert not Notification.objects.filter(recipient=other).exists()


def test_agent_reports_on_behalf_of_a_resident(paris):
    service = make_service()
    _f, _k, leaf = make_tree(service=service)
    agent = make_agent(service=service)
    report, _ = services.report_create(draft=draft(leaf, email="voisin@example.org"), agent=agent)
    assert report.source == "agent"
    assert report.confirmed_at is not None
    assert report.author_email == "voisin@example.org"
