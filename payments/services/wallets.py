"""Wallet top-ups and withdrawals through a simulated bank card: funding clearing ↔ wallet."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers import errors as customer_errors
from customers import selectors as customer_selectors
from facepay import money
from payments import ledger
from payments.errors import (
    AmountAboveMaximum,
    AmountInvalid,
    CardInvalid,
    CurrencyUnsupported,
    CustomerUnknown,
    IdempotencyKeyReused,
)
from payments.models import Account, JournalEntry

CARD_BRANDS = ("unionpay", "visa", "mastercard", "amex", "jcb")
LAST4 = re.compile(r"^[0-9]{4}$")
# A withdrawal is bounded by the balance; this only keeps amounts inside a BIGINT.
MAX_WITHDRAWAL_MINOR = 10**15


def validate_amount(amount_minor: int, *, maximum_minor: int) -> None:
    """Raise AmountInvalid (≤ 0 or not an int) or AmountAboveMaximum."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise AmountInvalid(_("The amount must be a positive whole number of minor units."))
    if amount_minor > maximum_minor:
        raise AmountAboveMaximum(
            _("The amount is above the platform maximum."), maximum_minor=maximum_minor
        )


def validate_currency(currency: str) -> str:
    """The upper-case code of the street's currency (settings.FACEPAY_CURRENCY); any other
    currency, known or not, raises CurrencyUnsupported."""
    try:
        code = money.validate_currency(currency)
    except money.UnknownCurrency as exc:
        raise CurrencyUnsupported(_("This currency is not supported."), currency=currency) from exc
    if code != money.default_currency():
        raise CurrencyUnsupported(_("This currency is not supported."), currency=currency)
    return code


def _card_movement(
    *,
    kind: str,
    customer_id: int,
    amount_minor: int,
    currency: str,
    card_brand: str,
    card_last4: str,
    idempotency_key: str,
) -> JournalEntry:
    """Post one card movement of the wallet (+ top-up, − withdrawal), once per (customer, key)."""
    currency = validate_currency(currency)
    brand = card_brand.strip().lower()
    if brand not in CARD_BRANDS or not LAST4.match(card_last4 or ""):
        raise CardInvalid(_("Card brand or last four digits are not valid."))
    if not idempotency_key or len(idempotency_key) > 64:
        raise AmountInvalid(_("An idempotency key of 1–64 characters is required."))
    is_open = customer_selectors.customer_is_open(customer_id=customer_id)
    if is_open is None:
        raise CustomerUnknown(_("No such customer."))
    if not is_open:  # a closed account's wallet is empty and stays so, whoever calls
        raise customer_errors.AccountClosed(_("This account is closed."))
    reference = f"{kind}:{customer_id}:{idempotency_key}"
    wallet_delta = amount_minor if kind == JournalEntry.Kind.TOP_UP else -amount_minor
    existing = ledger.entry_by_reference(reference)
    if existing is None:
        wallet = ledger.wallet_account(customer_id=customer_id, currency=currency)
        clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency=currency)
        try:
            with transaction.atomic():
                return ledger.post(
                    kind=kind,
                    currency=currency,
                    reference=reference,
                    memo=f"{brand} ···· {card_last4}",
                    lines=[(clearing, -wallet_delta), (wallet, wallet_delta)],
                )
        except IntegrityError:
            existing = ledger.entry_by_reference(reference)  # a concurrent twin won
            if existing is None:
                raise
    moved = existing.postings.filter(account__kind=Account.Kind.CUSTOMER_WALLET).first()
    if existing.currency != currency or moved is None or moved.amount_minor != wallet_delta:
        raise IdempotencyKeyReused(
            _("This key was already used for another amount."), idempotency_key=idempotency_key
        )
    return existing


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def wallet_top_up(
    *,
    customer_id: int,
    amount_minor: int,
    currency: str,
    card_brand: str,
    card_last4: str,
    idempotency_key: str,
) -> JournalEntry:
    """Fund a wallet from a (simulated) bank card; idempotent per (customer, key).

    Only the card brand and last 4 digits are kept. Raises AmountInvalid, AmountAboveMaximum,
    CurrencyUnsupported, CardInvalid, CustomerUnknown, IdempotencyKeyReused (same key, other
    amount or currency).
    """
    validate_amount(amount_minor, maximum_minor=settings.FACEPAY_MAX_TOP_UP_MINOR)
    return _card_movement(
        kind=JournalEntry.Kind.TOP_UP,
        customer_id=customer_id,
        amount_minor=amount_minor,
        currency=currency,
        card_brand=card_brand,
        card_last4=card_last4,
        idempotency_key=idempotency_key,
    )


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def wallet_withdraw(
    *,
    customer_id: int,
    amount_minor: int,
    currency: str,
    card_brand: str,
    card_last4: str,
    idempotency_key: str,
) -> JournalEntry:
    """Pay wallet money back to a (simulated) bank card; idempotent per (customer, key).

    The wallet row lock in the ledger serialises it with captures, so the balance can never go
    below zero. Raises InsufficientBalance (nothing moves), and the top-up's refusals.
    """
    validate_amount(amount_minor, maximum_minor=MAX_WITHDRAWAL_MINOR)
    return _card_movement(
        kind=JournalEntry.Kind.WITHDRAWAL,
        customer_id=customer_id,
        amount_minor=amount_minor,
        currency=currency,
        card_brand=card_brand,
        card_last4=card_last4,
        idempotency_key=idempotency_key,
    )
