"""The Django admin is usable for staff: territories, services, users (with block/unblock actions)."""

import pytest

from parvis.core.models import AuditEntry, Role, Service, Territory, TerritoryLevel, User
from tests.factories import make_admin, make_agent, make_service, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_admin())
    return client


@pytest.mark.parametrize("model", ["user", "territory", "service", "flag", "auditentry", "apitoken"])
def test_changelists_and_add_pages(admin_client, paris, model):
    assert admin_client.get(f"/admin/core/{model}/").status_code == 200
    assert admin_client.get(f"/admin/core/{model}/?q=saint").status_code == 200
    add = admin_client.get(f"/admin/core/{model}/add/")
    assert add.status_code in (200, 403)


def test_change_pages(admin_client, paris):
    territory = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7510401")
    assert admin_client.get(f"/admin/core/territory/{territory.pk}/change/").status_code == 200
    service = make_service()
    assert admin_client.get(f"/admin/core/service/{service.pk}/change/").status_code == 200
    user = make_user()
    assert admin_client.get(f"/admin/core/user/{user.pk}/change/").status_code == 200


def test_admin_creates_a_user(admin_client):
    response = admin_client.post(
        "/admin/core/user/add/",
        {
            "email": "Agent@Example.org",
            "role": Role.AGENT,
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="agent@example.org")
    assert user.role == Role.AGENT
    assert user.check_password("un-mot-de-passe-solide")


def test_admin_user_add_bad_inputs(admin_client):
    make_user(email="taken@example.org")
    response = admin_client.post(
        "/admin/core/user/add/",
        {
            "email": "TAKEN@example.org",
            "role": Role.RESIDENT,
            "password1": "un-mot-de-passe-solide",
            "password2": "un-mot-de-passe-solide",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_admin_edits_a_service_members(admin_client):
    service = make_service(name="Propreté")
    agent = make_agent()
    response = admin_client.post(
        f"/admin/core/service/{service.pk}/change/",
        {
            "code": service.code,
            "name": "Propreté et eau",
            "email": "proprete@paris.example",
            "members": [agent.pk],
        },
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "Propreté et eau"
    assert list(service.members.all()) == [agent]


def test_admin_edits_a_territory_name_and_the_lookup_follows(
    admin_client, paris, django_capture_on_commit_callbacks
):
    territory = Territory.objects.get(level=TerritoryLevel.NEIGHBOURHOOD, code="7510401")
    assert admin_client.get("/api/territories/locate", {"lat": "48.8566", "lon": "2.3522"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/core/territory/{territory.pk}/change/",
            {
                "level": territory.level,
                "code": territory.code,
                "name": "Saint-Merry",
                "parent": territory.parent_id,
                "population": 7000,
                "approximate": "on",
            },
        )
    assert response.status_code == 302
    data = admin_client.get("/api/territories/locate", {"lat": "48.8566", "lon": "2.3522"}).json()
    assert data["neighbourhood"]["name"] == "Saint-Merry"


def test_admin_block_and_unblock_actions_are_audited(admin_client):
    resident = make_user()
    response = admin_client.post(
        "/admin/core/user/", {"action": "block_users", "_selected_action": [resident.pk]}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.is_blocked
    admin_client.post("/admin/core/user/", {"action": "unblock_users", "_selected_action": [resident.pk]})
    resident.refresh_from_db()
    assert not resident.is_blocked
    assert list(AuditEntry.objects.order_by("created_at").values_list("action", flat=True)) == [
        "user.block",
        "user.unblock",
    ]


def test_admin_is_for_staff_only(client):
    client.force_login(make_user())
    response = client.get("/admin/core/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    assert Service.objects.count() == 0


@pytest.mark.parametrize("model", ["user", "territory", "flag", "auditentry", "apitoken", "service"])
def test_changelists_do_not_grow_with_rows(
    admin_client, paris, contribution, model, django_assert_max_num_queries
):
    from parvis.core.audit import audit_record
    from parvis.core.moderation import flag_create
    from parvis.core.tokens import token_create

    for _ in range(25):
        user = make_user()
        token_create(user=user, name="t")
        audit_record(actor=user, action="x", target=user)
        flag_create(reporter=user, target=contribution, reason="spam")
        make_service().members.add(user)
    with django_assert_max_num_queries(14):
        assert admin_client.get(f"/admin/core/{model}/").status_code == 200
