"""The idea form: up to four photos, each with its description used as the image's alternative text;
editing an idea's place (map point or territory) and photos while the permissions allow it."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from parvis.budget import services
from parvis.budget.models import Project, ProjectPhoto
from parvis.core.models import Accuracy, Territory, TerritoryLevel
from tests.budget.factories import make_campaign, make_envelope, set_phase
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db

BODY = "Planter des arbres fruitiers le long de la rue pour les enfants du quartier."
GOUTTE_DOR = (48.8855, 2.3535)


def _jpeg(name="a.jpg", colour="green"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def campaign(paris):
    c = make_campaign(open_phase="ideas", slug="bp-form")
    make_envelope(c, slug="paris")
    for code in ("18", "11"):
        make_envelope(
            c, territory=Territory.objects.get(level=TerritoryLevel.DISTRICT, code=code), slug=f"a{code}"
        )
    return c


def _idea(campaign, author, **kw):
    return services.project_create(
        author=author, campaign=campaign, title="Arbres fruitiers", body=BODY, **kw
    )


def test_four_photos_with_descriptions_shown_as_alt(client, campaign):
    client.force_login(make_user())
    data = {"title": "Un mur végétal", "body": BODY}
    for n in range(1, 5):
        data[f"photo_{n}"] = _jpeg(f"{n}.jpg")
        data[f"photo_{n}_alt"] = f"Vue numéro {n} de la cour"
    r = client.post(reverse("budget:idea_create", args=["bp-form"]), data)
    assert r.status_code == 302, r.content
    project = Project.objects.get()
    assert sorted(project.photos.values_list("alt", flat=True)) == [
        f"Vue numéro {n} de la cour" for n in range(1, 5)
    ]
    page = client.get(project.get_absolute_url()).content.decode()
    for n in range(1, 5):
        assert f'alt="Vue numéro {n} de la cour"' in page


def test_form_offers_four_photo_inputs_with_labels(client, campaign):
    client.force_login(make_user())
    page = client.get(reverse("budget:idea_create", args=["bp-form"])).content.decode()
    assert len(re.findall(r'type="file" name="photo_\d"', page)) == 4
    assert 'for="id_photo_4_alt"' in page


def test_bad_photo_or_description_changes_nothing(client, campaign):
    client.force_login(make_user())
    url = reverse("budget:idea_create", args=["bp-form"])
    r = client.post(
        url,
        {"title": "Un mur végétal", "body": BODY, "photo_1": _jpeg(), "photo_2": _jpeg("b.jpg")}
        | {"photo_2": SimpleUploadedFile("b.jpg", b"pas une image", content_type="image/jpeg")},
    )
    assert r.status_code == 400
    r = client.post(
        url, {"title": "Un mur végétal", "body": BODY, "photo_1": _jpeg(), "photo_1_alt": "x" * 201}
    )
    assert r.status_code == 400
    assert Project.objects.count() == 0
    assert ProjectPhoto.objects.count() == 0


def test_service_refuses_a_fifth_photo_and_long_descriptions(campaign):
    with pytest.raises(ValidationError, match="4 photos au plus"):
        _idea(campaign, make_user(), photos=[(_jpeg(), "une photo")] * 5)
    with pytest.raises(ValidationError, match="200 caractères"):
        _idea(campaign, make_user(), photos=[(_jpeg(), "x" * 201)])
    assert not Project.objects.exists()


def test_edit_moves_the_idea_to_another_place_and_envelope(campaign):
    author = make_user()
    idea = _idea(campaign, author, lat=GOUTTE_DOR[0], lon=GOUTTE_DOR[1])
    assert idea.envelope.slug == "a18"
    eleventh = Territory.objects.get(level=TerritoryLevel.DISTRICT, code="11")
    idea = services.project_update(
        actor=author, project=idea, title=idea.title, body=BODY, lat=None, lon=None, territory=eleventh
    )
    idea.refresh_from_db()
    assert (idea.lat, idea.lon, idea.territory, idea.envelope.slug) == (None, None, eleventh, "a11")
    assert (idea.district, idea.accuracy) == (eleventh, Accuracy.TERRITORY)
    assert idea.priority_area_id is None
    services.project_update(actor=author, project=idea, title=idea.title, body=BODY, citywide=True)
    idea.refresh_from_db()
    assert idea.envelope.slug == "paris"
    assert idea.territory is None
    # Without place arguments the place is kept.
    services.project_update(actor=author, project=idea, title="Arbres partout", body=BODY)
    idea.refresh_from_db()
    assert idea.envelope.slug == "paris"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lat": 52.52, "lon": 13.40}, "en dehors de Paris"),
        ({"lat": "nord", "lon": 2.3}, "Coordonnées invalides"),
        ({"remove_photo_ids": [999999]}, "n'appartient pas à cette idée"),
        ({"photo_alts": {"999999": "une vue"}}, "n'appartient pas à cette idée"),
        ({"add_photos": [_jpeg()] * 4}, "4 photos au plus"),
    ],
)
def test_bad_edits_change_nothing(campaign, kwargs, message):
    author = make_user()
    idea = _idea(campaign, author, lat=GOUTTE_DOR[0], lon=GOUTTE_DOR[1], photos=[(_jpeg(), "la rue")])
    with pytest.raises(ValidationError, match=message):
        services.project_update(actor=author, project=idea, title="Tout autre titre", body=BODY, **kwargs)
    idea.refresh_from_db()
    assert idea.title == "Arbres fruitiers"
    assert idea.envelope.slug == "a18"
    assert list(idea.photos.values_list("alt", flat=True)) == ["la rue"]


def test_edit_refused_outside_permissions(campaign):
    author = make_user()
    idea = _idea(campaign, author)
    with pytest.raises(PermissionDenied, match="Seul l'auteur"):
        services.project_update(actor=make_user(), project=idea, title=idea.title, body=BODY, citywide=True)
    set_phase(campaign, "review")
    with pytest.raises(PermissionDenied):
        services.project_update(actor=author, project=idea, title=idea.title, body=BODY, add_photos=[_jpeg()])
    assert not idea.photos.exists()


def test_edit_page_changes_place_and_photos(client, campaign):
    author = make_user()
    idea = _idea(
        campaign, author, lat=GOUTTE_DOR[0], lon=GOUTTE_DOR[1], photos=[(_jpeg(), "la rue"), _jpeg()]
    )
    first, second = idea.photos.order_by("pk")
    client.force_login(author)
    url = reverse("budget:idea_edit", args=["bp-form", idea.pk])
    page = client.get(url).content.decode()
    assert 'value="la rue"' in page
    assert f'name="remove_{first.pk}"' in page
    assert len(re.findall(r'type="file" name="photo_\d"', page)) == 2
    assert "data-map-picker" in page
    eleventh = Territory.objects.get(level=TerritoryLevel.DISTRICT, code="11")
    base = {"title": "Arbres fruitiers", "body": BODY, "territory": eleventh.pk, "lat": "", "lon": ""}
    # Two new photos fill the two free slots; one description changes.
    r = client.post(
        url,
        {**base, f"remove_{first.pk}": "", "photo_1": _jpeg(), "photo_2": _jpeg("b.jpg")}
        | {f"alt_{second.pk}": "un banc"},
    )
    assert r.status_code == 302  # two free slots: accepted
    idea.refresh_from_db()
    assert idea.envelope.slug == "a11"
    assert idea.photos.count() == 4
    assert ProjectPhoto.objects.get(pk=second.pk).alt == "un banc"
    r = client.post(url, {**base, "lat": "52.52", "lon": "13.40", f"remove_{first.pk}": "on"})
    assert r.status_code == 400
    assert "en dehors de Paris" in r.content.decode()
    assert idea.photos.count() == 4
    r = client.post(
        url, {**base, f"remove_{first.pk}": "on", f"alt_{second.pk}": "un banc", "lat": "", "lon": ""}
    )
    assert r.status_code == 302
    assert not ProjectPhoto.objects.filter(pk=first.pk).exists()
    assert idea.photos.count() == 3


def test_admin_may_edit_place(campaign):
    idea = _idea(campaign, make_user())
    services.project_update(
        actor=make_admin(), project=idea, title=idea.title, body=BODY, lat=GOUTTE_DOR[0], lon=GOUTTE_DOR[1]
    )
    idea.refresh_from_db()
    assert idea.envelope.slug == "a18"
    assert idea.priority_area_id is not None
