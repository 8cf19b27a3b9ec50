"""Every non-trivial payments read, scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers.wallet import StatementLine
from facepay.models import User
from facepay.permissions import user_has_role
from merchants import selectors as merchant_selectors
from payments import errors
from payments.models import Account, Dispute, PaymentAttempt, Posting, Refund, SettlementBatch

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

TERMINAL_ROLES = (User.Role.STORE_STAFF, User.Role.MERCHANT_OWNER, User.Role.OPERATOR)


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
    return merchant_selectors.terminal_list_active_for_user(user=user)


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
    occurred_at: datetime | None
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
    customer_id = customer_selectors.customer_id_for_user(user=user)
    if customer_id is None:
        raise errors.CustomerUnknown(_("No customer account for this user."))
    return customer_id


@dataclass(frozen=True)
class MerchantLedgerMonth:
    """One merchant's ledger activity in [start_at, end_at), for credit scoring: amounts in minor
    units, customers only counted (payments per anonymous payer), never named."""

    daily_takings_minor: dict[date, int]  # local day -> captured gross, in the period
    payment_count: int
    gross_minor: int
    refunds_minor: int
    dispute_count: int
    payments_per_customer: tuple[int, ...]  # sorted
    history_daily_minor: dict[date, int]  # local day -> captured gross, history_at … end_at
    first_capture_at: datetime | None  # the first capture before end_at
    settlement_dates: frozenset[date]  # business dates settled in the period
    sources: dict[str, str]  # the SQL behind each figure (the score's evidence)


def _sql(queryset: QuerySet) -> str:
    return str(queryset.query)


def merchant_ledger_month(
    *,
    merchant_id: int,
    start_at: datetime,
    end_at: datetime,
    history_at: datetime,
    period_start: date,
    period_end: date,
    zone: ZoneInfo,
) -> MerchantLedgerMonth:
    """The ledger reads credit scoring needs for one merchant-month (read-only)."""
    captured = PaymentAttempt.objects.filter(
        merchant_id=merchant_id, status=PaymentAttempt.Status.CAPTURED
    )
    in_period = captured.filter(captured_at__gte=start_at, captured_at__lt=end_at)
    totals = in_period.aggregate(gross=Sum("amount_minor"), count=Count("id"))
    daily_query = (
        in_period.annotate(day=TruncDate("captured_at", tzinfo=zone))
        .values("day")
        .annotate(total=Sum("amount_minor"))
        .order_by("day")
    )
    customers_query = (
        in_period.exclude(customer=None)
        .values("customer_id")
        .annotate(payments=Count("id"))
        .values_list("payments", flat=True)
    )
    refunds_query = Refund.objects.filter(
        attempt__merchant_id=merchant_id, created_at__gte=start_at, created_at__lt=end_at
    )
    disputes_query = Dispute.objects.filter(
        attempt__merchant_id=merchant_id, opened_at__gte=start_at, opened_at__lt=end_at
    )
    monthly_query = (
        captured.filter(captured_at__gte=history_at, captured_at__lt=end_at)
        .annotate(day=TruncDate("captured_at", tzinfo=zone))
        .values("day")
        .annotate(total=Sum("amount_minor"))
    )
    first_query = captured.filter(captured_at__lt=end_at)
    settlements_query = SettlementBatch.objects.filter(
        merchant_id=merchant_id, business_date__gte=period_start, business_date__lt=period_end
    ).values_list("business_date", flat=True)
    return MerchantLedgerMonth(
        daily_takings_minor={row["day"]: int(row["total"]) for row in daily_query},
        payment_count=int(totals["count"] or 0),
        gross_minor=int(totals["gross"] or 0),
        refunds_minor=int(refunds_query.aggregate(total=Sum("amount_minor"))["total"] or 0),
        dispute_count=disputes_query.count(),
        payments_per_customer=tuple(sorted(int(n) for n in customers_query)),
        history_daily_minor={row["day"]: int(row["total"]) for row in monthly_query},
        first_capture_at=first_query.aggregate(first=Min("captured_at"))["first"],
        settlement_dates=frozenset(settlements_query),
        sources={
            "gross": _sql(in_period.values("amount_minor")),
            "daily_takings": _sql(daily_query),
            "customers": _sql(customers_query),
            "refunds": _sql(refunds_query.values("amount_minor")),
            "disputes": _sql(disputes_query.values("id")),
            "monthly_gross": _sql(monthly_query),
            "first_trade": _sql(first_query.values("captured_at")),
            "settlements": _sql(settlements_query),
        },
    )
