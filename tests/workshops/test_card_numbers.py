"""Card numbers: twelve digits with a Luhn check digit that catches typing mistakes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parvis.workshops import cards


def test_new_numbers_are_valid_twelve_digit_numbers():
    numbers = {cards.new_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 12
        assert cards.validate(number) == number


@given(st.integers(0, 10**11 - 1), st.integers(0, 11), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(body, position, shift):
    from stdnum import luhn

    digits = f"{body:011d}"
    number = digits + luhn.calc_check_digit(digits)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(cards.CardNumberError) as caught:
        cards.validate(wrong)
    assert caught.value.reason == "checksum"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1234", "length"),
        ("12345678901234", "length"),
        ("1234abcd5678", "format"),
        ("", "format"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "format"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(typed, reason):
    with pytest.raises(cards.CardNumberError) as caught:
        cards.validate(typed)
    assert caught.value.reason == reason


def test_numbers_are_read_as_printed():
    number = cards.new_number()
    assert cards.validate(cards.printed(number)) == number
    assert cards.validate(number[:4] + "-" + number[4:]) == number
