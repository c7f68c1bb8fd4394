"""Citizen card numbers: twelve digits, the last a Luhn check digit (ISO/IEC 7812, as bank cards).

Why Luhn: it catches every single mistyped digit and almost every swap of two neighbouring digits, which
is what happens when a number is read aloud at a desk or typed from a card; ``python-stdnum`` implements
it. The number carries no personal data (random, not derived from the holder).
"""

from __future__ import annotations

import secrets

from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

LENGTH = 12


class CardNumberError(ValueError):
    """A malformed number; ``reason`` is "format", "length" or "checksum"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def new_number() -> str:
    body = f"{secrets.randbelow(10 ** (LENGTH - 1)):0{LENGTH - 1}d}"
    return body + luhn.calc_check_digit(body)


def compact(number: str) -> str:
    """The digits of a number as typed (spaces and dashes allowed, as printed on the card)."""
    return "".join(ch for ch in str(number) if ch not in " -.\u00a0")


def validate(number: str) -> str:
    """The compact number, or ``CardNumberError`` saying what is wrong with it."""
    digits = compact(number)
    if not digits.isascii() or not digits.isdigit():
        raise CardNumberError("format")
    if len(digits) != LENGTH:
        raise CardNumberError("length")
    try:
        luhn.validate(digits)
    except InvalidChecksum:
        raise CardNumberError("checksum")
    except (InvalidFormat, InvalidLength):  # pragma: no cover - excluded by the checks above
        raise CardNumberError("format")
    return digits


def printed(number: str) -> str:
    """As printed on the card: groups of four digits."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
