"""Citizen cards: ask, desk, activate, renew, suspend, revoke; the verified-resident level; the check."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from parvis.core import permissions
from parvis.core.models import AuditEntry, TerritoryLevel
from parvis.workshops import services
from parvis.workshops.models import CardStatus, CitizenCard
from tests.factories import make_agent, make_territory, make_user

pytestmark = pytest.mark.django_db


def years_ago(n, days=0):
    today = timezone.localdate()
    return today.replace(year=today.year - n) - timedelta(days=days)


@pytest.fixture
def district():
    return make_territory(level=TerritoryLevel.DISTRICT)


def holder(home, **kw):
    return {
        "first_name": "Amina",
        "last_name": "Diallo",
        "birth_date": years_ago(30),
        "address": "12 rue de la Roquette",
        "district": home,
    } | kw


def test_a_resident_asks_an_agent_activates_and_the_account_becomes_verified(district):
    resident, agent = make_user(), make_agent()
    card = services.card_request(requester=resident, **holder(district))
    assert card.status == CardStatus.PENDING
    assert not permissions.reaches(resident, permissions.Level.VERIFIED_RESIDENT)
    assert not services.card_is_valid(card.number)
    services.card_activate(agent=agent, card=card, proof="Facture d'électricité d'octobre")
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
    assert card.valid_from == timezone.localdate()
    assert card.valid_until == timezone.localdate().replace(year=timezone.localdate().year + 3)
    assert permissions.reaches(resident, permissions.Level.VERIFIED_RESIDENT)
    assert services.card_is_valid(card.number)
    actions = list(AuditEntry.objects.filter(object_id=str(card.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["card.activate", "card.request"]


def test_the_verified_level_is_what_an_eligibility_rule_asks(district):
    """A campaign or consultation listing "verified_resident" refuses until the card is active."""

    class Scope:
        eligibility_checks = ["verified_resident"]

    resident, agent = make_user(), make_agent()
    assert permissions.eligibility_problems(resident, Scope())
    card = services.card_request(requester=resident, **holder(district))
    services.card_activate(agent=agent, card=card, proof="Quittance de loyer")
    assert permissions.eligibility_problems(resident, Scope()) == []
    services.card_suspend(agent=agent, card=card, reason="Adresse à vérifier")
    assert permissions.eligibility_problems(resident, Scope())


def test_lifecycle_suspend_reinstate_renew_revoke_each_in_the_journal(district):
    resident, agent = make_user(), make_agent()
    card = services.card_create_at_desk(
        agent=agent, account=resident, proof="Avis d'imposition", **holder(district)
    )
    assert card.status == CardStatus.ACTIVE
    assert card.requested_at_desk
    services.card_suspend(agent=agent, card=card, reason="Perte déclarée")
    assert not services.card_is_valid(card.number)
    services.card_reinstate(agent=agent, card=card)
    assert services.card_is_valid(card.number)
    before = CitizenCard.objects.get(pk=card.pk).valid_until
    services.card_renew(agent=agent, card=card)
    assert CitizenCard.objects.get(pk=card.pk).valid_until == before.replace(year=before.year + 3)
    services.card_revoke(agent=agent, card=card, reason="Fraude")
    assert not services.card_is_valid(card.number)
    with pytest.raises(ValidationError, match="Révoquée"):
        services.card_reinstate(agent=agent, card=card)
    actions = list(
        AuditEntry.objects.filter(object_id=str(card.pk)).order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["card.desk", "card.suspend", "card.reinstate", "card.renew", "card.revoke"]


def test_an_expired_card_is_not_valid(district):
    resident, agent = make_user(), make_agent()
    card = services.card_create_at_desk(agent=agent, account=resident, proof="Facture", **holder(district))
    CitizenCard.objects.filter(pk=card.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    assert not services.card_is_valid(card.number)
    assert not permissions.reaches(resident, permissions.Level.VERIFIED_RESIDENT)


def test_a_parent_asks_for_a_child_from_7_to_15(district):
    parent = make_user()
    card = services.card_request(
        requester=parent, for_child=True, **holder(district, birth_date=years_ago(9))
    )
    assert card.guardian == parent
    assert card.account is None
    with pytest.raises(ValidationError, match="à partir de 7 ans"):
        services.card_request(requester=parent, for_child=True, **holder(district, birth_date=years_ago(6)))
    with pytest.raises(ValidationError, match="demande sa carte elle-même"):
        services.card_request(requester=parent, for_child=True, **holder(district, birth_date=years_ago(17)))
    with pytest.raises(ValidationError, match="demandée par un parent"):
        services.card_request(requester=make_user(), **holder(district, birth_date=years_ago(12)))
    with pytest.raises(ValidationError, match="déjà demandée"):
        services.card_request(requester=parent, for_child=True, **holder(district, birth_date=years_ago(9)))
    assert CitizenCard.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_name": " "}, "prénom et le nom"),
        ({"birth_date": None}, "date de naissance"),
        ({"address": ""}, "adresse"),
        ({"district": None}, "arrondissement"),
    ],
)
def test_bad_requests_say_why_and_store_nothing(district, change, message):
    with pytest.raises(ValidationError, match=message):
        services.card_request(requester=make_user(), **holder(district, **change))
    assert not CitizenCard.objects.exists()


def test_a_future_birth_date_is_refused(district):
    with pytest.raises(ValidationError, match="futur"):
        services.card_request(requester=make_user(), **holder(district, birth_date=date(2999, 1, 1)))


def test_one_live_card_per_person(district):
    resident = make_user()
    services.card_request(requester=resident, **holder(district))
    with pytest.raises(ValidationError, match="déjà une carte"):
        services.card_request(requester=resident, **holder(district))
    assert CitizenCard.objects.count() == 1


def test_the_database_keeps_one_live_card_per_account(district):
    from django.db import IntegrityError, transaction

    resident = make_user()
    services.card_request(requester=resident, **holder(district))
    with pytest.raises(IntegrityError), transaction.atomic():
        CitizenCard.objects.create(number="000000000000", account=resident, **holder(district))


def test_only_agents_manage_cards_and_residents_need_a_confirmed_email(district):
    resident = make_user()
    card = services.card_request(requester=resident, **holder(district))
    with pytest.raises(PermissionDenied, match="agents"):
        services.card_activate(agent=resident, card=card, proof="x")
    with pytest.raises(PermissionDenied, match="agents"):
        services.card_create_at_desk(agent=resident, proof="x", **holder(district))
    with pytest.raises(PermissionDenied, match="Confirmez"):
        services.card_request(requester=make_user(confirmed=False), **holder(district))
    card.refresh_from_db()
    assert card.status == CardStatus.PENDING


@pytest.mark.parametrize("verb", ["suspend", "revoke", "refuse"])
def test_state_changes_need_a_reason(district, verb):
    agent = make_agent()
    card = services.card_create_at_desk(agent=agent, proof="Facture", **holder(district))
    if verb == "refuse":
        card = services.card_request(requester=make_user(), **holder(district, first_name="Jules"))
    with pytest.raises(ValidationError, match="motif"):
        getattr(services, f"card_{verb}")(agent=agent, card=card, reason="  ")


def test_activation_needs_the_proof_checked(district):
    agent = make_agent()
    card = services.card_request(requester=make_user(), **holder(district))
    with pytest.raises(ValidationError, match="justificatif"):
        services.card_activate(agent=agent, card=card, proof="")
    card.refresh_from_db()
    assert card.status == CardStatus.PENDING


@pytest.mark.parametrize(
    ("typed", "message"),
    [("1234", "mal formé"), ("12345678901x", "mal formé")],
)
def test_malformed_numbers_get_a_clear_message(typed, message):
    assert message in services.card_number_problem(typed)


def test_a_wrong_check_digit_is_named(district):
    card = services.card_create_at_desk(agent=make_agent(), proof="Facture", **holder(district))
    wrong = card.number[:-1] + str((int(card.number[-1]) + 1) % 10)
    assert "clé de contrôle" in services.card_number_problem(wrong)
    assert services.card_number_problem(card.number) is None


def test_personal_data_export_and_deletion(district):
    from parvis.workshops import personal_data

    parent, agent = make_user(), make_agent()
    own = services.card_create_at_desk(agent=agent, account=parent, proof="Facture", **holder(district))
    child = services.card_request(
        requester=parent, for_child=True, **holder(district, first_name="Yanis", birth_date=years_ago(10))
    )
    data = personal_data.export(parent)
    assert [c["number"] for c in data["cards"]] == [own.number]
    assert [c["holder"] for c in data["children_cards"]] == ["Yanis Diallo"]
    personal_data.anonymise(parent)
    own.refresh_from_db()
    child.refresh_from_db()
    assert own.status == CardStatus.REVOKED
    assert own.address == ""
    assert child.guardian is None
    assert child.status == CardStatus.PENDING
