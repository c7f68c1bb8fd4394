"""Two versions of an example participation charter written for Parvis, for the demo."""

from datetime import timedelta

from django.utils import timezone

from . import permissions
from .models import CharterAcceptance, CharterVersion, User

TITLE = "Charte de la participation citoyenne"

V1 = """## Pourquoi cette charte

Parvis est l'espace où les habitantes et les habitants, les associations et la Ville se rencontrent pour
proposer, débattre, voter et signaler. Cette charte dit ce que chacun s'engage à faire pour que cet
espace reste utile, ouvert et respectueux.

## Les engagements de la Ville

La Ville répond publiquement à chaque idée qui atteint le seuil de soutiens, dans un délai de trois mois.
Elle publie les résultats des votes et la règle de calcul utilisée. Elle informe l'auteur d'un
signalement de chaque étape de son traitement.

La Ville protège les données personnelles : elle ne les utilise que pour la participation, ne les vend
pas et permet à chacun de les exporter ou de supprimer son compte.

## Les engagements des participantes et des participants

Je m'exprime avec respect, sans propos injurieux, haineux ou discriminatoires. Je ne publie pas de
données personnelles d'autres personnes. Je reste dans le sujet de la consultation.

Je vote une seule fois par campagne, pour moi-même. Je signale un problème de l'espace public tel que je
le constate.

## La modération

Une équipe de modération de la Ville peut masquer une contribution qui ne respecte pas cette charte. Le
motif du masquage est public et l'auteur en est informé."""

V2 = """## Pourquoi cette charte

Parvis est l'espace où les habitantes et les habitants, les associations et la Ville se rencontrent pour
proposer, débattre, voter, signaler et se former. Cette charte dit ce que chacun s'engage à faire pour
que cet espace reste utile, ouvert, accessible et respectueux.

## Les engagements de la Ville

La Ville répond publiquement à chaque idée qui atteint le seuil de soutiens, dans un délai de deux mois.
Elle publie les résultats des votes, la règle de calcul utilisée et les bulletins anonymisés. Elle
informe l'auteur d'un signalement de chaque étape de son traitement.

La Ville va vers celles et ceux qui participent le moins : elle organise des permanences dans les
quartiers populaires et permet à une association ou à un agent de déposer une contribution pour une
personne qui le demande.

La Ville protège les données personnelles : elle ne les utilise que pour la participation, ne les vend
pas et permet à chacun de les exporter ou de supprimer son compte.

## Les engagements des participantes et des participants

Je m'exprime avec respect, sans propos injurieux, haineux ou discriminatoires. Je ne publie pas de
données personnelles d'autres personnes. Je reste dans le sujet de la consultation.

Je vote une seule fois par campagne, pour moi-même. Je signale un problème de l'espace public tel que je
le constate. Si je m'inscris à un atelier, je libère ma place quand je ne peux pas venir.

## La modération

Une équipe de modération de la Ville peut masquer une contribution qui ne respecte pas cette charte. Le
motif du masquage est public, l'auteur en est informé et peut le contester."""

CHANGES = (
    "Réponse de la Ville en deux mois au lieu de trois, bulletins anonymisés publiés, engagement d'aller "
    "vers les quartiers populaires, ateliers, droit de contester une modération."
)


#: Demo residents who accepted the version in force too: Amina contributes at once; Jules, who accepted
#: only version 1, is shown what changed at his first contribution.
READY = {"habitante@demo.parvis.localhost"}


def load_demo_charter(emails) -> None:
    """Version 1 a year ago, accepted by every demo account; version 2 now, accepted by the staff and one
    resident, so that the other demo resident sees what changed at their next contribution."""
    now = timezone.now()
    v1, _ = CharterVersion.objects.get_or_create(
        number=1, defaults={"title": TITLE, "body": V1, "published_at": now - timedelta(days=365)}
    )
    v2, _ = CharterVersion.objects.get_or_create(
        number=2, defaults={"title": TITLE, "body": V2, "changes": CHANGES, "published_at": now}
    )
    for user in User.objects.filter(email__in=emails):
        CharterAcceptance.objects.get_or_create(
            user=user, version=v1, defaults={"accepted_at": v1.published_at + timedelta(days=30)}
        )
        if permissions.has_role(user, *permissions.ROLES) or user.email in READY:
            CharterAcceptance.objects.get_or_create(user=user, version=v2)
