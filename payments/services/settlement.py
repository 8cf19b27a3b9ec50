"""Nightly settlement (T+1): net each merchant's unsettled captures, refunds and fees into a
batch and one payout entry merchant_payable → bank_settlement_clearing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from payments import ledger
from payments.models import Account, JournalEntry, PaymentAttempt, Refund, SettlementBatch


def settlement_cutoff(*, now: datetime | None = None) -> datetime:
    """The latest cut-off at or before `now`: FACEPAY_SETTLEMENT_CUTOFF_HOUR, Asia/Shanghai."""
    local = timezone.localtime(now or timezone.now())
    cutoff = timezone.make_aware(
        datetime.combine(local.date(), time(settings.FACEPAY_SETTLEMENT_CUTOFF_HOUR))
    )
    return cutoff if cutoff <= local else cutoff - timedelta(days=1)


def settlement_run(*, now: datetime | None = None) -> list[SettlementBatch]:
    """Settle every merchant and currency with unsettled activity before the last cut-off.

    Idempotent: one batch per (merchant, currency, business day); items already in a batch are
    never counted again; a merchant whose batch for that day exists is skipped.
    """
    cutoff = settlement_cutoff(now=now)
    pairs = set(
        PaymentAttempt.objects.filter(
            status=PaymentAttempt.Status.CAPTURED,
            settlement_batch__isnull=True,
            captured_at__lt=cutoff,
        ).values_list("merchant_id", "currency")
    ) | set(
        Refund.objects.filter(settlement_batch__isnull=True, created_at__lt=cutoff).values_list(
            "attempt__merchant_id", "currency"
        )
    )
    batches = []
    for merchant_id, currency in sorted(pairs):
        batch = settlement_batch_create(merchant_id=merchant_id, currency=currency, cutoff=cutoff)
        if batch is not None:
            batches.append(batch)
    return batches


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def settlement_batch_create(
    *, merchant_id: int, currency: str, cutoff: datetime
) -> SettlementBatch | None:
    """One merchant's batch up to `cutoff`, under the payable account's lock; None if nothing is
    due or that business day was already settled.

    Locks follow the ledger's lock order: the attempts and refunds it settles first (a refund
    holds its attempt before the payable), then the payable.
    """
    business_date = (timezone.localtime(cutoff) - timedelta(seconds=1)).date()
    payments = (
        PaymentAttempt.objects.select_for_update(of=("self",))
        .filter(
            merchant_id=merchant_id,
            currency=currency,
            status=PaymentAttempt.Status.CAPTURED,
            settlement_batch__isnull=True,
            captured_at__lt=cutoff,
        )
        .order_by("pk")
    )
    refunds = (
        Refund.objects.select_for_update(of=("self",))
        .filter(
            attempt__merchant_id=merchant_id,
            currency=currency,
            settlement_batch__isnull=True,
            created_at__lt=cutoff,
        )
        .order_by("pk")
    )
    payment_ids = list(payments.values_list("pk", flat=True))
    refund_ids = list(refunds.values_list("pk", flat=True))
    payable = ledger.payable_account(merchant_id=merchant_id, currency=currency)
    Account.objects.select_for_update().filter(pk=payable.pk).first()
    if SettlementBatch.objects.filter(
        merchant_id=merchant_id, currency=currency, business_date=business_date
    ).exists():
        return None
    if not payment_ids and not refund_ids:
        return None
    totals = PaymentAttempt.objects.filter(pk__in=payment_ids).aggregate(
        gross=Sum("amount_minor"), fees=Sum("fee_minor")
    )
    refunded = Refund.objects.filter(pk__in=refund_ids).aggregate(
        total=Sum("amount_minor"), fees=Sum("fee_minor")
    )
    gross = totals["gross"] or 0
    fees = (totals["fees"] or 0) - (refunded["fees"] or 0)
    refunds_total = refunded["total"] or 0
    net = gross - fees - refunds_total
    if net < 0:
        return None  # refunds ahead of takings: carried to the next night
    entry = None
    if net:
        bank = ledger.platform_account(
            kind=Account.Kind.BANK_SETTLEMENT_CLEARING, currency=currency
        )
        entry = ledger.post(
            kind=JournalEntry.Kind.PAYOUT,
            currency=currency,
            reference=f"payout:{merchant_id}:{currency}:{business_date}",
            memo=f"settlement {business_date}",
            lines=[(payable, -net), (bank, net)],
        )
    batch = SettlementBatch.objects.create(
        merchant_id=merchant_id,
        currency=currency,
        business_date=business_date,
        cutoff_at=cutoff,
        payment_count=len(payment_ids),
        refund_count=len(refund_ids),
        gross_minor=gross,
        fees_minor=fees,
        refunds_minor=refunds_total,
        net_minor=net,
        payout_entry=entry,
    )
    PaymentAttempt.objects.filter(pk__in=payment_ids).update(settlement_batch=batch)
    Refund.objects.filter(pk__in=refund_ids).update(settlement_batch=batch)
    return batch
