"""Every non-trivial payments read, scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from payments.models import Account, PaymentAttempt, Posting, Refund


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: str  # JournalEntry.Kind: top_up, capture, refund
    amount_minor: int  # signed: + money into the wallet
    currency: str
    balance_after_minor: int
    reference: str
    memo: str
    payment_id: UUID | None  # the payment a capture or refund belongs to
    merchant_name: str
    store_name: str


def wallet_balance_minor(*, customer_id: int, currency: str) -> int:
    """The wallet's balance in minor units (0 when the wallet does not exist yet)."""
    balance = (
        Account.objects.filter(
            kind=Account.Kind.CUSTOMER_WALLET, customer_id=customer_id, currency=currency
        )
        .values_list("balance_minor", flat=True)
        .first()
    )
    return balance or 0


def wallet_statement(*, customer_id: int, limit: int | None = None) -> list[StatementLine]:
    """Every wallet movement (top-ups, payments, refunds), newest first, with running balance."""
    postings = list(
        Posting.objects.filter(
            account__kind=Account.Kind.CUSTOMER_WALLET, account__customer_id=customer_id
        )
        .select_related("entry", "account")
        .order_by("entry__occurred_at", "entry_id")
    )
    entry_ids = [p.entry_id for p in postings]
    captures = {
        a.capture_entry_id: a
        for a in PaymentAttempt.objects.filter(capture_entry_id__in=entry_ids).select_related(
            "merchant", "store"
        )
    }
    refunds = {
        entry_id: attempt
        for entry_id, attempt in (
            (r.entry_id, r.attempt)
            for r in Refund.objects.filter(entry_id__in=entry_ids).select_related(
                "attempt__merchant", "attempt__store"
            )
        )
    }
    running: dict[str, int] = {}
    lines = []
    for posting in postings:
        currency = posting.account.currency
        running[currency] = running.get(currency, 0) + posting.amount_minor
        attempt = captures.get(posting.entry_id) or refunds.get(posting.entry_id)
        lines.append(
            StatementLine(
                occurred_at=posting.entry.occurred_at,
                kind=posting.entry.kind,
                amount_minor=posting.amount_minor,
                currency=currency,
                balance_after_minor=running[currency],
                reference=posting.entry.reference,
                memo=posting.entry.memo,
                payment_id=attempt.public_id if attempt else None,
                merchant_name=attempt.merchant.name if attempt else "",
                store_name=attempt.store.name if attempt else "",
            )
        )
    lines.reverse()
    return lines[:limit] if limit else lines
