"""Demo data of the core: territories, services and one account per role."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from shapely.geometry import shape

from . import territories
from .demo_charter import load_demo_charter
from .demo_territories import load_demo_territories
from .models import Role, Service, Territory, TerritoryLevel, User

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

# The demo residents have complete profiles (birth date, address, neighbourhood), as a resident who
# took part before would: they may propose in consultations with a minimum age and vote in their district.
# Their home is a point inside their district's boundary, whichever boundaries are loaded.
DEMO_PROFILES = {
    "habitante@demo.parvis.localhost": (date(1988, 4, 12), "11", "12 rue Oberkampf, 75011 Paris"),
    "habitant@demo.parvis.localhost": (date(1996, 9, 3), "20", "5 place Gambetta, 75020 Paris"),
}

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
    territories.invalidate_index()
    for email, (birth_date, district_code, address) in DEMO_PROFILES.items():
        _complete_profile(User.objects.get(email=email), birth_date, district_code, address)
    for code, name, member in DEMO_SERVICES:
        service, _ = Service.objects.get_or_create(code=code, defaults={"name": name})
        if member:
            service.members.add(User.objects.get(email=member))
    load_demo_charter([email for email, _n, _r in DEMO_ACCOUNTS])


def _complete_profile(user: User, birth_date: date, district_code: str, address: str) -> None:
    """Fill what is missing only: a demo installed by an older version is completed, edits are kept."""
    if user.birth_date is None:
        user.birth_date = birth_date
    district = Territory.objects.filter(level=TerritoryLevel.DISTRICT, code=district_code).first()
    if district is not None and not user.home_address and user.home_lat is None:
        home = shape(district.geometry).representative_point()
        lat, lon = home.y, home.x
        place = territories.locate(lat, lon)
        user.home_address, user.home_lat, user.home_lon = address, lat, lon
        if place.neighbourhood:
            user.home_neighbourhood = Territory.objects.get(pk=place.neighbourhood.id)
        if place.district:
            user.home_district = Territory.objects.get(pk=place.district.id)
    user.save()


def describe() -> list[tuple[str, str, str]]:
    return [(email, DEMO_PASSWORD, str(Role(role).label)) for email, _n, role in DEMO_ACCOUNTS]
