"""The permissions contract every module shares: who may do what, in which phase, and why not.

A module states its actions as a table (``RULES: dict[action, Rule]``), as adhocracy4's phase features
and Decidim's permission classes do, and answers every question with ``evaluate(...)``: a ``Decision``
(allowed, the French reason shown to the person, the HTTP status). Views, API functions and templates
ask the module's ``can()``/``ensure()``; none of them tests a role or a flag itself.

The rules shared by every module live here, each in one registry that a later module extends without
touching the apps:

- participation levels (``LEVELS``): anonymous < registered < e-mail confirmed < verified resident;
  ``register_level`` replaces a level's predicate (the citizen card provides "verified resident");
- ``CONTRIBUTION_CHECKS``: run before every action a table marks ``contribution=True``; e-mail
  confirmation is the first, the participation charter (``core.charter``) the next;
- ``ELIGIBILITY``: named conditions (``min_age``, ``resident``, ``territory``, ``verified_resident``)
  that a rule requires by name and that a campaign or consultation configures;
- staff roles (``ROLES``) and the staff spaces (``SPACES``) that the navigation shows.

Blocked, deleted or deactivated accounts are refused every action that needs an account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Decision:
    """The answer to "may this person do this?": truthy when allowed; otherwise the reason to show and
    the HTTP status (401: sign in first; 403: refused; 404: not to be seen at all)."""

    allowed: bool
    reason: str = ""
    status: int = 200

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


class Refused(PermissionDenied):
    """``PermissionDenied`` carrying its ``Decision``: pages and the API answer ``decision.status``
    with ``decision.reason``; code that catches ``PermissionDenied`` keeps working."""

    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision

    @property
    def status(self) -> int:
        return self.decision.status


def refuse(reason, status: int = 403) -> Decision:
    return Decision(False, str(reason), status)


def not_found(reason="") -> Decision:
    """What the person may not even see: the API answers 404 and pages "not found"."""
    return Decision(False, str(reason or _("Introuvable.")), 404)


def ensure(decision: Decision) -> None:
    """Raise ``Refused`` unless the decision allows."""
    if not decision:
        raise Refused(decision)


def status_of(exc: PermissionDenied) -> int:
    """The HTTP status for a refusal: the decision's, or 403 for a plain ``PermissionDenied``."""
    decision = getattr(exc, "decision", None)
    return decision.status if decision is not None else 403


# ---------------------------------------------------------------------------------------------------------
# Messages shared by every module: one reason, one wording.

SIGN_IN = gettext_lazy("Connectez-vous pour participer.")
BLOCKED = gettext_lazy("Votre compte est bloqué : vous ne pouvez plus participer.")
CONFIRM_EMAIL = gettext_lazy(
    "Confirmez votre adresse e-mail (lien reçu à l'inscription) avant votre première contribution."
)
NOT_VERIFIED = gettext_lazy(
    "Cette action est réservée aux habitant·es dont la résidence a été vérifiée par la ville."
)
ROLE_REQUIRED = gettext_lazy("Votre rôle ne permet pas cette action.")
PHASE_CLOSED = gettext_lazy("Cette action n'est pas possible à cette étape.")
MODERATORS_ONLY = gettext_lazy("Réservé aux modérateurs.")
MEDIATORS_ONLY = gettext_lazy("Seuls les médiateur·rices peuvent déposer une idée pour une autre personne.")
AGENTS_ONLY = gettext_lazy("Cet espace est réservé aux agents de la ville.")
ADMINS_ONLY = gettext_lazy("Réservé aux administrateurs de la ville.")


# ---------------------------------------------------------------------------------------------------------
# Participation levels


def is_anonymous(user) -> bool:
    return user is None or not user.is_authenticated


def is_blocked(user) -> bool:
    """Blocked by a moderator, deleted, or deactivated: refused everything that needs an account."""
    if is_anonymous(user):
        return False
    return bool(user.blocked_at or user.deleted_at or not user.is_active)


def is_registered(user) -> bool:
    """Signed in with an account in good standing."""
    return not is_anonymous(user) and not is_blocked(user)


def is_email_confirmed(user) -> bool:
    return is_registered(user) and user.email_confirmed_at is not None


def _never_verified(user) -> bool:
    """Until a module registers how residence is verified (the citizen card), nobody is verified."""
    return False


class Level:
    ANONYMOUS = "anonymous"
    REGISTERED = "registered"
    EMAIL_CONFIRMED = "email_confirmed"
    VERIFIED_RESIDENT = "verified_resident"


@dataclass(frozen=True)
class LevelSpec:
    predicate: Callable
    message: object
    status: int = 403


#: Ordered from the lowest to the highest: a level includes every level before it.
LEVELS: dict[str, LevelSpec] = {
    Level.ANONYMOUS: LevelSpec(lambda user: True, ""),
    Level.REGISTERED: LevelSpec(is_registered, SIGN_IN, 401),
    Level.EMAIL_CONFIRMED: LevelSpec(is_email_confirmed, CONFIRM_EMAIL),
    Level.VERIFIED_RESIDENT: LevelSpec(lambda user: LEVEL_HOOKS[Level.VERIFIED_RESIDENT](user), NOT_VERIFIED),
}

#: The predicate behind a level that a module provides (``register_level``).
LEVEL_HOOKS: dict[str, Callable] = {Level.VERIFIED_RESIDENT: _never_verified}


def register_level(name: str, predicate: Callable, message=None) -> None:
    """Provide the predicate of a level (``Level.VERIFIED_RESIDENT`` for the citizen card), or add a
    new level above the others. Rules that name the level start using it at once."""
    if name in LEVEL_HOOKS:
        LEVEL_HOOKS[name] = predicate
        if message is not None:
            LEVELS[name] = LevelSpec(LEVELS[name].predicate, message)
        return
    LEVELS[name] = LevelSpec(predicate, message or ROLE_REQUIRED)


def level_problem(user, level: str) -> Decision | None:
    """The refusal for the first level below ``level`` that the person does not reach, or None."""
    if level == Level.ANONYMOUS:
        return None
    if is_anonymous(user):
        return refuse(SIGN_IN, 401)
    if is_blocked(user):
        return refuse(BLOCKED)
    for name, spec in LEVELS.items():
        if not spec.predicate(user):
            return refuse(spec.message, spec.status)
        if name == level:
            return None
    raise KeyError(level)


def reaches(user, level: str) -> bool:
    return level_problem(user, level) is None


# ---------------------------------------------------------------------------------------------------------
# Staff roles


class Role:
    MODERATOR = "moderator"
    AGENT = "agent"
    MEDIATOR = "mediator"
    ADMIN = "admin"


#: A city administrator holds every role (the ``User`` properties say so).
ROLES: dict[str, Callable] = {
    Role.MODERATOR: lambda user: user.is_moderator,
    Role.AGENT: lambda user: user.is_agent,
    Role.MEDIATOR: lambda user: user.is_mediator,
    Role.ADMIN: lambda user: user.is_city_admin,
}


def has_role(user, *roles: str) -> bool:
    """Signed in, in good standing, and holding one of ``roles``."""
    return is_registered(user) and any(ROLES[role](user) for role in roles)


def is_moderator(user) -> bool:
    return has_role(user, Role.MODERATOR)


def is_agent(user) -> bool:
    return has_role(user, Role.AGENT)


def is_mediator(user) -> bool:
    return has_role(user, Role.MEDIATOR)


def is_city_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def service_ids(user) -> set[int]:
    """The city services the person belongs to (cached on the user object for the request)."""
    if is_anonymous(user):
        return set()
    cached = getattr(user, "_parvis_service_ids", None)
    if cached is None:
        cached = set(user.services.values_list("id", flat=True))
        user._parvis_service_ids = cached
    return cached


def is_agent_of(user, service_id: int | None, *, unassigned: bool = False) -> bool:
    """An agent of that city service, or a city admin. ``unassigned``: any agent when no service is set."""
    if not is_agent(user):
        return False
    if is_city_admin(user):
        return True
    if service_id is None:
        return unassigned
    return service_id in service_ids(user)


# ---------------------------------------------------------------------------------------------------------
# Staff spaces: what the navigation links to, for whom.

#: space -> predicate; a module adds its own with ``register_space``.
SPACES: dict[str, Callable] = {
    "moderation": is_moderator,
    "agents": is_agent,
    "administration": lambda user: is_city_admin(user) and user.is_staff,
}


def register_space(name: str, predicate: Callable) -> None:
    SPACES[name] = predicate


def can_use(user, space: str) -> bool:
    """May this person open that staff space (moderation queue, agents' workspace, administration)?"""
    return bool(SPACES[space](user))


def can_moderate(user) -> bool:
    return can_use(user, "moderation")


def can_use_back_office(user) -> bool:
    return can_use(user, "agents")


def can_use_administration(user) -> bool:
    return can_use(user, "administration")


def ensure_space(user, space: str, message=None) -> None:
    """Refuse (401 when anonymous) unless the person may open that staff space."""
    if is_anonymous(user):
        ensure(refuse(SIGN_IN, 401))
    if not can_use(user, space):
        default = {"moderation": MODERATORS_ONLY, "agents": AGENTS_ONLY}.get(space, ADMINS_ONLY)
        ensure(refuse(message or default))


# ---------------------------------------------------------------------------------------------------------
# Eligibility: named conditions a rule requires and a campaign or consultation configures.

#: name -> fn(user, scope) -> French message, or None when the person passes.
ELIGIBILITY: dict[str, Callable] = {}

#: In a rule's ``eligibility``: also every name the scope lists (``scope.eligibility_checks``).
CONFIGURED = "configured"


#: name -> (profile field, fn(user, scope) -> True when that field is what is missing): pages link to the
#: field of the account page (``/compte/#id_<field>``) beside the reason.
PROFILE_FIELDS: dict[str, tuple[str, Callable]] = {}


def register_eligibility(name: str, check: Callable, profile_field: tuple | None = None) -> None:
    ELIGIBILITY[name] = check
    if profile_field is not None:
        PROFILE_FIELDS[name] = profile_field


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _min_age(user, scope) -> str | None:
    """``scope.min_age``, when set."""
    minimum = getattr(scope, "min_age", None)
    if not minimum:
        return None
    if user.birth_date is None:
        return _(
            "Participation ouverte à partir de %(age)d ans : indiquez votre date de naissance dans "
            "« Mon compte »."
        ) % {"age": minimum}
    if age_on(user.birth_date, timezone.localdate()) < minimum:
        return _("Participation ouverte à partir de %(age)d ans.") % {"age": minimum}
    return None


def _resident(user, scope) -> str | None:
    """An address in the city: a district or neighbourhood set on the account."""
    if user.home_district_id or user.home_neighbourhood_id:
        return None
    return _("Réservé aux habitant·es de la ville : indiquez votre adresse dans « Mon compte ».")


@dataclass(frozen=True)
class ResidenceArea:
    """Where one must live: territory ids (a district includes its neighbourhoods) or a GeoJSON perimeter."""

    territory_ids: frozenset = frozenset()
    perimeter: dict | None = None


def lives_in(user, area: ResidenceArea) -> bool:
    if area.perimeter is not None:
        from shapely.geometry import Point, shape

        if user.home_lat is None or user.home_lon is None:
            return False
        return shape(area.perimeter).contains(Point(user.home_lon, user.home_lat))
    home = {user.home_neighbourhood_id, user.home_district_id} - {None}
    if home & area.territory_ids:
        return True
    neighbourhood = user.home_neighbourhood
    return neighbourhood is not None and neighbourhood.parent_id in area.territory_ids


def _territory(user, scope) -> str | None:
    """Home inside ``scope.residence_area()`` (None: open to everyone)."""
    area_of = getattr(scope, "residence_area", None)
    area = area_of() if area_of else None
    if area is None or lives_in(user, area):
        return None
    return _(
        "Réservé aux habitant·es du périmètre concerné : indiquez votre quartier dans « Mon compte »."
    )


def _verified_resident(user, scope) -> str | None:
    return None if LEVELS[Level.VERIFIED_RESIDENT].predicate(user) else str(NOT_VERIFIED)


def _no_birth_date(user, scope) -> bool:
    return bool(getattr(scope, "min_age", None)) and user.birth_date is None


def _no_home(user, scope) -> bool:
    return not (user.home_district_id or user.home_neighbourhood_id)


def _no_home_in_area(user, scope) -> bool:
    area_of = getattr(scope, "residence_area", None)
    area = area_of() if area_of else None
    if area is None:
        return False
    if area.perimeter is not None:
        return user.home_lat is None
    return _no_home(user, scope)


register_eligibility("min_age", _min_age, ("birth_date", _no_birth_date))
register_eligibility("resident", _resident, ("home_address", _no_home))
register_eligibility("territory", _territory, ("home_address", _no_home_in_area))
register_eligibility(Level.VERIFIED_RESIDENT, _verified_resident)


def missing_profile_field(user, scope, names: Iterable[str]) -> str | None:
    """The first account field one of these conditions needs and the person has left empty, or None."""
    if not is_registered(user):
        return None
    for name in _expand(scope, names):
        field_name, missing = PROFILE_FIELDS.get(name, (None, None))
        if missing is not None and missing(user, scope):
            return field_name
    return None


def _expand(scope, names: Iterable[str]) -> list[str]:
    expanded: list[str] = []
    for name in names:
        more = list(getattr(scope, "eligibility_checks", None) or []) if name == CONFIGURED else [name]
        expanded += [n for n in more if n not in expanded]
    return expanded


def eligibility_problems(user, scope, names: Iterable[str] = (CONFIGURED,)) -> list[str]:
    """A message for every condition the person fails (empty: eligible). Unknown names fail closed."""
    problems = []
    for name in _expand(scope, names):
        check = ELIGIBILITY.get(name)
        if check is None:
            problems.append(_("Condition de participation inconnue : %(name)s.") % {"name": name})
            continue
        message = check(user, scope)
        if message:
            problems.append(str(message))
    return problems


# ---------------------------------------------------------------------------------------------------------
# Contributions: the checks every contribution passes, whatever the module.


def _email_confirmed(context: Context) -> str | None:
    return None if is_email_confirmed(context.user) else str(CONFIRM_EMAIL)


#: fn(context) -> French message or None, run in order for every action marked ``contribution=True``.
CONTRIBUTION_CHECKS: list[Callable] = [_email_confirmed]


def register_contribution_check(check: Callable) -> None:
    """Add a rule every contribution passes (the participation charter); registering twice is a no-op."""
    if check not in CONTRIBUTION_CHECKS:
        CONTRIBUTION_CHECKS.append(check)


def contribution_problem(user, *, action: str = "", scope=None, obj=None) -> str | None:
    """The first contribution check the person fails, for code that takes contributions outside a table
    (a report sent by an account, an anonymous form)."""
    if is_anonymous(user):
        return str(SIGN_IN)
    if is_blocked(user):
        return str(BLOCKED)
    context = Context(user=user, action=action, scope=scope, obj=obj, phase=None, now=timezone.now())
    for check in CONTRIBUTION_CHECKS:
        message = check(context)
        if message:
            return str(message)
    return None


# ---------------------------------------------------------------------------------------------------------
# The table and its evaluator


@dataclass(frozen=True)
class Context:
    """What an object check or a contribution check sees."""

    user: object
    action: str
    scope: object
    obj: object
    phase: str | None
    now: datetime


@dataclass(frozen=True)
class Rule:
    """One line of a module's table.

    ``level``: the lowest participation level; ``roles``: staff roles, any of which suffices (empty:
    everyone at ``level``); ``phases``: the phases in which the action is open (None: always);
    ``contribution``: the action is a contribution (``CONTRIBUTION_CHECKS`` apply); ``eligibility``:
    conditions required by name (``CONFIGURED``: those the scope lists); ``check``: the object rule,
    ``fn(context) -> message | Decision | None``; the messages say why when the role or phase fails.
    """

    level: str = Level.REGISTERED
    roles: frozenset = frozenset()
    phases: frozenset | None = None
    contribution: bool = False
    eligibility: tuple = ()
    check: Callable | None = None
    role_message: object = ""
    phase_message: object = ""
    extra: dict = field(default_factory=dict)


def evaluate(
    rules: dict, user, action: str, *, scope=None, obj=None, phase: str | None = None, now=None
) -> Decision:
    """The one evaluator behind every module's ``can()``: account, role, phase, level, contribution
    checks, the object rule, then eligibility; the first that fails gives the reason."""
    rule: Rule = rules[action]
    if rule.level != Level.ANONYMOUS or rule.roles:
        problem = level_problem(user, Level.REGISTERED)
        if problem is not None:
            return problem
    if rule.roles and not any(ROLES[role](user) for role in rule.roles):
        return refuse(rule.role_message or ROLE_REQUIRED)
    context = Context(user=user, action=action, scope=scope, obj=obj, phase=phase, now=now or timezone.now())
    if rule.phases is not None and phase not in rule.phases:
        message = rule.phase_message(context) if callable(rule.phase_message) else rule.phase_message
        return refuse(message or PHASE_CLOSED)
    problem = level_problem(user, rule.level)
    if problem is not None:
        return problem
    if rule.contribution:
        for check in CONTRIBUTION_CHECKS:
            message = check(context)
            if message:
                return refuse(message)
    if rule.check is not None:
        outcome = rule.check(context)
        if isinstance(outcome, Decision):
            if not outcome:
                return outcome
        elif outcome:
            return refuse(outcome)
    if rule.eligibility:
        problems = eligibility_problems(user, scope, rule.eligibility)
        if problems:
            return refuse(" ".join(problems))
    return ALLOW
