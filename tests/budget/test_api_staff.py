"""The JSON API for city staff: feasibility review, merge, paper ballots, overrides, follow-up.

Each endpoint goes through the services and ``permissions.py``; bad input gets a French message and
changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parvis.budget import services
from parvis.budget.models import (
    BallotStyle,
    Feasibility,
    FollowUpUpdate,
    Override,
    PaperBatch,
    PaperEntry,
    Project,
    Rule,
    Status,
)
from parvis.core.tokens import token_create
from tests.budget.factories import make_campaign, make_envelope, make_project, make_voter, set_phase
from tests.factories import make_admin, make_agent, make_service, make_user

pytestmark = pytest.mark.django_db

BODY = "Une description suffisamment longue du projet commun."


def _auth(user):
    _token, key = token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _post(client, url, body, auth=None):
    return client.post(url, body, content_type="application/json", **(auth or {}))


@pytest.fixture
def review_setup():
    campaign = make_campaign(open_phase="review", slug="bp-staff")
    env = make_envelope(campaign, slug="paris")
    service = make_service()
    agent = make_agent(service=service)
    mine = make_project(env, feasible=False, status=Status.SUBMITTED, service=service)
    other = make_project(env, feasible=False, status=Status.SUBMITTED, service=make_service())
    return {"campaign": campaign, "env": env, "agent": agent, "mine": mine, "other": other}


def test_review_by_token_of_an_assigned_idea(client, review_setup):
    s = review_setup
    auth = _auth(s["agent"])
    queue = client.get("/api/budget/campaigns/bp-staff/reviews", **auth).json()["items"]
    assert [p["id"] for p in queue] == [s["mine"].pk]
    url = f"/api/budget/projects/{s['mine'].pk}/review"
    r = _post(client, url, {"feasibility": "feasible", "cost": 40000, "duration_months": 6}, auth)
    assert r.status_code == 200, r.content
    assert r.json()["feasibility"] == "feasible"
    assert r.json()["published"] is False
    mine = Project.objects.get(pk=s["mine"].pk)
    assert (mine.cost, mine.duration_months, mine.reviewed_by_id) == (40000, 6, s["agent"].pk)
    assert mine.review_published_at is None


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"feasibility": "peut-être"}, 400, "Avis inconnu"),
        ({"feasibility": "unfeasible", "reason": "non"}, 400, "motif public"),
        ({"feasibility": "feasible"}, 400, "coût estimé"),
        ({"feasibility": "feasible", "cost": "beaucoup"}, 400, "montant entier"),
        ({"feasibility": "feasible", "cost": 100, "duration_months": 999}, 400, "Durée invalide"),
    ],
)
def test_bad_reviews_change_nothing(client, review_setup, body, status, message):
    s = review_setup
    r = _post(client, f"/api/budget/projects/{s['mine'].pk}/review", body, _auth(s["agent"]))
    assert r.status_code == status, r.content
    assert message in r.json()["detail"]
    mine = Project.objects.get(pk=s["mine"].pk)
    assert mine.reviewed_at is None
    assert mine.feasibility == s["mine"].feasibility


def test_review_refused_when_not_assigned_or_wrong_phase_or_anonymous(client, review_setup):
    s = review_setup
    auth = _auth(s["agent"])
    body = {"feasibility": "feasible", "cost": 1000}
    r = _post(client, f"/api/budget/projects/{s['other'].pk}/review", body, auth)
    assert r.status_code == 403
    assert "pas confié à votre service" in r.json()["detail"]
    r = _post(client, f"/api/budget/projects/{s['mine'].pk}/review", body, _auth(make_user()))
    assert r.status_code == 403
    assert "rôle" in r.json()["detail"]
    assert _post(client, f"/api/budget/projects/{s['mine'].pk}/review", body).status_code == 401
    assert _post(client, "/api/budget/projects/999999/review", body, auth).status_code == 404
    set_phase(s["campaign"], "vote")
    r = _post(client, f"/api/budget/projects/{s['mine'].pk}/review", body, auth)
    assert r.status_code == 403
    assert not Project.objects.filter(reviewed_at__isnull=False).exists()


def test_review_by_session(client, review_setup):
    s = review_setup
    client.force_login(s["agent"])
    r = _post(client, f"/api/budget/projects/{s['mine'].pk}/review", {"feasibility": "to_merge"})
    assert r.status_code == 200, r.content
    assert Project.objects.get(pk=s["mine"].pk).feasibility == Feasibility.TO_MERGE


def test_merge(client, review_setup):
    s = review_setup
    auth = _auth(s["agent"])
    url = "/api/budget/campaigns/bp-staff/merge"
    ids = [s["mine"].pk, s["other"].pk]
    r = _post(client, url, {"project_ids": [s["mine"].pk], "title": "Projet commun", "body": BODY}, auth)
    assert r.status_code == 400
    assert "au moins deux" in r.json()["detail"]
    r = _post(client, url, {"project_ids": [*ids, 999999], "title": "Projet commun", "body": BODY}, auth)
    assert r.status_code == 400
    assert "n'existe pas" in r.json()["detail"]
    r = _post(client, url, {"project_ids": ids, "title": "Pro", "body": BODY}, auth)
    assert r.status_code == 400
    assert "au moins 5 caractères" in r.json()["detail"]
    r = _post(client, url, {"project_ids": ids, "title": "Projet commun", "body": BODY}, _auth(make_user()))
    assert r.status_code == 403
    assert Project.objects.count() == 2
    assert not Project.objects.filter(status=Status.MERGED).exists()
    r = _post(client, url, {"project_ids": ids, "title": "Projet commun", "body": BODY}, auth)
    assert r.status_code == 201, r.content
    merged = Project.objects.get(pk=r.json()["id"])
    assert merged.title == "Projet commun"
    assert set(Project.objects.filter(merged_into=merged).values_list("pk", flat=True)) == set(ids)


def test_merge_refuses_ideas_of_another_campaign(client, review_setup):
    s = review_setup
    other_campaign = make_campaign(open_phase="review")
    foreign = make_project(make_envelope(other_campaign), feasible=False, status=Status.SUBMITTED)
    r = _post(
        client,
        "/api/budget/campaigns/bp-staff/merge",
        {"project_ids": [s["mine"].pk, foreign.pk], "title": "Projet commun", "body": BODY},
        _auth(s["agent"]),
    )
    assert r.status_code == 400
    assert "n'appartient pas à cette campagne" in r.json()["detail"]
    assert not Project.objects.filter(status=Status.MERGED).exists()


def _split_body(*titles):
    return {"parts": [{"title": t, "body": BODY} for t in titles]}


def test_split(client, review_setup):
    s = review_setup
    url = f"/api/budget/projects/{s['mine'].pk}/split"
    r = _post(client, url, _split_body("Des bancs au square", "Une fontaine au square"), _auth(s["agent"]))
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["id"], out["status"]) == (s["mine"].pk, "split")
    assert [p["title"] for p in out["parts"]] == ["Des bancs au square", "Une fontaine au square"]
    assert {p["status"] for p in out["parts"]} == {"submitted"}
    parts = Project.objects.filter(split_from=s["mine"]).order_by("pk")
    assert [p.pk for p in parts] == [p["id"] for p in out["parts"]]
    assert {(p.author_id, p.envelope_id, p.service_id) for p in parts} == {
        (s["mine"].author_id, s["env"].pk, s["mine"].service_id)
    }
    assert Project.objects.get(pk=s["mine"].pk).status == Status.SPLIT
    assert s["mine"].author.notifications.filter(kind="budget.split").exists()
    # Already split: refused, nothing more is created.
    r = _post(client, url, _split_body("Encore une partie", "Et une autre partie"), _auth(s["agent"]))
    assert r.status_code == 400
    assert "encore à l'étude" in r.json()["detail"]
    assert Project.objects.count() == 4


def test_split_by_session(client, review_setup):
    s = review_setup
    client.force_login(make_admin())
    r = _post(client, f"/api/budget/projects/{s['other'].pk}/split", _split_body("Partie un", "Partie deux"))
    assert r.status_code == 201, r.content
    assert Project.objects.filter(split_from=s["other"]).count() == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_split_body("Une seule partie"), "au moins deux projets"),
        (
            _split_body("Partie un", "Partie deux", "Partie trois", "Partie quatre", "Partie cinq"),
            "4 projets au plus",
        ),
        (_split_body("Partie un", "Pro"), "Projet 2 : Le titre doit compter au moins 5 caractères"),
        (
            {"parts": [{"title": "Partie un", "body": BODY}, {"title": "Partie deux", "body": "Court."}]},
            "Projet 2",
        ),
    ],
)
def test_bad_splits_change_nothing(client, review_setup, body, message):
    s = review_setup
    r = _post(client, f"/api/budget/projects/{s['mine'].pk}/split", body, _auth(s["agent"]))
    assert r.status_code == 400, r.content
    assert message in r.json()["detail"]
    assert Project.objects.count() == 2
    assert Project.objects.get(pk=s["mine"].pk).status == Status.SUBMITTED


def test_split_refused_to_residents_outside_the_phase_and_anonymous(client, review_setup):
    s = review_setup
    url = f"/api/budget/projects/{s['mine'].pk}/split"
    body = _split_body("Partie un", "Partie deux")
    r = _post(client, url, body, _auth(make_user()))
    assert r.status_code == 403
    assert "rôle" in r.json()["detail"]
    assert _post(client, url, body).status_code == 401
    assert _post(client, "/api/budget/projects/999999/split", body, _auth(s["agent"])).status_code == 404
    r = _post(client, url, {"parts": "deux"}, _auth(s["agent"]))
    assert r.status_code == 422
    set_phase(s["campaign"], "vote")
    r = _post(client, url, body, _auth(s["agent"]))
    assert r.status_code == 403
    assert r.json()["detail"]
    assert Project.objects.count() == 2
    assert Project.objects.get(pk=s["mine"].pk).status == Status.SUBMITTED


@pytest.fixture
def vote_setup():
    campaign = make_campaign(open_phase="vote", slug="bp-paper", rule=Rule.GREEDY)
    env = make_envelope(campaign, slug="paris", amount=1000, ballot_style=BallotStyle.APPROVAL)
    a, b = make_project(env, cost=600), make_project(env, cost=400)
    return {"campaign": campaign, "env": env, "a": a, "b": b}


def test_paper_double_entry_by_two_agents(client, vote_setup):
    a, b = vote_setup["a"], vote_setup["b"]
    url = "/api/budget/campaigns/bp-paper/envelopes/paris/paper"
    good = {"ballots": 10, "counts": {str(a.pk): 7, str(b.pk): 2}}
    one, two = _auth(make_agent()), _auth(make_agent())
    r = _post(client, url, {"polling_place": "Mairie du 18e", "mode": "counts", "data": good}, one)
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "waiting"
    # The same agent again does not make a second entry.
    r = _post(client, url, {"polling_place": "Mairie du 18e", "mode": "counts", "data": good}, one)
    assert r.json()["state"] == "waiting"
    wrong = {"ballots": 10, "counts": {str(a.pk): 6, str(b.pk): 2}}
    r = _post(client, url, {"polling_place": "Mairie du 18e", "mode": "counts", "data": wrong}, two)
    assert r.json()["state"] == "mismatch"
    assert PaperBatch.objects.get().accepted_at is None
    r = _post(client, url, {"polling_place": "Mairie du 18e", "mode": "counts", "data": good}, two)
    assert r.json()["state"] == "accepted"
    assert r.json()["entries"] == 2
    assert PaperBatch.objects.get().data == {"ballots": 10, "counts": {str(a.pk): 7, str(b.pk): 2}}
    r = _post(
        client, url, {"polling_place": "Mairie du 18e", "mode": "counts", "data": good}, _auth(make_agent())
    )
    assert r.status_code == 400
    assert "déjà été validés" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"polling_place": "", "mode": "counts", "data": {"ballots": 1, "counts": {}}}, "bureau de vote"),
        ({"polling_place": "B1", "mode": "urne", "data": {"ballots": 1, "counts": {}}}, "Mode de saisie"),
        (
            {"polling_place": "B1", "mode": "counts", "data": {"ballots": 1, "counts": {"999999": 1}}},
            "ne fait pas partie",
        ),
        (
            {"polling_place": "B1", "mode": "counts", "data": {"ballots": 1, "counts": {"A": 5}}},
            "plus de voix",
        ),
        ({"polling_place": "B1", "mode": "counts", "data": {"counts": {}}}, "nombre de bulletins"),
        ({"polling_place": "B1", "mode": "counts", "data": [[1]]}, "nombre de voix par projet"),
        ({"polling_place": "B1", "mode": "ballots", "data": [["A"], ["999999"]]}, "Bulletin n°2"),
    ],
)
def test_bad_paper_entries_change_nothing(client, vote_setup, body, message):
    pid = {"A": str(vote_setup["a"].pk), "B": str(vote_setup["b"].pk)}
    data = body["data"]
    if isinstance(data, dict):
        data = {**data, "counts": {pid.get(k, k): v for k, v in data["counts"].items()}}
    else:
        data = [[pid.get(x, x) if isinstance(x, str) else x for x in ballot] for ballot in data]
    r = _post(
        client,
        "/api/budget/campaigns/bp-paper/envelopes/paris/paper",
        {**body, "data": data},
        _auth(make_agent()),
    )
    assert r.status_code == 400, r.content
    assert message in r.json()["detail"]
    assert not PaperEntry.objects.exists()


def test_paper_refused_to_residents_and_outside_the_phase(client, vote_setup):
    url = "/api/budget/campaigns/bp-paper/envelopes/paris/paper"
    body = {"polling_place": "B1", "mode": "counts", "data": {"ballots": 1, "counts": {}}}
    r = _post(client, url, body, _auth(make_user()))
    assert r.status_code == 403
    set_phase(vote_setup["campaign"], "review")
    r = _post(client, url, body, _auth(make_agent()))
    assert r.status_code == 403
    assert "saisie des bulletins papier" in r.json()["detail"]
    assert (
        _post(
            client, "/api/budget/campaigns/bp-paper/envelopes/nope/paper", body, _auth(make_agent())
        ).status_code
        == 404
    )
    assert not PaperBatch.objects.exists()


@pytest.fixture
def results_setup(vote_setup):
    s = vote_setup
    services.ballot_submit(voter=make_voter(), envelope=s["env"], choices=[s["a"].pk, s["b"].pk])
    services.ballot_submit(voter=make_voter(), envelope=s["env"], choices=[s["a"].pk])
    s["env"].campaign = set_phase(s["campaign"], "results")
    services.results_compute(actor=make_admin(), envelope=s["env"])
    return s


def test_override_by_admin_recomputes(client, results_setup):
    s = results_setup
    url = "/api/budget/campaigns/bp-paper/envelopes/paris/overrides"
    admin = _auth(make_admin())
    justification = "Le terrain n'appartient pas à la ville : obstacle juridique."
    bad = [
        ({"project_id": s["a"].pk, "decision": "exclude", "justification": "court"}, 400, "justification"),
        ({"project_id": s["a"].pk, "decision": "oublier", "justification": justification}, 400, "Décision"),
        ({"project_id": 999999, "decision": "exclude", "justification": justification}, 404, None),
    ]
    for body, status, message in bad:
        r = _post(client, url, body, admin)
        assert r.status_code == status, r.content
        if message:
            assert message in r.json()["detail"]
    r = _post(
        client,
        url,
        {"project_id": s["a"].pk, "decision": "exclude", "justification": justification},
        _auth(make_agent()),
    )
    assert r.status_code == 403
    assert not Override.objects.exists()
    r = _post(
        client, url, {"project_id": s["a"].pk, "decision": "exclude", "justification": justification}, admin
    )
    assert r.status_code == 201, r.content
    assert r.json()["decision"] == "exclude"
    result = s["env"].result
    result.refresh_from_db()
    assert not result.data["projects"][str(s["a"].pk)]["funded"]
    r = _post(
        client, url, {"project_id": s["a"].pk, "decision": "fund", "justification": justification}, admin
    )
    assert r.status_code == 400
    assert "déjà été enregistrée" in r.json()["detail"]
    assert Override.objects.count() == 1
    published = client.get("/api/budget/campaigns/bp-paper/results").json()["items"]
    assert published[0]["overrides"][0]["justification"] == justification


def test_followup_by_api(client, results_setup):
    s = results_setup
    agent = _auth(make_agent())
    winner = s["a"]
    loser = make_project(s["env"], cost=100)
    url = f"/api/budget/projects/{winner.pk}/followup"
    r = _post(client, url, {"status": "fini", "body": "Début des travaux."}, agent)
    assert r.status_code == 400
    assert "Avancement inconnu" in r.json()["detail"]
    r = _post(client, url, {"status": "works", "body": ""}, agent)
    assert r.status_code == 400
    r = _post(
        client, f"/api/budget/projects/{loser.pk}/followup", {"status": "works", "body": "Début."}, agent
    )
    assert r.status_code == 400
    assert "lauréats" in r.json()["detail"]
    r = _post(client, url, {"status": "works", "body": "Début des travaux."}, _auth(make_user()))
    assert r.status_code == 403
    r = _post(client, url, {"status": "works", "body": "Début", "date": "hier"}, agent)
    assert r.status_code in (400, 422)
    assert not FollowUpUpdate.objects.exists()
    r = _post(client, url, {"status": "works", "body": "Début des travaux.", "date": "2027-03-01"}, agent)
    assert r.status_code == 201, r.content
    assert r.json()["date"] == "2027-03-01"
    assert Project.objects.get(pk=winner.pk).implementation == "works"


def _jpeg(name="chantier.jpg", size=(40, 30)):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 10)).save(buf, "JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_followup_with_a_photo_by_api(client, results_setup):
    winner = results_setup["a"]
    url = f"/api/budget/projects/{winner.pk}/followup"
    form = {"status": "works", "body": "Les bancs sont posés.", "date": "2027-04-02"}
    alt = "Trois bancs neufs au bord de l'allée"
    r = client.post(url, {**form, "photo": _jpeg(), "photo_alt": alt}, **_auth(make_agent()))
    assert r.status_code == 201, r.content
    out = r.json()
    assert (out["status"], out["date"], out["photo_alt"]) == ("works", "2027-04-02", alt)
    update = FollowUpUpdate.objects.get()
    assert out["photo"] == update.photo.url
    with update.photo.open("rb") as f:
        assert Image.open(f).format == "JPEG"  # re-encoded by the core image processing
    assert Project.objects.get(pk=winner.pk).implementation == "works"
    page = client.get(winner.get_absolute_url()).content.decode()
    assert f'src="{update.photo.url}" alt="Trois bancs neufs au bord de l&#x27;allée"' in page
    # Without a description the page says what the photo is generically.
    r = client.post(url, {**form, "photo": _jpeg("b.jpg")}, **_auth(make_agent()))
    assert r.status_code == 201, r.content
    assert r.json()["photo_alt"] == ""
    assert "Photo du chantier" in client.get(winner.get_absolute_url()).content.decode()
    # Multipart without a photo is a plain update.
    r = client.post(url, {**form, "status": "delivered"}, **_auth(make_agent()))
    assert r.status_code == 201, r.content
    assert r.json()["photo"] is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"photo": SimpleUploadedFile("x.jpg", b"pas une image", content_type="image/jpeg")},
            "pas une image",
        ),
        ({"photo": "BIG"}, "trop lourde"),
        ({"photo": "TWO"}, "Une seule photo"),
        ({"photo": "OK", "photo_alt": "x" * 201}, "200 caractères"),
        ({"photo_alt": "Une photo oubliée"}, "sans photo"),
        ({"photo": "OK", "status": "fini"}, "Avancement inconnu"),
        ({"photo": "OK", "date": "hier"}, "date"),
        ({"photo": "OK", "body": ""}, "Décrivez l'avancement"),
        ({"photo": "OK", "status": ""}, "Avancement inconnu"),
        ({"status": None}, "status"),
    ],
)
def test_bad_followup_photos_change_nothing(client, results_setup, settings, extra, message):
    settings.PARVIS_IMAGE_MAX_BYTES = 200_000
    winner = results_setup["a"]
    form = {
        k: v
        for k, v in {"status": "works", "body": "Les bancs sont posés.", **extra}.items()
        if v is not None
    }
    if form.get("photo") == "OK":
        form["photo"] = _jpeg()
    elif form.get("photo") == "BIG":
        big = io.BytesIO()
        Image.effect_noise((600, 600), 100).convert("RGB").save(big, "PNG")
        assert len(big.getvalue()) > settings.PARVIS_IMAGE_MAX_BYTES
        form["photo"] = SimpleUploadedFile("big.png", big.getvalue(), content_type="image/png")
    elif form.get("photo") == "TWO":
        form["photo"] = [_jpeg("a.jpg"), _jpeg("b.jpg")]
    r = client.post(f"/api/budget/projects/{winner.pk}/followup", form, **_auth(make_agent()))
    assert r.status_code == 400, r.content
    assert message in r.json()["detail"]
    assert not FollowUpUpdate.objects.exists()
    assert Project.objects.get(pk=winner.pk).implementation == ""


def test_followup_photo_refused_to_residents(client, results_setup):
    winner = results_setup["a"]
    form = {"status": "works", "body": "Les bancs sont posés.", "photo": _jpeg()}
    r = client.post(f"/api/budget/projects/{winner.pk}/followup", form, **_auth(make_user()))
    assert r.status_code == 403
    assert client.post(f"/api/budget/projects/{winner.pk}/followup", form).status_code == 401
    assert not FollowUpUpdate.objects.exists()


def test_openapi_documents_the_followup_photo(client):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/budget/projects/{project_id}/followup"]
    content = operation["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    fields = content["multipart/form-data"]["schema"]["properties"]
    assert fields["photo"]["format"] == "binary"
    assert "photo_alt" in fields
    assert set(content["application/json"]["schema"]["properties"]) == {"status", "body", "date"}


def test_openapi_documents_staff_actions(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/budget/projects/{project_id}/review",
        "/api/budget/campaigns/{slug}/reviews",
        "/api/budget/campaigns/{slug}/merge",
        "/api/budget/projects/{project_id}/split",
        "/api/budget/campaigns/{slug}/envelopes/{envelope}/paper",
        "/api/budget/campaigns/{slug}/envelopes/{envelope}/overrides",
        "/api/budget/projects/{project_id}/followup",
    ):
        assert path in paths
        operation = next(iter(paths[path].values()))
        assert operation.get("security"), path


def test_merge_checks_the_role_before_looking_ids_up(client, review_setup):
    """A resident learns nothing about which ids exist: 403 whatever the ids."""
    resident = _auth(make_user())
    url = "/api/budget/campaigns/bp-staff/merge"
    for ids in ([999998, 999999], [review_setup["mine"].pk, 999999], [2**40, 2**41]):
        r = _post(client, url, {"project_ids": ids, "title": "Projet commun", "body": BODY}, resident)
        assert r.status_code == 403, (ids, r.content)
    r = _post(client, url, {"project_ids": [2**63, 1], "title": "Projet commun", "body": BODY}, resident)
    assert r.status_code == 422  # a request the API cannot read, refused before any lookup
    assert "nombre trop grand" in r.json()["detail"]
    r = _post(
        client, url, {"project_ids": list(range(1, 60)), "title": "Projet commun", "body": BODY},
        _auth(review_setup["agent"]),
    )
    assert r.status_code == 400
    assert "Pas plus de 50 idées" in r.json()["detail"]
    assert not Project.objects.filter(status=Status.MERGED).exists()
