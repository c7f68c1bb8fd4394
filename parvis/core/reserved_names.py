"""Names residents may not publish under: the city's, its services' and the platform's own.

A resident naming their collective « Ville de Paris » (or « VILLE DE PÂRIS », « Mairie de Paris —
voirie ») would speak for the city. Names are compared normalised: case, accents, punctuation and
spaces do not matter. Staff (agents, moderators, administrators) may use them.
"""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Service


def normalise(name: str) -> str:
    """« Ville-de-PÂRIS ! » -> « ville de paris »."""
    decomposed = unicodedata.normalize("NFKD", name or "").casefold()
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+|_", " ", letters).split())


def reserved_names() -> set[str]:
    city = settings.PARVIS_CITY_NAME
    names = {
        city,
        f"Ville de {city}",
        f"Mairie de {city}",
        f"Hôtel de Ville de {city}",
        "Hôtel de Ville",
        "Mairie",
        "Parvis",
        *settings.PARVIS_RESERVED_NAMES,
        *Service.objects.values_list("name", flat=True),
    }
    return {normalise(n) for n in names if normalise(n)}


def is_reserved(name: str) -> bool:
    """The name is a reserved one, or contains a reserved name of two words or more (« Mairie de Paris,
    voirie »); a single reserved word inside a longer name (« Paris à vélo ») is fine."""
    wanted = normalise(name)
    if not wanted:
        return False
    padded = f" {wanted} "
    for reserved in reserved_names():
        if wanted == reserved or (" " in reserved and f" {reserved} " in padded):
            return True
    return False


def ensure_name_allowed(name: str, *, user, field: str) -> None:
    """Raise ValidationError({field: message}) when a resident chooses a reserved name."""
    from . import permissions

    if permissions.has_role(user, permissions.Role.AGENT, permissions.Role.MODERATOR, permissions.Role.ADMIN):
        return
    if is_reserved(name):
        raise ValidationError(
            {
                field: _("« %(name)s » est réservé à la ville et à ses services : choisissez un autre nom.")
                % {"name": " ".join(name.split())[:80]}
            }
        )
