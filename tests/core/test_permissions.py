"""The shared permissions contract: levels, roles, contribution checks, eligibility, statuses."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template import Context as TemplateContext
from django.template import Template
from django.utils import timezone

from parvis.core import permissions as p
from parvis.core.models import Role
from tests.factories import make_admin, make_agent, make_moderator, make_service, make_territory, make_user

pytestmark = pytest.mark.django_db

RULES = {
    "look": p.Rule(level=p.Level.ANONYMOUS),
    "follow": p.Rule(),
    "propose": p.Rule(phases=frozenset({"open"}), contribution=True, eligibility=("min_age",)),
    "vote": p.Rule(phases=frozenset({"open"}), contribution=True, eligibility=(p.CONFIGURED,)),
    "answer": p.Rule(roles=frozenset({p.Role.AGENT}), role_message="Agents seulement."),
    "verified": p.Rule(level=p.Level.VERIFIED_RESIDENT),
}


class Scope:
    min_age = None
    eligibility_checks = ()


def decide(user, action, phase="open", scope=None):
    return p.evaluate(RULES, user, action, scope=scope or Scope(), phase=phase)


def test_statuses_and_shared_messages():
    anonymous = decide(AnonymousUser(), "propose")
    assert (anonymous.allowed, anonymous.status, anonymous.reason) == (False, 401, str(p.SIGN_IN))
    blocked = decide(make_user(blocked_at=timezone.now()), "follow")
    assert (blocked.status, blocked.reason) == (403, str(p.BLOCKED))
    assert decide(make_user(deleted_at=timezone.now()), "follow").reason == str(p.BLOCKED)
    unconfirmed = make_user(confirmed=False)
    assert decide(unconfirmed, "follow")
    assert decide(unconfirmed, "propose").reason == str(p.CONFIRM_EMAIL)
    assert decide(unconfirmed, "vote").reason == str(p.CONFIRM_EMAIL)
    assert decide(make_user(), "propose", phase="closed").reason == str(p.PHASE_CLOSED)
    assert decide(make_user(), "answer").reason == "Agents seulement."
    assert decide(make_agent(), "answer")
    assert decide(make_admin(), "answer")
    assert decide(AnonymousUser(), "look")
    assert decide(make_user(blocked_at=timezone.now()), "look")


def test_ensure_raises_a_permission_denied_carrying_the_decision():
    with pytest.raises(PermissionDenied) as caught:
        p.ensure(decide(AnonymousUser(), "propose"))
    assert p.status_of(caught.value) == 401
    assert str(caught.value) == str(p.SIGN_IN)
    assert p.status_of(PermissionDenied("plain")) == 403
    p.ensure(decide(make_user(), "propose"))


def test_verified_resident_is_a_hook_a_module_provides():
    person = make_user()
    assert decide(person, "verified").reason == str(p.NOT_VERIFIED)
    scope = Scope()
    scope.eligibility_checks = ["verified_resident"]
    assert decide(person, "vote", scope=scope).reason == str(p.NOT_VERIFIED)
    before = p.LEVEL_HOOKS[p.Level.VERIFIED_RESIDENT]
    p.register_level(p.Level.VERIFIED_RESIDENT, lambda user: user.display_name == "Vérifiée")
    try:
        person.display_name = "Vérifiée"
        assert decide(person, "verified")
        assert decide(person, "vote", scope=scope)
        assert not decide(make_user(confirmed=False, display_name="Vérifiée"), "verified")
    finally:
        p.register_level(p.Level.VERIFIED_RESIDENT, before)


def test_a_contribution_check_added_later_applies_to_every_contribution():
    def charter(context):
        return None if context.user.display_name == "Charte" else "Acceptez la charte."

    p.register_contribution_check(charter)
    try:
        assert decide(make_user(), "propose").reason == "Acceptez la charte."
        assert decide(make_user(), "vote").reason == "Acceptez la charte."
        assert decide(make_user(), "follow")  # not a contribution
        assert decide(make_user(display_name="Charte"), "propose")
        assert p.contribution_problem(make_user()) == "Acceptez la charte."
    finally:
        p.CONTRIBUTION_CHECKS.remove(charter)


def test_eligibility_by_name_configured_per_scope():
    scope = Scope()
    scope.min_age = 16
    assert "date de naissance" in decide(make_user(), "propose", scope=scope).reason
    ten = timezone.localdate() - timedelta(days=365 * 10)
    assert "à partir de 16 ans" in decide(make_user(birth_date=ten), "propose", scope=scope).reason
    assert decide(make_user(birth_date=date(1990, 1, 1)), "propose", scope=scope)
    scope.eligibility_checks = ["resident", "nope"]
    reason = decide(make_user(), "vote", scope=scope).reason
    assert "adresse" in reason
    assert "inconnue : nope" in reason
    district = make_territory()
    scope.eligibility_checks = ["resident"]
    assert decide(make_user(home_district=district), "vote", scope=scope)


def test_territory_eligibility_reads_the_scope_area():
    district, other = make_territory(), make_territory()
    scope = Scope()
    scope.residence_area = lambda: p.ResidenceArea(territory_ids=frozenset({district.pk}))
    scope.eligibility_checks = ["territory"]
    assert decide(make_user(home_district=district), "vote", scope=scope)
    assert "périmètre" in decide(make_user(home_district=other), "vote", scope=scope).reason
    scope.residence_area = lambda: None
    assert decide(make_user(home_district=other), "vote", scope=scope)


def test_agent_of_a_service():
    service, other = make_service(), make_service()
    agent = make_agent(service=service)
    assert p.is_agent_of(agent, service.pk)
    assert not p.is_agent_of(agent, other.pk)
    assert not p.is_agent_of(agent, None)
    assert p.is_agent_of(agent, None, unassigned=True)
    assert p.is_agent_of(make_admin(), other.pk)
    assert not p.is_agent_of(make_user(), service.pk)
    assert not p.is_agent_of(make_agent(service=service, blocked_at=timezone.now()), service.pk)


@pytest.mark.parametrize(
    ("maker", "spaces"),
    [
        (lambda: AnonymousUser(), set()),
        (lambda: make_user(), set()),
        (lambda: make_user(role=Role.MEDIATOR), set()),
        (lambda: make_moderator(), {"moderation"}),
        (lambda: make_agent(), {"agents"}),
        (lambda: make_moderator(blocked_at=timezone.now()), set()),
        (lambda: make_admin(), {"moderation", "agents", "administration"}),
    ],
)
def test_staff_spaces(maker, spaces):
    user = maker()
    assert {space for space in p.SPACES if p.can_use(user, space)} == spaces
    rendered = Template(
        '{% load permissions_tags %}{% if user|may_use:"moderation" %}M{% endif %}'
        '{% if user|may_use:"agents" %}A{% endif %}'
    ).render(TemplateContext({"user": user}))
    assert rendered == ("M" if "moderation" in spaces else "") + ("A" if "agents" in spaces else "")


def test_moderation_queue_page_refuses_non_moderators(client):
    client.force_login(make_user())
    assert client.get("/moderation/").status_code == 403
    client.force_login(make_moderator())
    assert client.get("/moderation/").status_code == 200
