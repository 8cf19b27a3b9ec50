"""The customer's wallet as the customers app sees it: a port that the payments app fills in.

The money lives in the payments ledger, and payments depends on customers (it identifies the
payer), so customers never imports payments. payments registers its `WalletBook` here when it
loads (payments.apps → payments.customer_wallet); the portal, the API, the data export and
account closing read and move money through `book()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: str  # the ledger entry's kind: top_up, capture, refund, withdrawal
    amount_minor: int  # signed: + money into the wallet
    currency: str
    balance_after_minor: int
    reference: str
    memo: str
    payment_id: UUID | None  # the payment a capture or refund belongs to
    merchant_name: str
    store_name: str


@dataclass(frozen=True)
class Movement:
    """A top-up or withdrawal that was booked (or replayed): its ledger reference."""

    reference: str


@dataclass(frozen=True)
class ReceiptRefund:
    occurred_at: datetime
    amount_minor: int  # positive: back into the wallet
    currency: str
    reason: str  # the merchant's reason ("" when none was given)
    is_from_dispute: bool  # an operator upheld the customer's dispute


@dataclass(frozen=True)
class Receipt:
    """One payment as its receipt shows it (the ledger's references stay out of sight)."""

    payment_id: UUID
    occurred_at: datetime  # captured
    amount_minor: int
    refunded_minor: int
    currency: str
    method: str  # face or payment_code
    method_label: str  # in the active language
    merchant_name: str
    store_name: str
    terminal_name: str  # the counter
    refunds: tuple[ReceiptRefund, ...]
    dispute_status: str  # "" (none), open, won, lost: the latest dispute
    dispute_status_label: str
    can_dispute: bool  # captured, nothing left open, something left to refund


class WalletBook(Protocol):
    def receipt(self, *, customer_id: int, payment_id: UUID) -> Receipt | None: ...

    def balance_minor(self, *, customer_id: int, currency: str) -> int: ...

    def statement(self, *, customer_id: int, limit: int | None = None) -> list[StatementLine]: ...

    def top_up(
        self,
        *,
        customer_id: int,
        amount_minor: int,
        currency: str,
        card_brand: str,
        card_last4: str,
        idempotency_key: str,
    ) -> Movement: ...

    def withdraw(
        self,
        *,
        customer_id: int,
        amount_minor: int,
        currency: str,
        card_brand: str,
        card_last4: str,
        idempotency_key: str,
    ) -> Movement: ...


_book: WalletBook | None = None


def register(book: WalletBook) -> None:
    """Called once by the payments app when it loads."""
    global _book
    _book = book


def book() -> WalletBook:
    if _book is None:
        raise RuntimeError("No wallet book: the payments app is not installed.")
    return _book


def refunds_per_payment(lines: Iterable[StatementLine]) -> dict[UUID | None, int]:
    """The refunded total (minor units) of each payment in a statement."""
    refunded: dict[UUID | None, int] = {}
    for line in lines:
        if line.kind == "refund" and line.payment_id is not None:
            refunded[line.payment_id] = refunded.get(line.payment_id, 0) + line.amount_minor
    return refunded
