"""Demo citizen cards: one active (a verified resident), one pending, a child's card, one suspended."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from parvis.core.models import Territory, TerritoryLevel, User

from . import services
from .models import CitizenCard


def _years_ago(n: int, days: int = 0):
    today = timezone.localdate()
    return today.replace(year=today.year - n) - timedelta(days=days)


@transaction.atomic
def load(stdout=None) -> None:
    if CitizenCard.objects.exists():
        return
    agent = User.objects.filter(email="agent@demo.parvis.localhost").first()
    amina = User.objects.filter(email="habitante@demo.parvis.localhost").first()
    jules = User.objects.filter(email="habitant@demo.parvis.localhost").first()
    districts = list(Territory.objects.filter(level=TerritoryLevel.DISTRICT).order_by("code"))
    if agent is None or amina is None or jules is None or len(districts) < 20:
        return
    home = amina.home_district or districts[10]
    card = services.card_request(
        requester=amina,
        first_name="Amina",
        last_name="Benali",
        birth_date=amina.birth_date or _years_ago(34),
        address=amina.home_address or "12 rue de la Roquette",
        district=home,
    )
    services.card_activate(agent=agent, card=card, proof="Facture d'électricité de novembre")
    services.card_request(
        requester=amina,
        for_child=True,
        first_name="Yanis",
        last_name="Benali",
        birth_date=_years_ago(11, 40),
        address=amina.home_address or "12 rue de la Roquette",
        district=home,
    )
    services.card_request(
        requester=jules,
        first_name="Jules",
        last_name="Martin",
        birth_date=jules.birth_date or _years_ago(27),
        address=jules.home_address or "4 place des Fêtes",
        district=jules.home_district or districts[18],
    )
    for first, last, age, district, address in [
        ("Fatou", "Camara", 68, districts[19], "31 rue des Pyrénées"),
        ("Louis", "Nguyen", 45, districts[12], "8 avenue d'Italie"),
        ("Inès", "Moreau", 19, districts[17], "2 rue Ordener"),
    ]:
        services.card_create_at_desk(
            agent=agent,
            proof="Quittance de loyer",
            first_name=first,
            last_name=last,
            birth_date=_years_ago(age, 100),
            address=address,
            district=district,
        )
    suspended = CitizenCard.objects.get(first_name="Louis", last_name="Nguyen")
    services.card_suspend(
        agent=agent, card=suspended, reason="Carte déclarée perdue, en attente de remplacement"
    )
    if stdout is not None:
        stdout.write(f"  citizen cards: {CitizenCard.objects.count()}")
