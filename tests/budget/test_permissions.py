"""The role × phase × action matrix, checked through real accounts and a campaign in each phase."""

import pytest
from django.core.exceptions import PermissionDenied

from parvis.budget import permissions
from parvis.core.models import Role
from tests.budget.factories import make_campaign, make_envelope, make_project
from tests.factories import make_admin, make_service, make_user

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
}


def _user(role):
    if role == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    if role == "admin":
        return make_admin()
    return make_user(
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
@pytest.mark.parametrize("role", permissions.ROLES)
def test_matrix(role, phase):
    campaign = make_campaign(open_phase=None if phase == "closed" else phase)
    user = _user(role)
    assert permissions.current_phase(campaign) == phase
    got = {action: permissions.can(user, action, campaign) for action in permissions.ACTIONS}
    want = {action: role in EXPECTED[action].get(phase, set()) for action in permissions.ACTIONS}
    assert got == want


def test_blocked_user_acts_as_anonymous():
    from django.utils import timezone

    campaign = make_campaign(open_phase="ideas")
    user = make_user(blocked_at=timezone.now())
    with pytest.raises(PermissionDenied, match="Connectez-vous"):
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
