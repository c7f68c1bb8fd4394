"""The citizen cards in a person's data export, and what account deletion does to them."""

from .models import CitizenCard


def export(user) -> dict:
    def row(card):
        return {
            "number": card.number,
            "holder": card.holder_name,
            "birth_date": card.birth_date.isoformat(),
            "address": card.address,
            "status": card.status,
            "valid_from": card.valid_from.isoformat() if card.valid_from else None,
            "valid_until": card.valid_until.isoformat() if card.valid_until else None,
            "requested_at": card.requested_at.isoformat(),
        }

    return {
        "cards": [row(c) for c in CitizenCard.objects.filter(account=user, guardian__isnull=True)],
        "children_cards": [row(c) for c in CitizenCard.objects.filter(guardian=user)],
    }


def anonymise(user) -> None:
    """A deleted account's own card is revoked (it verified that account) and loses its address; a child's
    card keeps going (the child is not the deleted person) but no longer names the parent's account."""
    for card in CitizenCard.objects.filter(account=user, guardian__isnull=True):
        if card.status != "revoked":
            card.status, card.status_reason = "revoked", "account deleted"
        card.address = ""
        card.save(update_fields=["status", "status_reason", "address"])
    CitizenCard.objects.filter(guardian=user).update(guardian=None)
