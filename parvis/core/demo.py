"""Demo data of the core: territories, services and one account per role."""

from django.db import transaction
from django.utils import timezone

from .demo_territories import load_demo_territories
from .models import Role, Service, User

DEMO_PASSWORD = "parvis-demo-2026"  # noqa: S105 - public on purpose: printed by `parvis demo`

DEMO_ACCOUNTS = [
    ("habitante@demo.parvis.localhost", "Amina (habitante)", Role.RESIDENT),
    ("habitant@demo.parvis.localhost", "Jules (habitant)", Role.RESIDENT),
    ("moderation@demo.parvis.localhost", "Camille (modération)", Role.MODERATOR),
    ("agent@demo.parvis.localhost", "Karim (agent, propreté)", Role.AGENT),
    ("agent-voirie@demo.parvis.localhost", "Sophie (agente, voirie)", Role.AGENT),
    ("mediation@demo.parvis.localhost", "Association Quartiers Solidaires", Role.MEDIATOR),
    ("admin@demo.parvis.localhost", "Admin Ville", Role.ADMIN),
]

DEMO_SERVICES = [
    ("proprete", "Direction de la Propreté et de l'Eau", "agent@demo.parvis.localhost"),
    ("voirie", "Direction de la Voirie et des Déplacements", "agent-voirie@demo.parvis.localhost"),
    ("espaces-verts", "Direction des Espaces Verts et de l'Environnement", None),
    ("eclairage", "Section de l'Éclairage Public", None),
    ("urbanisme", "Direction de l'Urbanisme", None),
    ("democratie", "Direction de la Démocratie, des Citoyen·nes et des Territoires", None),
]


@transaction.atomic
def load(stdout=None) -> None:
    load_demo_territories()
    for email, name, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                display_name=name,
                role=role,
                email_confirmed_at=timezone.now(),
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
    for code, name, member in DEMO_SERVICES:
        service, _ = Service.objects.get_or_create(code=code, defaults={"name": name})
        if member:
            service.members.add(User.objects.get(email=member))


def describe() -> list[tuple[str, str, str]]:
    return [(email, DEMO_PASSWORD, str(Role(role).label)) for email, _n, role in DEMO_ACCOUNTS]
