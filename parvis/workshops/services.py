"""Citizen cards' use cases: ask, make at a desk, activate, renew, suspend, reinstate, revoke, check.

Every change of a card's state is in the audit log with its actor and reason. An active card within its
validity makes its holder's account a *verified resident* (core's level, provided in ``apps.py``).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parvis.core import audit
from parvis.core.models import Territory, TerritoryLevel
from parvis.core.permissions import age_on

from . import cards
from .models import LIVE_STATUSES, CardStatus, CitizenCard
from .permissions import Action, ensure

MIN_AGE = 7
#: Under this age the card is asked by a parent; from it, by the person themself.
OWN_REQUEST_AGE = 16
#: Years a card stays valid from its activation or renewal.
VALIDITY_YEARS = 3


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _clean_holder(
    *, first_name: str, last_name: str, birth_date: date | None, address: str, district
) -> dict:
    first_name, last_name, address = (
        (first_name or "").strip(),
        (last_name or "").strip(),
        (address or "").strip(),
    )
    if not first_name or not last_name:
        raise ValidationError(_("Indiquez le prénom et le nom du ou de la titulaire."))
    if birth_date is None:
        raise ValidationError(_("Indiquez la date de naissance du ou de la titulaire."))
    today = timezone.localdate()
    if birth_date > today:
        raise ValidationError(_("La date de naissance est dans le futur."))
    if age_on(birth_date, today) < MIN_AGE:
        raise ValidationError(_("La carte citoyenne est ouverte à partir de %(age)d ans.") % {"age": MIN_AGE})
    if not address:
        raise ValidationError(_("Indiquez l'adresse dans la ville."))
    if not isinstance(district, Territory) or district.level != TerritoryLevel.DISTRICT:
        raise ValidationError(_("Choisissez l'arrondissement de l'adresse."))
    return {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
        "address": address,
        "district": district,
    }


def _create(**fields) -> CitizenCard:
    """A new card with a fresh number; a number already taken (one chance in 10^11) draws another."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return CitizenCard.objects.create(number=cards.new_number(), **fields)
        except IntegrityError as error:
            if "number" not in str(error).lower() and "workshops_citizencard_number" not in str(error):
                raise ValidationError(_("Une carte est déjà demandée ou active pour cette personne."))
    raise ValidationError(_("Impossible d'attribuer un numéro de carte : réessayez."))  # pragma: no cover


@transaction.atomic
def card_request(*, requester, for_child: bool = False, **holder) -> CitizenCard:
    """A resident asks online for their own card, or a parent for a child aged 7 to 15."""
    ensure(requester, Action.CARD_REQUEST)
    data = _clean_holder(**holder)
    age = age_on(data["birth_date"], timezone.localdate())
    if for_child and age >= OWN_REQUEST_AGE:
        raise ValidationError(
            _("À partir de %(age)d ans, la personne demande sa carte elle-même.") % {"age": OWN_REQUEST_AGE}
        )
    if not for_child and age < OWN_REQUEST_AGE:
        raise ValidationError(
            _("Avant %(age)d ans, la carte est demandée par un parent (« pour mon enfant »).")
            % {"age": OWN_REQUEST_AGE}
        )
    if (
        not for_child
        and CitizenCard.objects.filter(
            account=requester, guardian__isnull=True, status__in=LIVE_STATUSES
        ).exists()
    ):
        raise ValidationError(_("Vous avez déjà une carte citoyenne, active ou en attente."))
    card = _create(
        account=None if for_child else requester, guardian=requester if for_child else None, **data
    )
    audit.audit_record(actor=requester, action="card.request", target=card, for_child=for_child)
    return card


def _activate(card: CitizenCard, agent, proof: str) -> None:
    today = timezone.localdate()
    card.status, card.status_reason = CardStatus.ACTIVE, ""
    card.activated_at, card.activated_by, card.proof_checked = timezone.now(), agent, proof
    card.valid_from, card.valid_until = today, _years_later(today, VALIDITY_YEARS)
    card.save()


@transaction.atomic
def card_create_at_desk(*, agent, account=None, proof: str, **holder) -> CitizenCard:
    """At a town-hall desk: the agent sees the proof of residence and hands over an active card."""
    ensure(agent, Action.CARD_DESK)
    proof = _proof(proof)
    data = _clean_holder(**holder)
    card = _create(account=account, requested_at_desk=True, **data)
    _activate(card, agent, proof)
    audit.audit_record(actor=agent, action="card.desk", target=card, proof=proof)
    return card


def _proof(proof: str) -> str:
    proof = (proof or "").strip()
    if not proof:
        raise ValidationError(
            _(
                "Indiquez le justificatif de domicile vérifié (par exemple : facture d'énergie de moins "
                "de 3 mois)."
            )
        )
    return proof


def _locked(card: CitizenCard) -> CitizenCard:
    return CitizenCard.objects.select_for_update().get(pk=card.pk)


TRANSITIONS = {
    "activate": {CardStatus.PENDING},
    "refuse": {CardStatus.PENDING},
    "renew": {CardStatus.ACTIVE},
    "suspend": {CardStatus.ACTIVE},
    "reinstate": {CardStatus.SUSPENDED},
    "revoke": {CardStatus.PENDING, CardStatus.ACTIVE, CardStatus.SUSPENDED},
}


def _transition(card: CitizenCard, verb: str) -> None:
    if card.status not in TRANSITIONS[verb]:
        raise ValidationError(
            _("Impossible : cette carte est « %(status)s ».") % {"status": card.get_status_display()}
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Indiquez le motif : il est conservé dans le journal."))
    return reason


@transaction.atomic
def card_activate(*, agent, card: CitizenCard, proof: str) -> CitizenCard:
    ensure(agent, Action.CARD_MANAGE, card)
    card = _locked(card)
    _transition(card, "activate")
    proof = _proof(proof)
    _activate(card, agent, proof)
    audit.audit_record(actor=agent, action="card.activate", target=card, proof=proof)
    return card


def _set_status(*, agent, card: CitizenCard, verb: str, status: str, reason: str | None) -> CitizenCard:
    """One state change: permission, row lock, allowed transition, reason when one is due, audit log."""
    ensure(agent, Action.CARD_MANAGE, card)
    card = _locked(card)
    _transition(card, verb)
    card.status, card.status_reason = status, _reason(reason) if reason is not None else ""
    card.save()
    extra = {"reason": card.status_reason} if reason is not None else {}
    audit.audit_record(actor=agent, action=f"card.{verb}", target=card, **extra)
    return card


@transaction.atomic
def card_refuse(*, agent, card: CitizenCard, reason: str) -> CitizenCard:
    return _set_status(agent=agent, card=card, verb="refuse", status=CardStatus.REFUSED, reason=reason)


@transaction.atomic
def card_renew(*, agent, card: CitizenCard) -> CitizenCard:
    """Three more years from the later of today and the current end of validity."""
    ensure(agent, Action.CARD_MANAGE, card)
    card = _locked(card)
    _transition(card, "renew")
    start = max(timezone.localdate(), card.valid_until)
    previous = card.valid_until
    card.valid_until = _years_later(start, VALIDITY_YEARS)
    card.save()
    audit.audit_record(
        actor=agent, action="card.renew", target=card, before=str(previous), after=str(card.valid_until)
    )
    return card


@transaction.atomic
def card_suspend(*, agent, card: CitizenCard, reason: str) -> CitizenCard:
    return _set_status(agent=agent, card=card, verb="suspend", status=CardStatus.SUSPENDED, reason=reason)


@transaction.atomic
def card_reinstate(*, agent, card: CitizenCard) -> CitizenCard:
    return _set_status(agent=agent, card=card, verb="reinstate", status=CardStatus.ACTIVE, reason=None)


@transaction.atomic
def card_revoke(*, agent, card: CitizenCard, reason: str) -> CitizenCard:
    """Final: a revoked card is never valid again (its holder may ask for a new one)."""
    return _set_status(agent=agent, card=card, verb="revoke", status=CardStatus.REVOKED, reason=reason)


def card_number_problem(number: str) -> str | None:
    """Why a typed number cannot be a card number (for the API's 400 and the forms), or None."""
    try:
        cards.validate(number)
    except cards.CardNumberError as error:
        if error.reason == "checksum":
            return _("Numéro de carte invalide : la clé de contrôle (dernier chiffre) ne correspond pas.")
        return _("Numéro de carte mal formé : il compte %(n)d chiffres.") % {"n": cards.LENGTH}
    return None


def card_is_valid(number: str) -> bool:
    """For a well-formed number: is it an active card within its validity? Nothing else is told."""
    card = (
        CitizenCard.objects.filter(number=cards.validate(number))
        .only("status", "valid_from", "valid_until")
        .first()
    )
    return card is not None and card.is_valid_on(timezone.localdate())


def is_verified_resident(user) -> bool:
    """Core's "verified resident" level: an active card of one's own, within its validity."""
    if user is None or not user.is_authenticated:
        return False
    today = timezone.localdate()
    return CitizenCard.objects.filter(
        account=user,
        guardian__isnull=True,
        status=CardStatus.ACTIVE,
        valid_from__lte=today,
        valid_until__gte=today,
    ).exists()
