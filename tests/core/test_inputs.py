"""The input-cleaning layer: text and numbers no database can take are refused with a clear 400."""

import json

import pytest

from parvis.core.models import User
from parvis.core.tokens import token_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def auth(user):
    _t, key = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize(
    "url",
    [
        "/idees/?q=a%00b",
        "/signalements/?status=%00",
        "/territoires/?adresse=r%00ue",
        "/api/reports/reports?offset=99999999999999999999999",
        "/api/reports/reports?offset=9223372036854775807",
        "/api/reports/reports?status=open%00",
        "/api/ideas/ideas/99999999999999999999",
        "/api/reports/reports?offset=" + "9" * 5000,
    ],
)
def test_hostile_query_strings_are_refused_with_a_clear_400(client, paris, url):
    """Pages answer 400; the JSON API 422, its status for a request it cannot read."""
    response = client.get(url)
    assert response.status_code == (422 if url.startswith("/api/") else 400)
    text = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
    assert "caractère invalide" in text or "nombre trop grand" in text


def test_a_page_answers_in_html_and_the_api_in_json(client):
    page = client.get("/idees/?q=%00")
    assert page["Content-Type"].startswith("text/html")
    assert "« q » contient un caractère invalide" in page.content.decode()
    api = client.get("/api/reports/reports?offset=99999999999999999999")
    assert api.json() == {"detail": "« offset » : nombre trop grand (au plus 9007199254740991)."}


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "Nadia\x00"},
        {"name": "Nadia\ud800"},
        {"name": "ok", "extra": [1] * 1001},
        {"name": "ok", "n": 2**64},
    ],
)
def test_hostile_json_changes_nothing(client, payload):
    user = make_user()
    response = client.post("/api/account/tokens", payload, content_type="application/json", **auth(user))
    assert response.status_code == 422
    assert response.json()["detail"]
    assert user.api_tokens.count() == 1  # the test's own token only


def test_non_finite_json_numbers_are_refused(client):
    response = client.post(
        "/api/account/tokens", b'{"name": NaN}', content_type="application/json", **auth(make_user())
    )
    assert response.status_code == 422
    assert "nombre invalide" in response.json()["detail"]


def test_hostile_form_fields_are_refused(client):
    response = client.post(
        "/compte/inscription/", {"email": "a@example.org", "password": "un-mot-de-passe\x00solide"}
    )
    assert response.status_code == 400
    assert "« password » contient un caractère invalide" in response.content.decode()
    assert not User.objects.exists()


def test_ordinary_numbers_and_text_pass(client, paris):
    # At the bound the layer lets it through (the endpoint's own pagination may still refuse it).
    assert client.get("/api/reports/reports?offset=9007199254740991").status_code in (200, 422)
    assert client.get("/idees/?q=0612345678").status_code == 200
    assert client.get("/idees/?q=Château-d'Eau ✓ 日本").status_code == 200


def test_a_lone_surrogate_in_a_report_is_refused_on_every_database(client, paris):
    from parvis.reports.models import Report
    from tests.factories import make_service
    from tests.reports.factories import REPUBLIQUE, make_tree

    leaf = make_tree(service=make_service())[2]
    body = {"category": leaf.code, "lat": REPUBLIQUE[0], "lon": REPUBLIQUE[1], "description": "trou \ud800"}
    response = client.post("/api/reports/reports", body, content_type="application/json", **auth(make_user()))
    assert response.status_code == 422
    assert "« description » contient un caractère invalide" in response.json()["detail"]
    assert not Report.objects.exists()


def test_tag_lists_are_bounded_before_any_work(client):
    from parvis.ideas.models import Idea
    from tests.ideas.factories import make_consultation

    make_consultation(slug="velo")
    url = "/api/ideas/consultations/velo/ideas"
    idea = {
        "title": "Des arceaux à vélos",
        "body": "Devant chaque école primaire du quartier.",
        "theme": "mobility",
    }
    headers = auth(make_user())
    huge = client.post(url, {**idea, "tags": ["t"] * 10_000}, content_type="application/json", **headers)
    assert huge.status_code == 422
    assert "« tags » : trop d'éléments (au plus 1000)." == huge.json()["detail"]
    # Six copies of one tag are six tags: the list's length is what is checked, before reading them.
    six = client.post(url, {**idea, "tags": ["vélo"] * 6}, content_type="application/json", **headers)
    assert six.status_code == 400
    assert "Pas plus de 5 mots-clés." in six.json()["detail"]
    assert not Idea.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    """Announced larger than the cap: 413, and the body is never read (it could be 200 MB)."""
    from django.test import RequestFactory

    from parvis.core.inputs import RequestSizeMiddleware

    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().post("/api/reports/reports", data=b"", content_type="application/json")
    request.META["CONTENT_LENGTH"] = str(200 * 1024 * 1024)
    request.META["wsgi.input"] = Unread()
    request._stream = Unread()
    response = RequestSizeMiddleware(lambda r: r.body)(request)
    assert response.status_code == 413
    assert "32 Mo au plus" in json.loads(response.content)["detail"]
    assert settings.PARVIS_REQUEST_MAX_BYTES >= 3 * settings.PARVIS_IMAGE_MAX_BYTES
    page = client.post(
        "/compte/inscription/",
        {"email": "a@example.org"},
        CONTENT_LENGTH=str(settings.PARVIS_REQUEST_MAX_BYTES + 1),
    )
    assert page.status_code == 413
    assert "Requête trop volumineuse" in page.content.decode()
    assert not User.objects.exists()
