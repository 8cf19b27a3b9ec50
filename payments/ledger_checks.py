"""verify_books: every ledger invariant, checked read-only (re-exported by payments.ledger)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Coalesce

from payments.models import Account, JournalEntry, PaymentAttempt, Posting, Refund, SettlementBatch


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

    Σ postings = 0 per entry; every entry has postings; stored balance = Σ postings per wallet
    and payable, and no stored balance on a platform account (its balance is Σ postings); no
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
        if account.is_owned and account.balance_minor != total:
            report.problems.append(
                f"account {account} balance {account.balance_minor} ≠ Σ postings {total}"
            )
        if not account.is_owned and account.balance_minor != 0:
            report.problems.append(
                f"platform account {account} stores a balance {account.balance_minor}: its "
                "balance is Σ postings and no one may update its row"
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
