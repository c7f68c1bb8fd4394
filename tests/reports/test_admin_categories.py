"""City admins set categories and routing rules from the back office (no Django admin needed)."""

import html

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parvis.core.audit import audit_history
from parvis.core.models import Territory, TerritoryLevel
from parvis.reports import services
from parvis.reports.models import Category, RoutingRule
from tests.factories import make_admin, make_agent, make_moderator, make_service, make_user

from .factories import BASTILLE, MONTMARTRE, district, make_report, make_rule, make_tree

pytestmark = pytest.mark.django_db

LIST = "/signalements/agents/categories/"


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def tree(paris):
    return make_tree(service=make_service())


def detail(category):
    return f"/signalements/agents/categories/{category.pk}/"


PEOPLE = {
    "anonymous": lambda: None,
    "resident": make_user,
    "moderator": make_moderator,
    "agent": lambda: make_agent(service=make_service()),
    "admin": make_admin,
}


@pytest.mark.parametrize("who", list(PEOPLE))
@pytest.mark.parametrize("action", ["list", "detail", "settings", "add_rule", "remove_rule"])
def test_permission_matrix(client, tree, who, action):
    _f, kind, leaf = tree
    service = make_service()
    rule = make_rule(category=kind, service=service)
    user = PEOPLE[who]()
    if user is not None:
        client.force_login(user)
    posts = {
        "settings": {
            "action": "settings",
            "target_hours": "5",
            "duplicate_radius_m": "80",
            "resolved_visible_days": "3",
        },
        "add_rule": {"action": "add_rule", "service": str(service.pk), "territory": str(district("11").pk)},
        "remove_rule": {"action": "remove_rule", "rule": str(rule.pk)},
    }
    target = leaf if action in ("detail", "settings", "add_rule") else kind
    if action == "list":
        response = client.get(LIST)
    elif action == "detail":
        response = client.get(detail(target))
    else:
        response = client.post(detail(target), posts[action])
    allowed = who == "admin"
    if who == "anonymous":
        assert response.status_code == 302
        assert "/connexion" in response["Location"] or "login" in response["Location"]
    elif allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403
    leaf.refresh_from_db()
    changed = {
        "settings": leaf.target_hours == 5,
        "add_rule": RoutingRule.objects.filter(category=leaf).exists(),
        "remove_rule": not RoutingRule.objects.filter(pk=rule.pk).exists(),
    }
    if action in changed:
        assert changed[action] is allowed


def test_services_refuse_non_admins(tree):
    _f, _k, leaf = tree
    for user in (make_user(), make_agent(service=leaf.service), make_moderator()):
        with pytest.raises(PermissionDenied, match="administrateurs"):
            services.category_update_settings(
                actor=user, category=leaf, target_hours=1, duplicate_radius_m=1, resolved_visible_days=1
            )
        with pytest.raises(PermissionDenied):
            services.routing_rule_add(actor=user, category=leaf, service_id=leaf.service_id)


def test_list_shows_the_tree_with_rules_in_few_queries(client, tree, django_assert_max_num_queries):
    family, kind, leaf = tree
    for i in range(5):
        sub = Category.objects.create(code=f"extra-{i}", name=f"Extra {i}", parent=kind)
        make_rule(category=sub, service=make_service(), territory=district(str(i + 1)))
    make_rule(category=kind, service=make_service(name="Espaces verts"), territory=district("12"))
    client.force_login(make_admin())
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    body = text(response)
    assert body.index("Propreté") < body.index("Déchets") < body.index("Sacs de déchets")
    assert "Espaces verts" in body
    assert body.count("/signalements/agents/categories/") >= 8


def test_admin_edits_settings_and_they_take_effect(client, tree):
    _f, _k, leaf = tree
    admin = make_admin()
    client.force_login(admin)
    response = client.post(
        detail(leaf),
        {
            "action": "settings",
            "target_hours": "24",
            "duplicate_radius_m": "120",
            "resolved_visible_days": "14",
        },
    )
    assert response.status_code == 302
    leaf.refresh_from_db()
    assert (leaf.target_hours, leaf.duplicate_radius_m, leaf.resolved_visible_days) == (24, 120, 14)
    assert [e.action for e in audit_history(leaf)] == ["reports.category_settings"]
    assert "Réglages enregistrés" in text(client.get(detail(leaf)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_hours", "0", "compris entre 1 et 8760"),
        ("target_hours", "douze", "nombre entier"),
        ("duplicate_radius_m", "1001", "compris entre 0 et 1000"),
        ("duplicate_radius_m", "-5", "compris entre 0 et 1000"),
        ("resolved_visible_days", "", "nombre entier"),
        ("resolved_visible_days", "400", "compris entre 0 et 365"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(client, tree, field, value, message):
    _f, _k, leaf = tree
    client.force_login(make_admin())
    body = {
        "action": "settings",
        "target_hours": "24",
        "duplicate_radius_m": "120",
        "resolved_visible_days": "14",
    }
    body[field] = value
    response = client.post(detail(leaf), body)
    assert response.status_code == 400
    assert message in text(response)
    leaf.refresh_from_db()
    assert (leaf.target_hours, leaf.duplicate_radius_m, leaf.resolved_visible_days) == (72, 50, 7)
    assert list(audit_history(leaf)) == []


def test_routing_rules_added_and_removed_route_new_reports(client, tree):
    _f, kind, leaf = tree
    green = make_service(name="Espaces verts")
    client.force_login(make_admin())
    response = client.post(
        detail(leaf), {"action": "add_rule", "service": str(green.pk), "territory": str(district("18").pk)}
    )
    assert response.status_code == 302
    assert make_report(category=leaf, point=MONTMARTRE).service == green
    assert make_report(category=leaf, point=BASTILLE).service == leaf.service
    # A default rule on the parent type: for its sub-categories with no rule and no service of their own.
    works = make_service(name="Voirie")
    client.post(detail(kind), {"action": "add_rule", "service": str(works.pk), "territory": ""})
    sibling = Category.objects.create(code="sibling", name="Encombrants", parent=kind)
    assert make_report(category=sibling, point=BASTILLE).service == works
    assert make_report(category=leaf, point=BASTILLE).service == leaf.service
    Category.objects.filter(pk=leaf.pk).update(service=None)
    assert make_report(category=leaf, point=BASTILLE).service == works
    assert make_report(category=leaf, point=MONTMARTRE).service == green
    rule = RoutingRule.objects.get(category=leaf)
    assert client.post(detail(leaf), {"action": "remove_rule", "rule": str(rule.pk)}).status_code == 302
    assert make_report(category=leaf, point=MONTMARTRE).service == works
    actions = sorted(e.action for e in audit_history(leaf))
    assert actions == ["reports.routing_add", "reports.routing_remove"]


def test_bad_routing_input_is_refused_and_changes_nothing(client, tree):
    _f, kind, leaf = tree
    service = make_service()
    rule = make_rule(category=kind, service=service, territory=district("11"))
    neighbourhood = Territory.objects.filter(level=TerritoryLevel.NEIGHBOURHOOD).first()
    client.force_login(make_admin())
    cases = [
        (leaf, {"action": "add_rule", "service": "", "territory": ""}, "Choisissez le service"),
        (leaf, {"action": "add_rule", "service": "999999", "territory": ""}, "Choisissez le service"),
        (leaf, {"action": "add_rule", "service": "abc", "territory": ""}, "Choisissez le service"),
        (
            leaf,
            {"action": "add_rule", "service": str(service.pk), "territory": str(neighbourhood.pk)},
            "arrondissement",
        ),
        (leaf, {"action": "add_rule", "service": str(service.pk), "territory": "999999"}, "arrondissement"),
        (
            kind,
            {"action": "add_rule", "service": str(service.pk), "territory": str(district("11").pk)},
            "existe déjà",
        ),
        (leaf, {"action": "remove_rule", "rule": str(rule.pk)}, "n'existe pas"),  # not this category's rule
        (leaf, {"action": "remove_rule", "rule": "x"}, "n'existe pas"),
        (leaf, {"action": "explode"}, "Action inconnue"),
    ]
    for category, body, message in cases:
        response = client.post(detail(category), body)
        assert response.status_code == 400, body
        assert message in text(response), body
    assert list(RoutingRule.objects.values_list("pk", flat=True)) == [rule.pk]
    assert client.get("/signalements/agents/categories/999999/").status_code == 404


def test_default_rule_is_unique_per_category(tree):
    _f, _k, leaf = tree
    admin = make_admin()
    services.routing_rule_add(actor=admin, category=leaf, service_id=leaf.service_id)
    with pytest.raises(ValidationError, match="partout"):
        services.routing_rule_add(actor=admin, category=leaf, service_id=make_service().pk)
    assert RoutingRule.objects.filter(category=leaf).count() == 1


def test_queue_links_to_the_page_for_admins_only(client, tree):
    _f, _k, leaf = tree
    client.force_login(make_agent(service=leaf.service))
    assert LIST not in text(client.get("/signalements/agents/"))
    client.force_login(make_admin())
    assert LIST in text(client.get("/signalements/agents/"))
