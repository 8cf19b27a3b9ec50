"""The only writer of journal entries and account balances.

Every entry's postings sum to zero (checked here before anything is written); an owned account
(customer wallet, merchant payable) never goes below zero (checked here under the lock and again
by a database constraint). Entries are immutable: corrections are new entries.

No hot row: only owned accounts (wallets, payables) keep a stored balance, updated under their row
lock. A platform account (fee revenue, funding clearing, bank settlement clearing) is touched by
every capture, top-up or payout, so it is never locked or updated: its balance is the sum of its
postings (`balance_minor`), its stored `balance_minor` stays 0 (a database constraint holds it
there) and a posting to it only takes PostgreSQL's shared key lock of the foreign key, which never
waits on another posting. Captures at different merchants by different customers share no row.

Lock order: every money movement (capture, refund, dispute refund, top-up, withdrawal,
settlement) takes its row locks in this one order, so no two of them can wait on each other in
a cycle:

1. the payment attempt rows it is about (one attempt; settlement: the merchant's unsettled
   attempts, then its unsettled refunds, each in id order);
2. the customer's wallet;
3. the merchant's payable.

`post` locks the owned accounts of an entry in that order (`LOCK_RANK`, then id), skipping those the
caller already holds (capture locks the wallet first to read the day's spending), checks that none
goes below zero, and only then writes the entry, its postings and the owned balances. An entry
that is refused therefore writes nothing, so callers need no savepoint around it. A concurrent
duplicate reference waits on the entry's unique index after its twin has taken every lock it needs
and fails there; no cycle can form. A deadlock that still happens (PostgreSQL breaks it by failing
one transaction) is retried once by `deadlock_retried` around the service's transaction; it never
reaches the caller as a 500.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Case, F, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.errors import InsufficientBalance, LedgerUnbalanced
from payments.models import (
    Account,
    JournalEntry,
    Posting,
)

Line = tuple[Account, int]  # (account, signed amount in minor units)
logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
# Position of each owned account kind in the lock order (module docstring); ties go by id.
# Platform accounts are never locked.
LOCK_RANK: dict[str, int] = {
    Account.Kind.CUSTOMER_WALLET: 0,
    Account.Kind.MERCHANT_PAYABLE: 1,
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


def wallet_locked(*, customer_id: int, currency: str) -> Account:
    """The customer's wallet, row-locked in this transaction (created first if missing)."""
    query = Account.objects.select_for_update().filter(
        kind=Account.Kind.CUSTOMER_WALLET, customer_id=customer_id, currency=currency
    )
    wallet = query.first()
    if wallet is None:
        wallet_account(customer_id=customer_id, currency=currency)
        wallet = query.get()
    return wallet


def payable_and_fee_accounts(*, merchant_id: int, currency: str) -> tuple[Account, Account]:
    """The merchant's payable, row-locked, and the platform's fee account (not locked: it is
    never updated), read in one query."""
    fee_account = Account.objects.filter(
        kind=Account.Kind.PLATFORM_FEE_REVENUE,
        currency=currency,
        customer__isnull=True,
        merchant__isnull=True,
    ).values("pk")[:1]
    query = (
        Account.objects.select_for_update(of=("self",))
        .filter(kind=Account.Kind.MERCHANT_PAYABLE, merchant_id=merchant_id, currency=currency)
        .annotate(fee_account_id=Subquery(fee_account))
    )
    payable = query.first()
    if payable is None:
        payable_account(merchant_id=merchant_id, currency=currency)
        payable = query.get()
    fee_account_id = getattr(payable, "fee_account_id", None)
    if fee_account_id is None:
        fee = platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency=currency)
    else:  # the fee account's fields are fixed at creation; its stored balance is always 0
        fee = Account(pk=fee_account_id, kind=Account.Kind.PLATFORM_FEE_REVENUE, currency=currency)
    return payable, fee


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


def _lock_and_check(
    deltas: dict[int, int], accounts: Mapping[int, Account], held: Mapping[int, Account]
) -> dict[int, Account]:
    """Lock the owned accounts in the lock order (except those the caller holds, locked and fresh)
    and refuse an entry that would take one below zero; returns the owned accounts by id."""
    owned = sorted(
        (pk for pk in deltas if accounts[pk].is_owned),
        key=lambda pk: (LOCK_RANK[accounts[pk].kind], pk),
    )
    locked: dict[int, Account] = {}
    for pk in owned:
        account = held.get(pk) or Account.objects.select_for_update().filter(pk=pk).first()
        if account is None:
            raise Account.DoesNotExist(pk)
        locked[pk] = account
        if account.balance_minor + deltas[pk] < 0:
            raise InsufficientBalance(
                _("The balance is too low."),
                account_kind=account.kind,
                balance_minor=account.balance_minor,
                needed_minor=-deltas[pk],
                currency=account.currency,
            )
    return locked


def _update_balances(deltas: dict[int, int], locked: dict[int, Account]) -> None:
    """One UPDATE for every locked owned account's stored balance."""
    moved = {pk: deltas[pk] for pk in sorted(locked) if deltas[pk]}
    if not moved:
        return
    change = Case(*(When(pk=pk, then=Value(delta)) for pk, delta in moved.items()), default=0)
    Account.objects.filter(pk__in=moved).update(balance_minor=F("balance_minor") + change)
    for pk, delta in moved.items():
        locked[pk].balance_minor += delta


def post(
    *,
    kind: str,
    currency: str,
    reference: str,
    lines: Sequence[Line],
    memo: str = "",
    occurred_at: datetime | None = None,
    held: Sequence[Account] = (),
) -> JournalEntry:
    """Post one balanced entry atomically (joins the caller's transaction).

    `held`: owned accounts the caller has already locked in this transaction (their balance read
    under the lock), which are not locked again. Raises LedgerUnbalanced (sum ≠ 0) or
    InsufficientBalance (an owned account would go negative) before writing anything, or
    IntegrityError when `reference` was already posted (callers decide idempotency first).
    """
    deltas = _check_lines(lines, currency)
    accounts = {account.pk: account for account, _amount in lines}
    now = timezone.now()
    joined = transaction.get_connection().in_atomic_block
    with nullcontext() if joined else transaction.atomic():
        locked = _lock_and_check(deltas, accounts, {account.pk: account for account in held})
        entry = JournalEntry.objects.create(
            kind=kind,
            currency=currency,
            reference=reference,
            memo=memo[:200],
            created_at=now,
            occurred_at=occurred_at or now,
        )
        Posting.objects.bulk_create(
            Posting(entry=entry, account=account, amount_minor=amount) for account, amount in lines
        )
        _update_balances(deltas, locked)
    return entry


def balance_minor(account: Account) -> int:
    """An account's balance: stored for an owned account, the sum of its postings otherwise."""
    if account.is_owned:
        return account.balance_minor
    total = Posting.objects.filter(account_id=account.pk).aggregate(total=Sum("amount_minor"))
    return total["total"] or 0


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
        accounts = {account.pk: account for spec in specs for account, _amount in spec.lines}
        moved = {pk: delta for pk, delta in totals.items() if delta}
        _update_balances(moved, _lock_and_check(moved, accounts, {}))
        Posting.objects.bulk_create(
            (
                Posting(entry=entry, account=account, amount_minor=amount)
                for entry, spec in zip(entries, specs, strict=True)
                for account, amount in spec.lines
            ),
            batch_size=batch_size,
        )
    return entries


from payments.ledger_checks import BooksReport, verify_books  # noqa: E402 - re-exported

__all__ = [
    "LOCK_RANK",
    "BooksReport",
    "EntrySpec",
    "IntegrityError",
    "balance_minor",
    "deadlock_retried",
    "entry_by_reference",
    "is_deadlock",
    "payable_account",
    "payable_and_fee_accounts",
    "platform_account",
    "post",
    "post_many",
    "verify_books",
    "wallet_account",
    "wallet_locked",
]
