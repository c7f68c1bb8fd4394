import pytest

from parvis.core import tokens
from parvis.core.models import Role
from parvis.ideas.models import Comment, Idea, Support
from tests.factories import make_user

from .factories import make_consultation, make_idea, make_statement

pytestmark = pytest.mark.django_db


def _auth(user):
    _token, key = tokens.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def consultation():
    return make_consultation(slug="velo", support_threshold=1500, support_window_days=180)


def test_list_and_read(client, consultation):
    idea = make_idea(consultation=consultation, title="Une piste cyclable")
    data = client.get("/api/ideas/consultations").json()["items"]
    assert data[0]["slug"] == "velo"
    assert data[0]["phase"] == "ideas"
    page = client.get("/api/ideas/consultations/velo/ideas?sort=soutiens").json()
    assert page["count"] == 1
    assert page["items"][0]["title"] == "Une piste cyclable"
    assert client.get(f"/api/ideas/ideas/{idea.pk}").json()["support_count"] == 0


def test_write_needs_authentication(client, consultation):
    response = client.post(
        "/api/ideas/consultations/velo/ideas", {"title": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert Idea.objects.count() == 0


def test_create_comment_support_with_token(client, consultation):
    me = make_user()
    headers = _auth(me)
    response = client.post(
        "/api/ideas/consultations/velo/ideas",
        {
            "title": "Des arceaux à vélos",
            "body": "Devant chaque école primaire du quartier.",
            "theme": "mobility",
            "tags": ["vélo"],
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.content
    idea_id = response.json()["id"]
    response = client.post(
        f"/api/ideas/ideas/{idea_id}/comments", {"body": "Oui !"}, content_type="application/json", **headers
    )
    assert response.status_code == 201
    root = response.json()["id"]
    response = client.post(
        f"/api/ideas/ideas/{idea_id}/comments",
        {"body": "Réponse", "parent_id": root},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    assert client.put(f"/api/ideas/ideas/{idea_id}/support", **headers).json() == {
        "supported": True,
        "support_count": 1,
    }
    again = client.put(f"/api/ideas/ideas/{idea_id}/support", **headers)
    assert again.status_code == 400
    assert "déjà" in again.json()["detail"]
    assert Support.objects.count() == 1
    assert client.delete(f"/api/ideas/ideas/{idea_id}/support", **headers).json()["support_count"] == 0
    tree = client.get(f"/api/ideas/ideas/{idea_id}/comments").json()["items"]
    assert [c["parent_id"] for c in tree] == [None, root]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"title": "abc", "body": "Une description valable."}, "au moins 5"),
        ({"title": "Titre valable", "body": "court"}, "au moins 20"),
        (
            {"title": "Titre valable", "body": "Une description valable.", "territory": "ZZZ"},
            "Territoire inconnu",
        ),
    ],
)
def test_bad_input_gives_400_and_changes_nothing(client, consultation, payload, message):
    response = client.post(
        "/api/ideas/consultations/velo/ideas", payload, content_type="application/json", **_auth(make_user())
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Idea.objects.count() == 0


def test_schema_error_is_422(client, consultation):
    response = client.post(
        "/api/ideas/consultations/velo/ideas",
        {"title": 3},
        content_type="application/json",
        **_auth(make_user()),
    )
    assert response.status_code == 422


def test_permission_errors_are_403(client):
    closed = make_consultation(phase="closed", slug="fermee")
    idea = make_idea(consultation=closed)
    headers = _auth(make_user())
    response = client.put(f"/api/ideas/ideas/{idea.pk}/support", **headers)
    assert response.status_code == 403
    assert "terminée" in response.json()["detail"]
    response = client.post(
        f"/api/ideas/ideas/{idea.pk}/answer",
        {"status": "refused", "text": "Non, désolé."},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403


def test_agent_answers_through_the_api(client, consultation):
    idea = make_idea(consultation=consultation)
    response = client.post(
        f"/api/ideas/ideas/{idea.pk}/answer",
        {"status": "planned", "text": "Prévu en 2027."},
        content_type="application/json",
        **_auth(make_user(role=Role.AGENT)),
    )
    assert response.status_code == 200
    assert response.json()["answer"]["status"] == "planned"


def test_pending_idea_and_comments_are_not_public(client, consultation):
    idea = make_idea(consultation=consultation, status="pending")
    assert client.get(f"/api/ideas/ideas/{idea.pk}").status_code == 404
    public = make_idea(consultation=consultation)
    Comment.objects.create(idea=public, author=make_user(), body="En attente", status="pending")
    assert client.get(f"/api/ideas/ideas/{public.pk}/comments").json() == {"items": [], "count": 0}


def test_opinion_vote(client):
    c = make_consultation(slug="avis", opinion_map_enabled=True)
    s = make_statement(consultation=c)
    headers = _auth(make_user())
    assert (
        client.post(
            f"/api/ideas/statements/{s.pk}/vote", {"value": 1}, content_type="application/json", **headers
        ).status_code
        == 204
    )
    bad = client.post(
        f"/api/ideas/statements/{s.pk}/vote", {"value": 5}, content_type="application/json", **headers
    )
    assert bad.status_code == 400
    data = client.get("/api/ideas/consultations/avis/opinion-map").json()
    assert data["statements"][0]["agree"] == 1


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/ideas/consultations/{slug}/ideas" in paths
    assert "put" in paths["/api/ideas/ideas/{idea_id}/support"]
