"""Every non-trivial payments read, scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from facepay.models import User
from facepay.permissions import user_has_role
from merchants import selectors as merchant_selectors
from merchants.models import Terminal
from payments import errors
from payments.models import Account, Dispute, PaymentAttempt, Posting, Refund, SettlementBatch

TERMINAL_ROLES = (User.Role.STORE_STAFF, User.Role.MERCHANT_OWNER, User.Role.OPERATOR)


def oldest_undecided_attempt_age_seconds() -> float:
    """How long the oldest open attempt still waiting for recognition has waited (0 if none)."""
    oldest = PaymentAttempt.objects.filter(
        status__in=(PaymentAttempt.Status.CREATED, PaymentAttempt.Status.RECOGNISING),
        expires_at__gt=timezone.now(),
    ).aggregate(oldest=Min("created_at"))["oldest"]
    return 0.0 if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0)


@dataclass(frozen=True)
class StatementLine:
    occurred_at: datetime
    kind: str  # JournalEntry.Kind: top_up, capture, refund, withdrawal
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


def terminal_list_for_user(*, user: User) -> QuerySet[Terminal]:
    """Active terminals of the stores the viewer may see (cashier: assigned stores only)."""
    stores = merchant_selectors.store_list_for_user(user=user)
    return (
        Terminal.objects.filter(store__in=stores, status=Terminal.Status.ACTIVE)
        .select_related("store__merchant")
        .order_by("store__name", "name")
    )


def terminal_is_visible_to(*, user: User, terminal_id: int) -> bool:
    """May this signed-in person watch (and drive) this terminal's screen?"""
    if not user_has_role(user, TERMINAL_ROLES):
        return False
    return terminal_list_for_user(user=user).filter(pk=terminal_id).exists()


def attempt_for_terminal(*, terminal: Terminal, attempt_id: UUID | str) -> PaymentAttempt:
    """One attempt of this terminal's store; raises AttemptNotFound."""
    attempt = PaymentAttempt.objects.filter(
        public_id=attempt_id, store_id=terminal.store_id
    ).first()
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment on this terminal."))
    return attempt


def payment_list_for_user(*, user: User, limit: int = 50) -> list[PaymentAttempt]:
    """Recent attempts of the stores the viewer may see, newest first."""
    stores = merchant_selectors.store_list_for_user(user=user)
    return list(
        PaymentAttempt.objects.filter(store__in=stores)
        .select_related("store")
        .order_by("-created_at")[:limit]
    )


def settlement_batches_for_user(*, user: User) -> QuerySet[SettlementBatch]:
    merchants = merchant_selectors.merchant_list_for_user(user=user)
    return SettlementBatch.objects.filter(merchant__in=merchants).select_related("merchant")


@dataclass(frozen=True)
class ReconciliationLine:
    kind: str  # payment or refund
    payment_id: UUID
    occurred_at: datetime
    store_name: str
    amount_minor: int  # refunds negative
    fee_minor: int  # fee charged (payment) or fee share handed back (refund, negative)
    net_minor: int


def settlement_reconciliation(*, batch: SettlementBatch) -> list[ReconciliationLine]:
    """Every payment and refund in a batch: Σ net = batch.net_minor (gross − fees − refunds)."""
    lines = [
        ReconciliationLine(
            "payment",
            p.public_id,
            p.captured_at,
            p.store.name,
            p.amount_minor,
            p.fee_minor,
            p.amount_minor - p.fee_minor,
        )
        for p in batch.payments.select_related("store").order_by("captured_at")
    ]
    lines += [
        ReconciliationLine(
            "refund",
            r.attempt.public_id,
            r.created_at,
            r.attempt.store.name,
            -r.amount_minor,
            -r.fee_minor,
            -(r.amount_minor - r.fee_minor),
        )
        for r in batch.refunds.select_related("attempt__store").order_by("created_at")
    ]
    return lines


def dispute_list_open() -> QuerySet[Dispute]:
    return Dispute.objects.filter(status=Dispute.Status.OPEN).select_related("attempt")


def customer_id_for_user(*, user: User) -> int:
    """The signed-in customer's id; raises AttemptNotFound-style CustomerUnknown otherwise."""
    customer_id = Customer.objects.filter(user=user).values_list("pk", flat=True).first()
    if customer_id is None:
        raise errors.CustomerUnknown(_("No customer account for this user."))
    return customer_id
