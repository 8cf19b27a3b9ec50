from decimal import Decimal

import pytest

from facepay.money import UnknownCurrency, apply_rate, format_minor, to_minor


@pytest.mark.parametrize(
    ("amount_minor", "expected"),
    [
        (3850, "¥38.50"),
        (5, "¥0.05"),
        (0, "¥0.00"),
        (-1250, "-¥12.50"),
        (123456789, "¥1,234,567.89"),
    ],
)
def test_format_minor_shows_yuan_with_two_decimals(amount_minor: int, expected: str) -> None:
    assert format_minor(amount_minor, "CNY") == expected


def test_apply_rate_rounds_half_even_to_the_fen() -> None:
    rate = Decimal("0.006")
    assert apply_rate(25000, rate) == 150  # exact
    assert apply_rate(250, rate) == 2  # 1.5 → 2 (even)
    assert apply_rate(417, rate) == 3  # 2.502 → 3
    assert apply_rate(2500 + 83, Decimal("0.002")) == 5  # 5.166 → 5
    assert apply_rate(1250, Decimal("0.002")) == 2  # 2.5 → 2 (even)


def test_to_minor_parses_decimal_strings_and_refuses_sub_fen() -> None:
    assert to_minor("38.5", "CNY") == 3850
    assert to_minor("0.01", "cny") == 1
    with pytest.raises(ValueError, match="decimal places"):
        to_minor("1.005", "CNY")
    with pytest.raises(UnknownCurrency):
        to_minor("1", "XXX")
