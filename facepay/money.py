"""Money helpers: integer minor units (fen) + ISO 4217 currency. Floats are never used."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings

# Minor-unit exponent per supported currency (ISO 4217).
CURRENCY_EXPONENTS: dict[str, int] = {"CNY": 2, "HKD": 2, "USD": 2, "EUR": 2, "JPY": 0}
CURRENCY_SYMBOLS: dict[str, str] = {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€", "JPY": "¥"}


class UnknownCurrency(ValueError):
    pass


def validate_currency(currency: str) -> str:
    """Return the upper-case ISO code, or raise UnknownCurrency."""
    code = currency.upper()
    if code not in CURRENCY_EXPONENTS:
        raise UnknownCurrency(f"Unsupported currency {currency!r}.")
    return code


def default_currency() -> str:
    return validate_currency(settings.FACEPAY_CURRENCY)


def apply_rate(amount_minor: int, rate: Decimal) -> int:
    """amount × rate, rounded once, half-even, to a whole minor unit (e.g. a fee in fen)."""
    return int((Decimal(amount_minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def to_minor(amount: str | Decimal, currency: str) -> int:
    """Parse a decimal amount typed by a person ("38.5") into minor units; refuses sub-fen."""
    exponent = CURRENCY_EXPONENTS[validate_currency(currency)]
    value = Decimal(str(amount)) * (Decimal(10) ** exponent)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more than {exponent} decimal places.")
    return int(value)


def to_major(amount_minor: int, currency: str = "CNY") -> Decimal:
    """Minor units as an exact Decimal in the currency's major unit, honouring its exponent:
    3850 CNY → Decimal("38.50"), 3850 JPY → Decimal("3850") (for form fields and CSV columns)."""
    return Decimal(amount_minor).scaleb(-CURRENCY_EXPONENTS.get(currency, 2))


def format_minor(amount_minor: int, currency: str = "CNY") -> str:
    """Display form with symbol and exactly the currency's decimals: 3850 CNY → "¥38.50"."""
    code = validate_currency(currency)
    exponent = CURRENCY_EXPONENTS[code]
    sign = "-" if amount_minor < 0 else ""
    units, minor = divmod(abs(amount_minor), 10**exponent) if exponent else (abs(amount_minor), 0)
    body = f"{units:,}" + (f".{minor:0{exponent}d}" if exponent else "")
    return f"{sign}{CURRENCY_SYMBOLS.get(code, code + ' ')}{body}"
