"""Believable payment history for the demo street, booked through the ledger in bulk.

Deterministic (seeded RNG), idempotent (a second run finds the seeded attempts and stops) and
fast: every entry goes through `ledger.post_many` in one transaction, the attempts, refunds and
settlement batches through bulk inserts.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from customers import selectors as customer_selectors
from facepay import money
from merchants import selectors as merchant_selectors
from payments import ledger
from payments.models import Account, JournalEntry, PaymentAttempt, Refund, SettlementBatch

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Store

SEED_PREFIX = "seed-"
# Typical ticket (yuan, log-normal median) and payments per store per ordinary weekday.
TRADE_PROFILE: dict[str, tuple[float, float]] = {
    "teahouse": (68.0, 14),
    "restaurant": (32.0, 22),
    "bakery": (24.0, 18),
    "fruit": (28.0, 16),
    "shoes": (360.0, 4),
    "pharmacy": (55.0, 10),
    "books": (48.0, 7),
    "clothing": (260.0, 5),
    "grocery": (18.0, 26),
}
# Relative weight of each hour of the day (lunch and evening peaks).
HOUR_WEIGHTS = {
    8: 3,
    9: 4,
    10: 5,
    11: 9,
    12: 13,
    13: 8,
    14: 5,
    15: 5,
    16: 5,
    17: 8,
    18: 12,
    19: 11,
    20: 7,
    21: 3,
}
WEEKDAY_FACTOR = [0.85, 0.85, 0.9, 0.95, 1.1, 1.45, 1.35]  # Monday … Sunday
REFUND_RATE = 0.02


@dataclass
class _Payment:
    reference: str
    store_id: int
    terminal_id: int
    merchant_id: int
    customer_id: int
    amount_minor: int
    fee_minor: int
    at: datetime
    refunded_minor: int = 0
    fee_refunded_minor: int = 0
    batch_key: tuple[int, date] | None = None


@dataclass
class _Refund:
    payment: _Payment
    amount_minor: int
    fee_minor: int
    at: datetime
    batch_key: tuple[int, date] | None = None


@dataclass
class _Batch:
    merchant_id: int
    business_date: date
    cutoff_at: datetime
    payments: list[_Payment] = field(default_factory=list)
    refunds: list[_Refund] = field(default_factory=list)

    @property
    def gross(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    @property
    def fees(self) -> int:
        return sum(p.fee_minor for p in self.payments) - sum(r.fee_minor for r in self.refunds)

    @property
    def refunded(self) -> int:
        return sum(r.amount_minor for r in self.refunds)

    @property
    def net(self) -> int:
        return self.gross - self.fees - self.refunded


def _ticket(rng: random.Random, median_yuan: float) -> int:
    yuan = math.exp(rng.gauss(math.log(median_yuan), 0.45))
    fen = round(yuan * 100)
    if rng.random() < 0.6:
        fen = max(100, round(fen, -2))  # most prices are whole yuan
    return max(100, min(fen, 400_000))


def _moment(rng: random.Random, day: date) -> datetime:
    hours, weights = zip(*HOUR_WEIGHTS.items(), strict=True)
    hour = rng.choices(hours, weights)[0]
    naive = datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60)))
    return timezone.make_aware(naive)


def seed_history(*, days: int = 120, now: datetime | None = None) -> int:
    """Book `days` of payments, refunds, top-ups and daily settlements; returns payments booked.

    Idempotent: returns 0 when seeded history already exists. Needs facepay.demo.seed_street().
    """
    if PaymentAttempt.objects.filter(idempotency_key__startswith=SEED_PREFIX).exists():
        return 0
    rng = random.Random(6)  # noqa: S311 - reproducible demo data, not security
    now = timezone.localtime(now or timezone.now())
    currency = money.default_currency()
    stores = [
        (store, terminal) for store in _stores() for terminal in store.terminals.order_by("pk")[:1]
    ]
    names = customer_selectors.customer_display_names()
    customer_ids = sorted(names)
    if not stores or not customer_ids:
        return 0
    today = now.date()
    payments: list[_Payment] = []
    for store, terminal in stores:
        median, per_day = TRADE_PROFILE.get(store.merchant.trade, (40.0, 8))
        regulars = rng.sample(customer_ids, k=min(8, len(customer_ids)))
        rate = Decimal(store.merchant.fee_rate_bps) / Decimal(10_000)
        for offset in range(days, -1, -1):
            day = today - timedelta(days=offset)
            growth = 0.8 + 0.4 * (days - offset) / max(days, 1)
            expected = per_day * WEEKDAY_FACTOR[day.weekday()] * growth
            count = max(0, round(rng.gauss(expected, math.sqrt(expected))))
            for _ in range(count):
                at = _moment(rng, day)
                if at >= now:
                    continue
                customer_id = (
                    rng.choice(regulars) if rng.random() < 0.45 else rng.choice(customer_ids)
                )
                amount = _ticket(rng, median)
                payments.append(
                    _Payment(
                        reference=f"{SEED_PREFIX}{store.pk}-{len(payments)}",
                        store_id=store.pk,
                        terminal_id=terminal.pk,
                        merchant_id=store.merchant_id,
                        customer_id=customer_id,
                        amount_minor=amount,
                        fee_minor=money.apply_rate(amount, rate),
                        at=at,
                    )
                )
    payments.sort(key=lambda p: p.at)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    refunds: list[_Refund] = []
    for payment in payments:
        if rng.random() >= REFUND_RATE:
            continue
        at = payment.at + timedelta(hours=rng.uniform(0.2, 72))
        if at >= start_of_today:
            continue
        amount = payment.amount_minor if rng.random() < 0.6 else payment.amount_minor // 2
        if amount <= 0:
            continue
        fee_back = (
            payment.fee_minor
            if amount == payment.amount_minor
            else money.apply_rate(payment.fee_minor, Decimal(amount) / payment.amount_minor)
        )
        payment.refunded_minor, payment.fee_refunded_minor = amount, fee_back
        refunds.append(_Refund(payment=payment, amount_minor=amount, fee_minor=fee_back, at=at))
    batches = _batches(payments, refunds, today=today)
    with transaction.atomic():
        _book(
            payments,
            refunds,
            batches,
            currency=currency,
            start=now - timedelta(days=days + 1),
            masked={pk: customer_selectors.masked_name(name or "") for pk, name in names.items()},
        )
    return len(payments)


def _stores() -> list[Store]:
    return merchant_selectors.store_list_all()


def _batches(payments: list[_Payment], refunds: list[_Refund], *, today: date) -> list[_Batch]:
    """Daily batches per merchant for every day before today; a day that would net negative
    carries over into the next day's batch (the payable can never go below zero)."""
    items: dict[int, list[tuple[datetime, object]]] = defaultdict(list)
    for payment in payments:
        items[payment.merchant_id].append((payment.at, payment))
    for refund in refunds:
        items[refund.payment.merchant_id].append((refund.at, refund))
    batches: list[_Batch] = []
    for merchant_id, events in items.items():
        events.sort(key=lambda pair: pair[0])
        pending = _Batch(merchant_id, today, timezone.now())
        current: date | None = None
        for at, item in [*events, (None, None)]:
            day = timezone.localtime(at).date() if at else None
            is_closing = current is not None and day != current and current < today
            if (
                is_closing
                and current is not None
                and (pending.payments or pending.refunds)
                and pending.net >= 0
            ):
                cutoff = timezone.make_aware(
                    datetime.combine(current + timedelta(days=1), time.min)
                )
                batch = _Batch(merchant_id, current, cutoff, pending.payments, pending.refunds)
                for payment in batch.payments:
                    payment.batch_key = (merchant_id, current)
                for refund in batch.refunds:
                    refund.batch_key = (merchant_id, current)
                batches.append(batch)
                pending = _Batch(merchant_id, today, timezone.now())
            current = day
            if isinstance(item, _Payment):
                pending.payments.append(item)
            elif isinstance(item, _Refund):
                pending.refunds.append(item)
    return batches


def _book(
    payments: list[_Payment],
    refunds: list[_Refund],
    batches: list[_Batch],
    *,
    currency: str,
    start: datetime,
    masked: dict[int, str],
) -> None:

    clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency=currency)
    fees = ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency=currency)
    bank = ledger.platform_account(kind=Account.Kind.BANK_SETTLEMENT_CLEARING, currency=currency)
    wallets = {
        cid: ledger.wallet_account(customer_id=cid, currency=currency)
        for cid in sorted({p.customer_id for p in payments})
    }
    payables = {
        mid: ledger.payable_account(merchant_id=mid, currency=currency)
        for mid in sorted({p.merchant_id for p in payments})
    }
    spent: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
    for payment in payments:
        local = timezone.localtime(payment.at)
        spent[(payment.customer_id, (local.year, local.month))] += payment.amount_minor
    specs: list[ledger.EntrySpec] = []
    # A monthly card top-up per customer, in round hundreds of yuan, covering that month plus a
    # buffer so the demo wallets can still pay today.
    for (customer_id, (year, month)), amount in sorted(spent.items()):
        top_up = (amount // 10_000 + 3) * 10_000
        moment = max(start, timezone.make_aware(datetime.combine(date(year, month, 1), time(9))))
        specs.append(
            ledger.EntrySpec(
                JournalEntry.Kind.TOP_UP,
                currency,
                f"top_up:{customer_id}:{SEED_PREFIX}{year}-{month:02d}",
                [(clearing, -top_up), (wallets[customer_id], top_up)],
                moment,
                "unionpay ···· 6222",
            )
        )
    for payment in payments:
        lines = [
            (wallets[payment.customer_id], -payment.amount_minor),
            (payables[payment.merchant_id], payment.amount_minor - payment.fee_minor),
        ]
        if payment.fee_minor:
            lines.append((fees, payment.fee_minor))
        specs.append(
            ledger.EntrySpec(
                JournalEntry.Kind.CAPTURE,
                currency,
                f"capture:{payment.reference}",
                lines,
                payment.at,
            )
        )
    for index, refund in enumerate(refunds):
        lines = [
            (payables[refund.payment.merchant_id], -(refund.amount_minor - refund.fee_minor)),
            (wallets[refund.payment.customer_id], refund.amount_minor),
        ]
        if refund.fee_minor:
            lines.append((fees, -refund.fee_minor))
        specs.append(
            ledger.EntrySpec(
                JournalEntry.Kind.REFUND,
                currency,
                f"refund:{refund.payment.reference}:{index}",
                lines,
                refund.at,
            )
        )
    for batch in batches:
        if batch.net:
            specs.append(
                ledger.EntrySpec(
                    JournalEntry.Kind.PAYOUT,
                    currency,
                    f"payout:{batch.merchant_id}:{currency}:{batch.business_date}",
                    [(payables[batch.merchant_id], -batch.net), (bank, batch.net)],
                    batch.cutoff_at + timedelta(hours=2),
                )
            )
    entries = {entry.reference: entry.pk for entry in ledger.post_many(specs)}
    batch_rows = SettlementBatch.objects.bulk_create(
        SettlementBatch(
            merchant_id=batch.merchant_id,
            currency=currency,
            business_date=batch.business_date,
            cutoff_at=batch.cutoff_at,
            payment_count=len(batch.payments),
            refund_count=len(batch.refunds),
            gross_minor=batch.gross,
            fees_minor=batch.fees,
            refunds_minor=batch.refunded,
            net_minor=batch.net,
            payout_entry_id=entries.get(
                f"payout:{batch.merchant_id}:{currency}:{batch.business_date}"
            ),
            created_at=batch.cutoff_at + timedelta(hours=2),
        )
        for batch in batches
    )
    if any(row.pk is None for row in batch_rows):
        batch_ids = {
            (row.merchant_id, row.business_date): row.pk
            for row in SettlementBatch.objects.filter(currency=currency)
        }
    else:
        batch_ids = {(row.merchant_id, row.business_date): row.pk for row in batch_rows}
    attempts = PaymentAttempt.objects.bulk_create(
        (
            PaymentAttempt(
                terminal_id=p.terminal_id,
                store_id=p.store_id,
                merchant_id=p.merchant_id,
                idempotency_key=p.reference,
                amount_minor=p.amount_minor,
                currency=currency,
                status=PaymentAttempt.Status.CAPTURED,
                customer_id=p.customer_id,
                customer_masked_name=masked.get(p.customer_id, ""),
                fee_minor=p.fee_minor,
                refunded_minor=p.refunded_minor,
                fee_refunded_minor=p.fee_refunded_minor,
                capture_entry_id=entries[f"capture:{p.reference}"],
                settlement_batch_id=batch_ids.get(p.batch_key) if p.batch_key else None,
                model_version="seed",
                created_at=p.at - timedelta(seconds=4),
                recognising_at=p.at - timedelta(seconds=4),
                awaiting_confirmation_at=p.at - timedelta(seconds=2),
                captured_at=p.at,
                expires_at=p.at + timedelta(minutes=2),
            )
            for p in payments
        ),
        batch_size=2000,
    )
    if any(row.pk is None for row in attempts):
        attempt_ids = dict(
            PaymentAttempt.objects.filter(idempotency_key__startswith=SEED_PREFIX).values_list(
                "idempotency_key", "pk"
            )
        )
    else:
        attempt_ids = {row.idempotency_key: row.pk for row in attempts}
    Refund.objects.bulk_create(
        (
            Refund(
                attempt_id=attempt_ids[refund.payment.reference],
                amount_minor=refund.amount_minor,
                fee_minor=refund.fee_minor,
                currency=currency,
                reason="顾客退货",
                idempotency_key=f"{SEED_PREFIX}{index}",
                entry_id=entries[f"refund:{refund.payment.reference}:{index}"],
                settlement_batch_id=batch_ids.get(refund.batch_key) if refund.batch_key else None,
                created_at=refund.at,
            )
            for index, refund in enumerate(refunds)
        ),
        batch_size=2000,
    )
