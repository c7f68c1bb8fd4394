"""API uploads: photos (re-encoded by the core, 3 at most) and PDF attachments, author-only while editable."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parvis.core import tokens
from parvis.ideas.models import IdeaAttachment, IdeaPhoto
from tests.factories import make_user

from .factories import make_consultation, make_idea

pytestmark = pytest.mark.django_db


def _auth(user):
    _token, key = tokens.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _jpeg(name="photo.jpg"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _pdf(name="plan.pdf", data=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def author():
    return make_user()


@pytest.fixture
def idea(author):
    return make_idea(consultation=make_consultation(), author=author)


def _photo(client, idea, user, file=None, alt="Le carrefour vu du trottoir"):
    data = {"alt_text": alt}
    if file is not False:
        data["file"] = file or _jpeg()
    return client.post(f"/api/ideas/ideas/{idea.pk}/photos", data, **_auth(user))


def _attach(client, idea, user, file=None):
    data = {} if file is False else {"file": file or _pdf()}
    return client.post(f"/api/ideas/ideas/{idea.pk}/attachments", data, **_auth(user))


def test_author_adds_a_photo_reencoded_with_its_description(client, idea, author):
    response = _photo(client, idea, author)
    assert response.status_code == 201, response.content
    body = response.json()
    photo = IdeaPhoto.objects.get(idea=idea)
    assert body["id"] == photo.pk
    assert body["alt_text"] == "Le carrefour vu du trottoir"
    assert (body["width"], body["height"]) == (40, 30)
    assert photo.image.name.endswith(".jpg")
    # Shown on the idea page with its description.
    assert 'alt="Le carrefour vu du trottoir"' in client.get(idea.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("file", "alt", "message"),
    [
        (
            SimpleUploadedFile("chat.jpg", b"ceci n'est pas une image", content_type="image/jpeg"),
            "Un chat",
            "image",
        ),
        (None, "   ", "Décrivez ce que montre la photo"),
        (None, "x" * 201, "200 caractères"),
        (False, "Une photo", "Joignez un fichier"),
    ],
)
def test_bad_photos_are_refused_in_french_and_change_nothing(client, idea, author, file, alt, message):
    response = _photo(client, idea, author, file=file, alt=alt)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert not IdeaPhoto.objects.exists()


def test_no_more_than_three_photos(client, idea, author):
    for _ in range(3):
        assert _photo(client, idea, author).status_code == 201
    response = _photo(client, idea, author)
    assert response.status_code == 400
    assert "Pas plus de 3 photos" in response.json()["detail"]
    assert IdeaPhoto.objects.filter(idea=idea).count() == 3


def test_someone_else_cannot_add_photos_or_documents(client, idea):
    other = make_user()
    response = _photo(client, idea, other)
    assert response.status_code == 403
    assert "Seule la personne qui a déposé cette idée" in response.json()["detail"]
    assert _attach(client, idea, other).status_code == 403
    assert not IdeaPhoto.objects.exists()
    assert not IdeaAttachment.objects.exists()


def test_uploads_need_authentication(client, idea):
    assert client.post(f"/api/ideas/ideas/{idea.pk}/photos", {"file": _jpeg()}).status_code == 401
    assert client.post(f"/api/ideas/ideas/{idea.pk}/attachments", {"file": _pdf()}).status_code == 401
    assert not IdeaPhoto.objects.exists()
    assert not IdeaAttachment.objects.exists()


def test_no_uploads_once_the_discussion_is_over(client, author):
    idea = make_idea(consultation=make_consultation(phase="closed"), author=author)
    response = _photo(client, idea, author)
    assert response.status_code == 403
    assert "ne peuvent plus être modifiées" in response.json()["detail"]
    assert _attach(client, idea, author).status_code == 403
    assert not IdeaPhoto.objects.exists()
    assert not IdeaAttachment.objects.exists()


def test_unknown_or_hidden_idea_is_404(client, idea, author):
    assert _photo(client, type(idea)(pk=idea.pk + 999), author).status_code == 404
    idea.hidden_at = idea.created_at
    idea.save(update_fields=["hidden_at"])
    assert _attach(client, idea, author).status_code == 404
    assert not IdeaAttachment.objects.exists()


def test_author_attaches_a_pdf(client, idea, author):
    response = _attach(client, idea, author, _pdf("Plan du carrefour.pdf"))
    assert response.status_code == 201, response.content
    doc = IdeaAttachment.objects.get(idea=idea)
    assert response.json()["name"] == "Plan du carrefour.pdf"
    assert doc.file.name.endswith("plan-du-carrefour.pdf")
    assert doc.file.read().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("faux.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"), "PDF"),
        (_jpeg("photo.pdf"), "PDF"),
        (False, "Joignez un fichier"),
    ],
)
def test_bad_attachments_are_refused_in_french_and_change_nothing(client, idea, author, file, message):
    response = _attach(client, idea, author, file)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert not IdeaAttachment.objects.exists()


def test_too_large_or_too_many_attachments(client, idea, author, settings, monkeypatch):
    from parvis.ideas import services

    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 100)
    response = _attach(client, idea, author, _pdf(data=b"%PDF-1.4\n" + b"0" * 200))
    assert response.status_code == 400
    assert "trop lourd" in response.json()["detail"]
    assert not IdeaAttachment.objects.exists()
    for _ in range(3):
        assert _attach(client, idea, author).status_code == 201
    response = _attach(client, idea, author)
    assert response.status_code == 400
    assert "Pas plus de 3 documents" in response.json()["detail"]
    assert IdeaAttachment.objects.filter(idea=idea).count() == 3


def test_uploads_are_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/ideas/ideas/{idea_id}/photos", "/api/ideas/ideas/{idea_id}/attachments"):
        post = schema["paths"][path]["post"]
        assert "multipart/form-data" in post["requestBody"]["content"]
        assert {"201", "400", "403"} <= set(post["responses"])
