"""The people every module's permission matrix is checked with, and what a table line should let each do.

``expected`` reads a ``Rule`` as a person would read the table (who, which phase, confirmed or not); it
does not call core's evaluator, so a matrix test compares two independent readings of the same table.
People are built to pass eligibility (adult, living in the scope): eligibility and object rules have
their own tests.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from parvis.core.models import Role
from tests.factories import make_user

EVERY_ROLE = frozenset({"moderator", "agent", "mediator", "admin"})


@dataclass(frozen=True)
class Persona:
    name: str
    signed_in: bool = True
    confirmed: bool = True
    blocked: bool = False
    roles: frozenset = frozenset()


PERSONAS = (
    Persona("anonymous", signed_in=False, confirmed=False),
    Persona("unconfirmed", confirmed=False),
    Persona("resident"),
    Persona("blocked", blocked=True),
    Persona("mediator", roles=frozenset({"mediator"})),
    Persona("agent", roles=frozenset({"agent"})),
    Persona("moderator", roles=frozenset({"moderator"})),
    Persona("admin", roles=EVERY_ROLE),  # a city administrator holds every staff role
)
BY_NAME = {persona.name: persona for persona in PERSONAS}


def make_persona(name: str, **extra):
    """A user for that persona; ``extra`` (home district, birth date…) makes them eligible."""
    persona = BY_NAME[name]
    if not persona.signed_in:
        return AnonymousUser()
    role = {"mediator": Role.MEDIATOR, "agent": Role.AGENT, "moderator": Role.MODERATOR, "admin": Role.ADMIN}
    if persona.blocked:
        extra["blocked_at"] = timezone.now()
    return make_user(role=role.get(name, Role.RESIDENT), confirmed=persona.confirmed, **extra)


def expected(rule, persona: Persona, phase) -> bool:
    """May this persona do what this table line describes, in this phase, on an object that passes?"""
    if rule.phases is not None and phase not in rule.phases:
        return False
    if rule.level == "anonymous" and not rule.roles:
        return True
    if not persona.signed_in or persona.blocked:
        return False
    if rule.roles and not rule.roles & persona.roles:
        return False
    if rule.level == "verified_resident":
        return False  # nobody is verified until a module provides the check
    if rule.contribution or rule.level == "email_confirmed":
        return persona.confirmed
    return True
