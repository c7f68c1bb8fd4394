import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from parvis.core import accounts
from parvis.core.models import Role
from parvis.ideas.models import Consultation, Idea, ScopeKind
from tests.factories import make_user

from .factories import make_comment, make_consultation, make_idea, make_support

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "moderation"}, "réservée"),
        (
            {"scope_kind": ScopeKind.PERIMETER, "perimeter": {"type": "Point", "coordinates": [2, 48]}},
            "polygone",
        ),
    ],
)
def test_consultation_clean(fields, message):
    c = Consultation(**{"title": "T", "slug": "ok", "question": "Q ?", **fields})
    with pytest.raises(ValidationError, match=message):
        c.clean()


@pytest.mark.parametrize(
    "fields",
    [
        {"ideas_end_at": None},  # dated consultation without its dates
        {"support_threshold": 100, "support_window_days": None},
        {"discussion_end_at_before_ideas": True},
    ],
)
def test_consultation_constraints(fields):
    now = timezone.now()
    data = {
        "title": "T",
        "slug": "c",
        "question": "Q",
        "starts_at": now,
        "ideas_end_at": now + timedelta(days=1),
        "discussion_end_at": now + timedelta(days=2),
        "answer_at": now + timedelta(days=3),
    }
    if fields.pop("discussion_end_at_before_ideas", False):
        data["discussion_end_at"] = now
    data.update(fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(**data)


def test_only_one_permanent_box():
    make_consultation(permanent=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_consultation(permanent=True)


def test_one_support_per_person_is_a_database_constraint():
    from parvis.ideas.models import Support

    idea = make_idea()
    me = make_user()
    Support.objects.create(idea=idea, user=me)
    with pytest.raises(IntegrityError), transaction.atomic():
        Support.objects.create(idea=idea, user=me)


def test_agents_see_ideas_awaiting_an_answer(client):
    idea = make_idea(title="Idée au seuil", threshold_reached_at=timezone.now())
    client.force_login(make_user(role=Role.AGENT))
    assert "Idée au seuil" in client.get(reverse("ideas:index")).content.decode()
    client.force_login(make_user())
    assert "Idée au seuil" not in client.get(reverse("ideas:index")).content.decode()
    assert idea.pk


def _png(colour="blue"):
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buf, "PNG")
    return SimpleUploadedFile(f"{colour}.png", buf.getvalue(), content_type="image/png")


def test_photos_and_pdfs_through_the_form(client):
    c = make_consultation()
    client.force_login(make_user())
    response = client.post(
        reverse("ideas:idea_create", args=[c.slug]),
        {
            "title": "Une idée illustrée",
            "body": "Avec deux photos et un plan en PDF.",
            "theme": "culture",
            "author_kind": "person",
            "photo": [_png("blue"), _png("red")],
            "photo_alt": "Le square vu du portail",
            "attachment": [SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.photos.count() == 2
    assert idea.attachments.count() == 1
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "plan.pdf" in html
    assert 'alt="Le square vu du portail"' in html


def test_bad_files_through_the_form_are_refused(client):
    c = make_consultation()
    client.force_login(make_user())
    data = {
        "title": "Une idée illustrée",
        "body": "Avec des fichiers qui ne vont pas.",
        "theme": "culture",
        "author_kind": "person",
    }
    response = client.post(
        reverse("ideas:idea_create", args=[c.slug]),
        {**data, "photo": [SimpleUploadedFile("x.png", b"not an image")]},
    )
    assert response.status_code == 400
    assert "image" in response.content.decode()
    response = client.post(
        reverse("ideas:idea_create", args=[c.slug]), {**data, "photo": [_png(), _png(), _png(), _png()]}
    )
    assert response.status_code == 400
    assert "Pas plus de 3 photos" in response.content.decode()
    response = client.post(
        reverse("ideas:idea_create", args=[c.slug]),
        {**data, "attachment": [SimpleUploadedFile("a.pdf", b"<html>")]},
    )
    assert "Seuls les documents PDF" in response.content.decode()
    assert Idea.objects.count() == 0


def test_group_idea_through_the_form_requires_its_name(client):
    c = make_consultation()
    client.force_login(make_user())
    data = {
        "title": "Une idée collective",
        "body": "Portée par notre association de quartier.",
        "theme": "solidarity",
        "author_kind": "group",
    }
    response = client.post(reverse("ideas:idea_create", args=[c.slug]), data)
    assert response.status_code == 400
    assert "Indiquez le nom du collectif" in response.content.decode()
    response = client.post(
        reverse("ideas:idea_create", args=[c.slug]), {**data, "group_name": "Les Amis du 11e"}
    )
    assert response.status_code == 302
    assert Idea.objects.get().byline == "Les Amis du 11e"


def test_personal_data_export_and_deletion():
    me = make_user()
    idea = make_idea(author=me, title="Mon idée")
    make_comment(idea=idea, author=me, body="Mon commentaire")
    make_support(idea=make_idea(), user=me)
    data = accounts.user_export(me)["ideas"]
    assert data["ideas"][0]["title"] == "Mon idée"
    assert data["comments"][0]["body"] == "Mon commentaire"
    assert len(data["supports"]) == 1
    accounts.user_delete(user=me)
    idea.refresh_from_db()
    assert idea.byline == "Compte supprimé"
    assert not idea.follows.filter(user=me).exists()
