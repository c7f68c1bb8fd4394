"""The role × phase × action matrix, checked through real accounts and a campaign in each phase: once
against a table written out here, once generated from ``permissions.RULES`` with unconfirmed and
blocked accounts."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from parvis.budget import permissions
from parvis.core.models import Role
from parvis.core.permissions import BLOCKED, CONFIRM_EMAIL
from tests.budget.factories import make_campaign, make_district, make_envelope, make_project, make_voter
from tests.factories import make_admin, make_service, make_user
from tests.permissions_matrix import BY_NAME, expected, make_persona

pytestmark = pytest.mark.django_db

R, ME, AG, MO, AD = "resident", "mediator", "agent", "moderator", "admin"
EVERYONE = {R, ME, AG, MO, AD}

# Written out independently of permissions.RULES: action -> {phase: roles allowed}.
EXPECTED = {
    "propose": {"ideas": EVERYONE},
    "propose_assisted": {"ideas": {ME, AD}},
    "edit": {"ideas": EVERYONE, "coconstruction": EVERYONE},
    "comment": {"ideas": EVERYONE, "coconstruction": EVERYONE},
    "support": {"coconstruction": EVERYONE},
    "assign_service": {"ideas": {AD}, "coconstruction": {AD}, "review": {AD}},
    "merge": {"coconstruction": {AG, AD}, "review": {AG, AD}},
    "review": {"review": {AG, AD}},
    "publish_reviews": {"review": {AD}, "vote": {AD}},
    "vote": {"vote": EVERYONE},
    "enter_paper": {"vote": {AG, AD}, "results": {AG, AD}},
    "compute_results": {"results": {AD}, "followup": {AD}},
    "override": {"results": {AD}},
    "followup": {"results": {AG, AD}, "followup": {AG, AD}},
    "review_queue": {phase: {AG, AD} for phase in permissions.PHASES},
    "see_hidden": {phase: {MO, AD} for phase in permissions.PHASES},
}


def _user(role):
    if role == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    if role == "admin":
        return make_admin(home_district=make_district())
    return make_user(
        home_district=make_district(),
        role={
            "resident": Role.RESIDENT,
            "mediator": Role.MEDIATOR,
            "agent": Role.AGENT,
            "moderator": Role.MODERATOR,
        }[role]
    )


def test_matrix_covers_every_action():
    assert set(EXPECTED) == set(permissions.ACTIONS)


@pytest.mark.parametrize("phase", permissions.PHASES)
@pytest.mark.parametrize("role", ["anonymous", R, ME, AG, MO, AD])
def test_matrix(role, phase):
    campaign = make_campaign(open_phase=None if phase == "closed" else phase)
    user = _user(role)
    assert permissions.current_phase(campaign) == phase
    got = {action: bool(permissions.can(user, action, campaign)) for action in permissions.ACTIONS}
    want = {action: role in EXPECTED[action].get(phase, set()) for action in permissions.ACTIONS}
    assert got == want


def test_blocked_user_is_refused():
    campaign = make_campaign(open_phase="ideas")
    user = make_user(blocked_at=timezone.now())
    with pytest.raises(PermissionDenied, match="Votre compte est bloqué"):
        permissions.ensure(user, "propose", campaign)


def test_phase_message_is_french_and_specific():
    campaign = make_campaign(open_phase="review")
    with pytest.raises(PermissionDenied, match="Le vote n'est pas ouvert"):
        permissions.ensure(make_user(), "vote", campaign)


def test_only_author_edits_and_only_assigned_service_reviews():
    campaign = make_campaign(open_phase="ideas")
    env = make_envelope(campaign)
    author = make_user()
    idea = make_project(env, feasible=False, author=author)
    assert permissions.can(author, "edit", campaign, obj=idea)
    with pytest.raises(PermissionDenied, match="Seul l'auteur"):
        permissions.ensure(make_user(), "edit", campaign, obj=idea)
    campaign = make_campaign(open_phase="review")
    env = make_envelope(campaign)
    service, other = make_service(), make_service()
    idea = make_project(env, feasible=False, service=service)
    member = make_user(role=Role.AGENT)
    service.members.add(member)
    outsider = make_user(role=Role.AGENT)
    other.members.add(outsider)
    assert permissions.can(member, "review", campaign, obj=idea)
    with pytest.raises(PermissionDenied, match="pas confié à votre service"):
        permissions.ensure(outsider, "review", campaign, obj=idea)


# Generated from the table: every persona × every phase × every action of ``permissions.RULES``.


@pytest.fixture
def personas(db):
    district = make_district()
    return {name: make_persona(name, home_district=district) for name in BY_NAME}


@pytest.mark.parametrize("phase", permissions.PHASES)
def test_matrix_from_the_table(personas, phase):
    campaign = make_campaign(open_phase=None if phase == "closed" else phase)
    assert permissions.current_phase(campaign) == phase
    for name, user in personas.items():
        for action, rule in permissions.RULES.items():
            decision = permissions.can(user, action, campaign)
            assert decision.allowed is expected(rule, BY_NAME[name], phase), (name, phase, action)
            if not decision:
                assert decision.reason
                assert decision.status == (401 if name == "anonymous" else 403)


def test_unconfirmed_account_is_refused_the_vote_and_the_proposal_as_in_every_module():
    voter = make_voter(confirmed=False)
    for phase, action in (("ideas", "propose"), ("vote", "vote"), ("coconstruction", "support")):
        decision = permissions.can(voter, action, make_campaign(open_phase=phase))
        assert decision.reason == str(CONFIRM_EMAIL)


def test_blocked_account_is_refused_everywhere():
    blocked = make_admin(blocked_at=timezone.now(), home_district=make_district())
    for phase in permissions.PHASES:
        campaign = make_campaign(open_phase=None if phase == "closed" else phase)
        for action in permissions.ACTIONS:
            assert permissions.can(blocked, action, campaign).reason == str(BLOCKED)
