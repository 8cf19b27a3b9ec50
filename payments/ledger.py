"""The only writer of journal entries and account balances.

Every entry's postings sum to zero (checked here before anything is written); an owned account
(customer wallet, merchant payable) never goes below zero (checked here under the lock and again
by a database constraint). Entries are immutable: corrections are new entries.

Lock order: every money movement (capture, refund, dispute refund, top-up, withdrawal,
settlement) takes its row locks in this one order, so no two of them can wait on each other in
a cycle:

1. the payment attempt rows it is about (one attempt; settlement: the merchant's unsettled
   attempts, then its unsettled refunds, each in id order);
2. the customer's wallet;
3. the merchant's payable;
4. platform accounts (fee revenue, funding clearing, bank settlement clearing), in id order.

`_apply` locks the accounts of an entry in that order (`LOCK_RANK`, then id), and a service that
locks an account before posting (capture locks the wallet to read the day's spending) takes only
locks that come earlier. The journal entry row is inserted before any account lock: a concurrent
duplicate reference waits on the unique index, holding no account. A deadlock that still happens
(PostgreSQL breaks it by failing one transaction) is retried once by `deadlock_retried` around the
service's transaction; it never reaches the caller as a 500.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.errors import InsufficientBalance, LedgerUnbalanced
from payments.models import (
    Account,
    JournalEntry,
    PaymentAttempt,
    Posting,
    Refund,
    SettlementBatch,
)

Line = tuple[Account, int]  # (account, signed amount in minor units)
logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# Position of each account kind in the lock order (module docstring); ties go by id.
LOCK_RANK: dict[str, int] = {
    Account.Kind.CUSTOMER_WALLET: 0,
    Account.Kind.MERCHANT_PAYABLE: 1,
    Account.Kind.PLATFORM_FEE_REVENUE: 2,
    Account.Kind.FUNDING_CLEARING: 2,
    Account.Kind.BANK_SETTLEMENT_CLEARING: 2,
}
DEADLOCK_SQLSTATE = "40P01"


def is_deadlock(exc: BaseException) -> bool:
    """True for PostgreSQL's "deadlock detected" (SQLSTATE 40P01), as Django raises it."""
    cause = exc.__cause__
    return isinstance(exc, OperationalError) and (
        getattr(cause, "sqlstate", None) == DEADLOCK_SQLSTATE
        or getattr(cause, "pgcode", None) == DEADLOCK_SQLSTATE
    )


def deadlock_retried(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service's whole (durable) transaction again, once, if PostgreSQL broke a deadlock.

    The failed attempt was rolled back entirely and its on-commit pushes never ran, so the second
    run starts from committed state; a second deadlock is raised.
    """

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return service(*args, **kwargs)
        except OperationalError as exc:
            if not is_deadlock(exc) or transaction.get_connection().in_atomic_block:
                raise
            logger.warning("%s: deadlock broken by the database, retrying once", service.__name__)
        return service(*args, **kwargs)

    return run


@dataclass(frozen=True)
class EntrySpec:
    """One entry to post in bulk (seeded history): its lines must sum to zero."""

    kind: str
    currency: str
    reference: str
    lines: Sequence[Line]
    occurred_at: datetime
    memo: str = ""


def platform_account(*, kind: str, currency: str) -> Account:
    """The platform's account of this kind and currency, created on first use (idempotent)."""
    account, _ = Account.objects.get_or_create(
        kind=kind, currency=currency, customer=None, merchant=None
    )
    return account


def wallet_account(*, customer_id: int, currency: str) -> Account:
    """The customer's wallet in this currency, created on first use (idempotent)."""
    account, _ = Account.objects.get_or_create(
        kind=Account.Kind.CUSTOMER_WALLET, customer_id=customer_id, currency=currency
    )
    return account


def payable_account(*, merchant_id: int, currency: str) -> Account:
    """What the platform owes this merchant in this currency, created on first use."""
    account, _ = Account.objects.get_or_create(
        kind=Account.Kind.MERCHANT_PAYABLE, merchant_id=merchant_id, currency=currency
    )
    return account


def _check_lines(lines: Sequence[Line], currency: str) -> dict[int, int]:
    if not lines:
        raise LedgerUnbalanced(_("An entry needs postings."))
    deltas: dict[int, int] = defaultdict(int)
    for account, amount_minor in lines:
        if not isinstance(amount_minor, int) or amount_minor == 0:
            raise LedgerUnbalanced(_("Every posting needs a non-zero whole amount."))
        if account.currency != currency:
            raise LedgerUnbalanced(_("Every posting must be in the entry's currency."))
        deltas[account.pk] += amount_minor
    if sum(amount for _, amount in lines) != 0:
        raise LedgerUnbalanced(_("The postings of an entry must sum to zero."))
    return deltas


def _apply(deltas: dict[int, int]) -> dict[int, Account]:
    """Lock the accounts in the lock order, refuse a negative owned balance, update balances."""
    kinds = dict(Account.objects.filter(pk__in=deltas).values_list("pk", "kind"))
    locked: dict[int, Account] = {}
    for pk in sorted(deltas, key=lambda pk: (LOCK_RANK.get(kinds.get(pk, ""), 3), pk)):
        account = Account.objects.select_for_update().filter(pk=pk).first()
        if account is not None:
            locked[pk] = account
    for pk, delta in deltas.items():
        account = locked[pk]
        if account.is_owned and account.balance_minor + delta < 0:
            raise InsufficientBalance(
                _("The balance is too low."),
                account_kind=account.kind,
                balance_minor=account.balance_minor,
                needed_minor=-delta,
                currency=account.currency,
            )
    for pk in sorted(deltas):
        if deltas[pk]:
            Account.objects.filter(pk=pk).update(balance_minor=F("balance_minor") + deltas[pk])
            locked[pk].balance_minor += deltas[pk]
    return locked


def post(
    *,
    kind: str,
    currency: str,
    reference: str,
    lines: Sequence[Line],
    memo: str = "",
    occurred_at: datetime | None = None,
) -> JournalEntry:
    """Post one balanced entry atomically (joins the caller's transaction).

    Raises LedgerUnbalanced (sum ≠ 0), InsufficientBalance (an owned account would go negative)
    or IntegrityError when `reference` was already posted (callers decide idempotency first).
    """
    deltas = _check_lines(lines, currency)
    now = timezone.now()
    with transaction.atomic():
        # The entry row first: a concurrent duplicate reference waits on the unique index here,
        # before it holds any account lock.
        entry = JournalEntry.objects.create(
            kind=kind,
            currency=currency,
            reference=reference,
            memo=memo[:200],
            created_at=now,
            occurred_at=occurred_at or now,
        )
        _apply(deltas)
        Posting.objects.bulk_create(
            Posting(entry=entry, account=account, amount_minor=amount) for account, amount in lines
        )
    return entry


def entry_by_reference(reference: str) -> JournalEntry | None:
    return JournalEntry.objects.filter(reference=reference).first()


def post_many(specs: Iterable[EntrySpec], *, batch_size: int = 2000) -> list[JournalEntry]:
    """Bulk-post many balanced entries (seeded history); joins the caller's transaction.

    Each entry must sum to zero; balances are updated once per account and checked for the final
    value only, so the caller orders history so that no owned account dips below zero in between.
    Entries whose reference already exists are skipped (idempotent). Returns the entries written.
    """
    specs = list(specs)
    existing = set(
        JournalEntry.objects.filter(reference__in=[s.reference for s in specs]).values_list(
            "reference", flat=True
        )
    )
    specs = [spec for spec in specs if spec.reference not in existing]
    if not specs:
        return []
    totals: dict[int, int] = defaultdict(int)
    for spec in specs:
        for pk, delta in _check_lines(spec.lines, spec.currency).items():
            totals[pk] += delta
    now = timezone.now()
    with transaction.atomic():
        entries = JournalEntry.objects.bulk_create(
            (
                JournalEntry(
                    kind=spec.kind,
                    currency=spec.currency,
                    reference=spec.reference,
                    memo=spec.memo,
                    created_at=now,
                    occurred_at=spec.occurred_at,
                )
                for spec in specs
            ),
            batch_size=batch_size,
        )
        if any(entry.pk is None for entry in entries):  # backends without RETURNING
            by_reference = dict(
                JournalEntry.objects.filter(reference__in=[s.reference for s in specs]).values_list(
                    "reference", "pk"
                )
            )
            for entry in entries:
                entry.pk = by_reference[entry.reference]
        _apply({pk: delta for pk, delta in totals.items() if delta})
        Posting.objects.bulk_create(
            (
                Posting(entry=entry, account=account, amount_minor=amount)
                for entry, spec in zip(entries, specs, strict=True)
                for account, amount in spec.lines
            ),
            batch_size=batch_size,
        )
    return entries


@dataclass
class BooksReport:
    """What verify_books found; `problems` is empty when every invariant holds."""

    entries: int = 0
    accounts: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_consistent(self) -> bool:
        return not self.problems


def verify_books() -> BooksReport:
    """Check every ledger invariant (read-only; run in a repeatable snapshot on PostgreSQL).

    Σ postings = 0 per entry; every entry has postings; balance = Σ postings per account; no
    negative wallet or payable; merchant payable = unsettled (captures − fees) − unsettled
    (refunds − their fee shares); refund totals match their attempts; batches net.
    """
    report = BooksReport()
    with transaction.atomic():
        if transaction.get_connection().vendor == "postgresql":
            with transaction.get_connection().cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        _verify(report)
    return report


def _verify(report: BooksReport) -> None:
    report.entries = JournalEntry.objects.count()
    report.accounts = Account.objects.count()
    unbalanced = (
        Posting.objects.values("entry_id").annotate(total=Sum("amount_minor")).exclude(total=0)
    )
    for row in unbalanced[:20]:
        report.problems.append(f"entry {row['entry_id']} postings sum to {row['total']}")
    empty = JournalEntry.objects.filter(postings__isnull=True).values_list("pk", flat=True)[:20]
    for pk in empty:
        report.problems.append(f"entry {pk} has no postings")
    mixed = Posting.objects.exclude(account__currency=F("entry__currency")).values_list(
        "entry_id", flat=True
    )[:20]
    for pk in mixed:
        report.problems.append(f"entry {pk} mixes currencies")
    sums = dict(
        Posting.objects.values("account_id")
        .annotate(total=Sum("amount_minor"))
        .values_list("account_id", "total")
    )
    for account in Account.objects.all().iterator():
        total = sums.get(account.pk, 0) or 0
        if account.balance_minor != total:
            report.problems.append(
                f"account {account} balance {account.balance_minor} ≠ Σ postings {total}"
            )
        if account.is_owned and account.balance_minor < 0:
            report.problems.append(f"account {account} is negative: {account.balance_minor}")
        if account.kind == Account.Kind.MERCHANT_PAYABLE:
            assert account.merchant_id is not None  # noqa: S101 - a payable names its merchant
            captured = PaymentAttempt.objects.filter(
                merchant_id=account.merchant_id,
                currency=account.currency,
                status=PaymentAttempt.Status.CAPTURED,
                settlement_batch__isnull=True,
            ).aggregate(gross=Sum("amount_minor"), fees=Sum("fee_minor"))
            refunded = Refund.objects.filter(
                attempt__merchant_id=account.merchant_id,
                currency=account.currency,
                settlement_batch__isnull=True,
            ).aggregate(total=Sum("amount_minor"), fees=Sum("fee_minor"))
            expected = (
                (captured["gross"] or 0)
                - (captured["fees"] or 0)
                - (refunded["total"] or 0)
                + (refunded["fees"] or 0)
            )
            if expected != account.balance_minor:
                report.problems.append(
                    f"account {account} balance {account.balance_minor} ≠ unsettled net {expected}"
                )
    bad_captures = PaymentAttempt.objects.filter(
        Q(status=PaymentAttempt.Status.CAPTURED) & ~Q(capture_entry__kind="capture")
    ).values_list("pk", flat=True)[:20]
    for pk in bad_captures:
        report.problems.append(f"captured attempt {pk} has no capture entry")
    over_refunded = (
        PaymentAttempt.objects.annotate(total=Coalesce(Sum("refunds__amount_minor"), Value(0)))
        .exclude(total=F("refunded_minor"))
        .values_list("pk", "total")[:20]
    )
    for pk, total in over_refunded:
        report.problems.append(f"attempt {pk} refunds {total} ≠ its refunded_minor")
    fee_mismatch = (
        PaymentAttempt.objects.annotate(total=Coalesce(Sum("refunds__fee_minor"), Value(0)))
        .exclude(total=F("fee_refunded_minor"))
        .values_list("pk", flat=True)[:20]
    )
    for pk in fee_mismatch:
        report.problems.append(f"attempt {pk} refunded fee shares ≠ its fee_refunded_minor")
    settled_wrong = SettlementBatch.objects.exclude(
        net_minor=F("gross_minor") - F("fees_minor") - F("refunds_minor")
    ).values_list("pk", flat=True)[:20]
    for pk in settled_wrong:
        report.problems.append(f"settlement batch {pk} does not net")


__all__ = [
    "LOCK_RANK",
    "BooksReport",
    "EntrySpec",
    "IntegrityError",
    "deadlock_retried",
    "entry_by_reference",
    "is_deadlock",
    "payable_account",
    "platform_account",
    "post",
    "post_many",
    "verify_books",
    "wallet_account",
]
