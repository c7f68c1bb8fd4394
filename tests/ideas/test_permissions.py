"""Every role × every phase × every action, in one parametrised test (permissions.can decides)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from parvis.core.models import Role, TerritoryLevel
from parvis.core.permissions import BLOCKED, CONFIRM_EMAIL
from parvis.ideas.models import Participation, ScopeKind
from parvis.ideas.permissions import RULES, Action, can
from tests.factories import make_territory, make_user, square
from tests.permissions_matrix import BY_NAME, expected, make_persona

from .factories import make_consultation, make_idea

T0 = timezone.now() + timedelta(days=100)
AT = {
    "upcoming": T0 - timedelta(days=1),
    "ideas": T0 + timedelta(days=5),
    "discussion": T0 + timedelta(days=15),
    "closed": T0 + timedelta(days=25),
    "answer": T0 + timedelta(days=35),
}
ROLES = [
    "anonymous",
    "unconfirmed",
    "blocked",
    "resident",
    "outsider",
    "minor",
    "moderator",
    "agent",
    "mediator",
    "admin",
]
CONTRIBUTORS = {"resident", "moderator", "agent", "admin"}  # confirmed, old enough, living in the scope
EXPECTED_ROLES = {
    Action.PROPOSE: CONTRIBUTORS,
    Action.PROPOSE_ASSISTED: {"mediator", "admin"},
    Action.EDIT: {"resident"},  # the author of the idea
    Action.COMMENT: CONTRIBUTORS,
    Action.SUPPORT: CONTRIBUTORS,
    Action.FOLLOW: {
        "unconfirmed",
        "resident",
        "outsider",
        "minor",
        "moderator",
        "agent",
        "mediator",
        "admin",
    },
    Action.ANSWER: {"agent", "admin"},
    Action.MODERATE: {"moderator", "admin"},
    Action.STATEMENT: CONTRIBUTORS,
    Action.VOTE: CONTRIBUTORS,
}
EXPECTED_PHASES = {
    Action.PROPOSE: {"ideas"},
    Action.PROPOSE_ASSISTED: {"ideas"},
    Action.EDIT: {"ideas", "discussion"},
    Action.COMMENT: {"ideas", "discussion"},
    Action.SUPPORT: {"ideas", "discussion"},
    Action.FOLLOW: {"ideas", "discussion", "closed", "answer"},
    Action.ANSWER: {"ideas", "discussion", "closed", "answer"},
    Action.MODERATE: {"upcoming", "ideas", "discussion", "closed", "answer"},
    Action.STATEMENT: {"ideas", "discussion"},
    Action.VOTE: {"ideas", "discussion"},
}


@pytest.fixture
def world(db):
    inside = make_territory(level=TerritoryLevel.DISTRICT, code="75111", geometry=square(2.37, 48.85))
    outside = make_territory(level=TerritoryLevel.DISTRICT, code="75116", geometry=square(2.25, 48.86))
    consultation = make_consultation(
        starts_at=T0,
        ideas_end_at=T0 + timedelta(days=10),
        discussion_end_at=T0 + timedelta(days=20),
        answer_at=T0 + timedelta(days=30),
        scope_kind=ScopeKind.TERRITORIES,
        territories=[inside],
        participation=Participation.RESIDENTS,
        min_age=15,
        opinion_map_enabled=True,
    )
    adult = date(1990, 1, 1)
    users = {
        "anonymous": None,
        "unconfirmed": make_user(confirmed=False, home_district=inside, birth_date=adult),
        "blocked": make_user(home_district=inside, birth_date=adult, blocked_at=timezone.now()),
        "resident": make_user(home_district=inside, birth_date=adult),
        "outsider": make_user(home_district=outside, birth_date=adult),
        "minor": make_user(home_district=inside, birth_date=timezone.localdate() - timedelta(days=365 * 12)),
        "moderator": make_user(role=Role.MODERATOR, home_district=inside, birth_date=adult),
        "agent": make_user(role=Role.AGENT, home_district=inside, birth_date=adult),
        "mediator": make_user(role=Role.MEDIATOR),
        "admin": make_user(role=Role.ADMIN, home_district=inside, birth_date=adult),
    }
    idea = make_idea(consultation=consultation, author=users["resident"])
    return consultation, users, idea


@pytest.mark.parametrize("action", Action.ALL)
@pytest.mark.parametrize("phase", list(AT))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role, phase, action):
    from django.contrib.auth.models import AnonymousUser

    consultation, users, idea = world
    user = users[role] or AnonymousUser()
    decision = can(user, action, consultation, idea, now=AT[phase])
    expected = role in EXPECTED_ROLES[action] and phase in EXPECTED_PHASES[action]
    assert decision.allowed is expected, (role, phase, action, decision.reason)
    if not expected:
        assert decision.reason  # every refusal says why, in French


def test_permanent_box_is_always_open_for_ideas(db):
    box = make_consultation(permanent=True)
    resident = make_user()
    assert can(resident, Action.PROPOSE, box, now=timezone.now() + timedelta(days=3000))


def test_refusal_messages(world):
    consultation, users, idea = world
    assert "e-mail" in can(users["unconfirmed"], Action.PROPOSE, consultation, now=AT["ideas"]).reason
    assert "15 ans" in can(users["minor"], Action.COMMENT, consultation, now=AT["ideas"]).reason
    assert "périmètre" in can(users["outsider"], Action.SUPPORT, consultation, now=AT["ideas"]).reason
    assert "terminé" in can(users["resident"], Action.PROPOSE, consultation, now=AT["discussion"]).reason
    assert "pas encore" in can(users["resident"], Action.COMMENT, consultation, now=AT["upcoming"]).reason


def test_age_without_birth_date_asks_for_it(world):
    consultation, users, idea = world
    users["resident"].birth_date = None
    assert "date de naissance" in can(users["resident"], Action.PROPOSE, consultation, now=AT["ideas"]).reason


def test_neighbourhood_inside_a_chosen_district_is_in_scope(world):
    consultation, users, idea = world
    district = consultation.territories.get()
    quarter = make_territory(level=TerritoryLevel.NEIGHBOURHOOD, parent=district)
    person = make_user(home_neighbourhood=quarter, birth_date=date(1980, 5, 5))
    assert can(person, Action.PROPOSE, consultation, now=AT["ideas"])


def test_support_closes_at_the_threshold_deadline(world):
    consultation, users, idea = world
    idea.threshold_deadline = AT["ideas"]
    assert not can(
        users["resident"], Action.SUPPORT, consultation, idea, now=AT["ideas"] + timedelta(seconds=1)
    )
    assert can(users["resident"], Action.SUPPORT, consultation, idea, now=AT["ideas"] - timedelta(seconds=1))


# Generated from the table: every persona × every phase × every action of ``permissions.RULES``.


@pytest.mark.parametrize("phase", list(AT))
def test_matrix_from_the_table(world, phase):
    consultation, users, _idea = world
    district = consultation.territories.get()
    for name in BY_NAME:
        user = make_persona(name, home_district=district, birth_date=date(1990, 1, 1))
        own_idea = make_idea(consultation=consultation, author=user if user.is_authenticated else None)
        for action, rule in RULES.items():
            decision = can(user, action, consultation, own_idea, now=AT[phase])
            assert decision.allowed is expected(rule, BY_NAME[name], phase), (name, phase, action)
            if not decision:
                assert decision.reason
                assert decision.status == (401 if name == "anonymous" else 403)


def test_same_refusals_as_every_module(world):
    consultation, users, idea = world
    unconfirmed = can(users["unconfirmed"], Action.PROPOSE, consultation, now=AT["ideas"])
    assert unconfirmed.reason == str(CONFIRM_EMAIL)
    assert can(users["blocked"], Action.FOLLOW, consultation, now=AT["ideas"]).reason == str(BLOCKED)
    assert can(None, Action.SUPPORT, consultation, idea, now=AT["ideas"]).status == 401
