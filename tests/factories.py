"""Factories for test data: small functions with sensible defaults, every field overridable."""

import itertools

from django.utils import timezone

from parvis.core.models import Role, Service, Territory, TerritoryLevel, User

_seq = itertools.count(1)

PASSWORD = "correct-horse-battery-staple"


def make_user(*, email=None, role=Role.RESIDENT, confirmed=True, password=PASSWORD, **extra) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        email=email or f"person{n}@example.org", password=password, role=role,
        display_name=extra.pop("display_name", f"Personne {n}"),
        email_confirmed_at=timezone.now() if confirmed else None, **extra,
    )
    return user


def make_moderator(**kw) -> User:
    return make_user(role=Role.MODERATOR, **kw)


def make_agent(*, service: Service | None = None, **kw) -> User:
    user = make_user(role=Role.AGENT, **kw)
    if service is not None:
        service.members.add(user)
    return user


def make_admin(**kw) -> User:
    return make_user(role=Role.ADMIN, is_staff=True, is_superuser=True, **kw)


def make_service(*, code=None, name=None) -> Service:
    n = next(_seq)
    return Service.objects.create(code=code or f"service-{n}", name=name or f"Service {n}")


def square(lon0, lat0, size=0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size],
                                                [lon0, lat0 + size], [lon0, lat0]]]}


def make_territory(*, level=TerritoryLevel.DISTRICT, code=None, name=None, geometry=None, parent=None,
                   population=None) -> Territory:
    n = next(_seq)
    return Territory.objects.create(
        level=level, code=code or f"T{n}", name=name or f"Territoire {n}",
        geometry=geometry or square(2.30, 48.85), parent=parent, population=population,
    )
