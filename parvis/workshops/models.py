"""Citizen cards: a resident's card, asked online or made at a town-hall desk, activated by an agent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CardStatus(models.TextChoices):
    PENDING = "pending", _("En attente de vérification")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspendue")
    REVOKED = "revoked", _("Révoquée")
    REFUSED = "refused", _("Refusée")


#: A person holds at most one card in these states (a revoked or refused one may be asked again).
LIVE_STATUSES = (CardStatus.PENDING, CardStatus.ACTIVE, CardStatus.SUSPENDED)


class CitizenCard(models.Model):
    """Free for every resident from age 7 whatever their nationality; a parent asks for a child (7–15).

    The card's holder may have no account (a child, or someone registered at a desk); ``account`` is the
    account it verifies, when there is one: an active, valid card makes that account a verified resident.
    """

    number = models.CharField(_("numéro"), max_length=12, unique=True)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"))
    address = models.CharField(_("adresse"), max_length=255)
    district = models.ForeignKey(
        "core.Territory", on_delete=models.PROTECT, related_name="+", verbose_name=_("arrondissement")
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="citizen_cards",
        verbose_name=_("compte du titulaire"),
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children_cards",
        verbose_name=_("parent demandeur"),
    )
    status = models.CharField(
        _("état"), max_length=16, choices=CardStatus.choices, default=CardStatus.PENDING
    )
    status_reason = models.CharField(_("motif"), max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    requested_at_desk = models.BooleanField(_("créée au guichet"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proof_checked = models.CharField(_("justificatif de domicile vérifié"), max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("carte citoyenne")
        verbose_name_plural = _("cartes citoyennes")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status__in=LIVE_STATUSES) & Q(guardian__isnull=True),
                name="workshops_one_live_card_per_account",
            ),
            models.UniqueConstraint(
                fields=["guardian", "first_name", "last_name", "birth_date"],
                condition=Q(status__in=LIVE_STATUSES),
                name="workshops_one_live_card_per_child",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[CardStatus.PENDING, CardStatus.REFUSED])
                | (Q(valid_from__isnull=False) & Q(valid_until__isnull=False)),
                name="workshops_card_activated_has_validity",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} ({self.number})"

    @property
    def holder_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def is_valid_on(self, day) -> bool:
        return (
            self.status == CardStatus.ACTIVE
            and self.valid_from is not None
            and self.valid_from <= day <= self.valid_until
        )
