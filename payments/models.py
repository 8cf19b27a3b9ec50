"""Payments: the double-entry ledger, payment attempts, refunds, disputes and settlements.

Money is always `*_minor` (fen) + `currency` (ISO 4217). Ledger rows (JournalEntry, Posting)
are written only by `payments.ledger` and never updated or deleted; a correction is a new entry.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER_WALLET = "customer_wallet", _("Customer wallet")
        MERCHANT_PAYABLE = "merchant_payable", _("Merchant payable")
        PLATFORM_FEE_REVENUE = "platform_fee_revenue", _("Platform fee revenue")
        FUNDING_CLEARING = "funding_clearing", _("Funding clearing")
        BANK_SETTLEMENT_CLEARING = "bank_settlement_clearing", _("Bank settlement clearing")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    currency = models.CharField(max_length=3)  # ISO 4217, upper case
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    merchant = models.ForeignKey(
        "merchants.Merchant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    # Wallets and payables: the signed sum of the account's postings, maintained by
    # payments.ledger under the row lock. Platform accounts keep 0 here (a constraint): every
    # capture posts to them, so their rows are never updated and their balance is Σ postings.
    balance_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"],
                condition=Q(kind="customer_wallet"),
                name="account_wallet_unique",
            ),
            models.UniqueConstraint(
                fields=["merchant", "currency"],
                condition=Q(kind="merchant_payable"),
                name="account_payable_unique",
            ),
            models.UniqueConstraint(
                fields=["kind", "currency"],
                condition=Q(customer__isnull=True, merchant__isnull=True),
                name="account_platform_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["customer_wallet", "merchant_payable"])
                | Q(balance_minor__gte=0),
                name="account_owned_balance_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["customer_wallet", "merchant_payable"]) | Q(balance_minor=0),
                name="account_platform_balance_derived",
            ),
            models.CheckConstraint(
                condition=(Q(kind="customer_wallet") & Q(customer__isnull=False, merchant=None))
                | (Q(kind="merchant_payable") & Q(merchant__isnull=False, customer=None))
                | (
                    ~Q(kind__in=["customer_wallet", "merchant_payable"])
                    & Q(customer=None, merchant=None)
                ),
                name="account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.customer_id or self.merchant_id or "platform"
        return f"{self.kind}:{owner}:{self.currency}"

    @property
    def is_owned(self) -> bool:
        """Wallets and payables belong to someone and may never go below zero."""
        return self.kind in (self.Kind.CUSTOMER_WALLET, self.Kind.MERCHANT_PAYABLE)


class JournalEntry(models.Model):
    class Kind(models.TextChoices):
        TOP_UP = "top_up", _("Top-up")
        CAPTURE = "capture", _("Payment")
        REFUND = "refund", _("Refund")
        PAYOUT = "payout", _("Payout")
        WITHDRAWAL = "withdrawal", _("Withdrawal")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    memo = models.CharField(max_length=200, blank=True)
    # Idempotency: one entry per business event ("capture:<attempt uuid>", "top_up:<c>:<key>").
    reference = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)  # when the row was written
    occurred_at = models.DateTimeField(default=timezone.now)  # business time (seeded history)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["kind", "occurred_at"], name="entry_kind_time")]

    def __str__(self) -> str:
        return self.reference


class Posting(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount_minor = models.BigIntegerField()  # signed: + increases the account's balance

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="posting_non_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_minor:+d}"


class PaymentAttempt(models.Model):
    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        RECOGNISING = "recognising", _("Recognising")
        STEP_UP_REQUIRED = "step_up_required", _("Step-up required")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting confirmation")
        CAPTURED = "captured", _("Paid")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class Method(models.TextChoices):
        FACE = "face", _("Face")
        PAYMENT_CODE = "payment_code", _("Payment code")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    terminal = models.ForeignKey(
        "merchants.Terminal", on_delete=models.PROTECT, related_name="payment_attempts"
    )
    store = models.ForeignKey(
        "merchants.Store", on_delete=models.PROTECT, related_name="payment_attempts"
    )
    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="payment_attempts"
    )
    idempotency_key = models.CharField(max_length=64)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.FACE)
    amount_minor = models.BigIntegerField()  # fen: CNY 12.50 is 1250
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.CREATED)
    decline_code = models.CharField(max_length=48, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_attempts",
    )
    customer_masked_name = models.CharField(max_length=60, blank=True)  # "李**": shown to confirm
    # Evidence of the decision (disputes): never a face image.
    similarity = models.FloatField(null=True, blank=True)  # top-1 cosine
    margin = models.FloatField(null=True, blank=True)  # top-1 minus top-2
    liveness_score = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=120, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    step_up_reason = models.CharField(max_length=32, blank=True)
    step_up_failures = models.PositiveSmallIntegerField(default=0)
    # The customers in the step-up band (best first) whose phone digits may pick one of them;
    # the customer stays empty until the digits have picked exactly one.
    step_up_candidates = models.JSONField(default=list, blank=True)
    is_step_up_passed = models.BooleanField(default=False)
    # Burst liveness (issue 12): the challenge drawn by the server for this attempt, when it was
    # issued (the burst's frames must come after it), when the burst arrived, and the decision:
    # checked with an empty reason = live; a reason is a stable burst.REASON_* or burst_* code.
    liveness_challenge = models.CharField(max_length=16, blank=True)
    challenge_issued_at = models.DateTimeField(null=True, blank=True)
    burst_received_at = models.DateTimeField(null=True, blank=True)
    liveness_checked_at = models.DateTimeField(null=True, blank=True)
    liveness_reason = models.CharField(max_length=48, blank=True)
    liveness_details = models.JSONField(default=dict, blank=True)  # measures, never an image
    # Captured by the recognition job under the customer's confirm-free amount, without a tap.
    is_confirm_free = models.BooleanField(default=False)
    fee_minor = models.BigIntegerField(default=0)
    refunded_minor = models.BigIntegerField(default=0)
    fee_refunded_minor = models.BigIntegerField(default=0)  # fee share handed back by refunds
    capture_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="capture_of"
    )
    settlement_batch = models.ForeignKey(
        "SettlementBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    recognising_at = models.DateTimeField(null=True, blank=True)
    step_up_required_at = models.DateTimeField(null=True, blank=True)
    awaiting_confirmation_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")
        constraints = [
            models.UniqueConstraint(
                fields=["terminal", "idempotency_key"], name="attempt_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="attempt_amount_positive"),
            models.CheckConstraint(condition=Q(fee_minor__gte=0), name="attempt_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(refunded_minor__gte=0)
                & Q(refunded_minor__lte=models.F("amount_minor")),
                name="attempt_refunds_within_amount",
            ),
            # Captured exactly once: a capture has its one entry, and nothing else has one.
            models.CheckConstraint(
                condition=Q(
                    status="captured", capture_entry__isnull=False, captured_at__isnull=False
                )
                | (~Q(status="captured") & Q(capture_entry__isnull=True)),
                name="attempt_capture_has_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "captured_at"], name="attempt_merchant_captured"),
            models.Index(fields=["store", "created_at"], name="attempt_store_created"),
            models.Index(fields=["status", "expires_at"], name="attempt_status_expiry"),
            models.Index(fields=["customer", "created_at"], name="attempt_customer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status} {self.amount_minor} {self.currency}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def is_liveness_passed(self) -> bool:
        return self.liveness_checked_at is not None and not self.liveness_reason

    @property
    def refundable_minor(self) -> int:
        return self.amount_minor - self.refunded_minor if self.status == "captured" else 0


FINAL_STATUSES = frozenset(
    {
        PaymentAttempt.Status.CAPTURED,
        PaymentAttempt.Status.DECLINED,
        PaymentAttempt.Status.CANCELLED,
        PaymentAttempt.Status.EXPIRED,
    }
)


class AttemptFrame(models.Model):
    """A camera frame waiting for its recognition job; deleted when the job ends."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Image")
        DEPTH = "depth", _("Depth map")

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.CASCADE, related_name="frames")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    position = models.PositiveSmallIntegerField(default=0)
    timestamp_ms = models.FloatField(null=True, blank=True)  # burst frames: terminal epoch ms
    data = models.BinaryField()

    class Meta:
        verbose_name = _("attempt frame")
        verbose_name_plural = _("attempt frames")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.kind}/{self.position}"


class Refund(models.Model):
    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, related_name="refunds")
    amount_minor = models.BigIntegerField()  # back to the customer
    fee_minor = models.BigIntegerField(default=0)  # of which the platform returns its fee share
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="refund_of")
    settlement_batch = models.ForeignKey(
        "SettlementBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "idempotency_key"], name="refund_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="refund_amount_positive"),
        ]
        indexes = [models.Index(fields=["created_at"], name="refund_created")]

    def __str__(self) -> str:
        return f"refund {self.amount_minor} of {self.attempt_id}"


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Upheld: refunded")
        LOST = "lost", _("Rejected")

    attempt = models.ForeignKey(PaymentAttempt, on_delete=models.PROTECT, related_name="disputes")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="disputes"
    )
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    evidence = models.JSONField(default=dict)  # terminal, time, amounts, scores; never an image
    decision_note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refund = models.OneToOneField(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"], condition=Q(status="open"), name="dispute_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} on {self.attempt_id} ({self.status})"


class SettlementBatch(models.Model):
    """One merchant's captures, refunds and fees of one business day, netted into a payout."""

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="settlement_batches"
    )
    currency = models.CharField(max_length=3)
    business_date = models.DateField()  # Asia/Shanghai day whose activity this settles
    cutoff_at = models.DateTimeField()  # everything before this instant and unsettled
    payment_count = models.PositiveIntegerField(default=0)
    refund_count = models.PositiveIntegerField(default=0)
    gross_minor = models.BigIntegerField(default=0)
    fees_minor = models.BigIntegerField(default=0)  # capture fees minus fee shares refunded
    refunds_minor = models.BigIntegerField(default=0)
    net_minor = models.BigIntegerField(default=0)  # gross - fees - refunds = payout
    payout_entry = models.OneToOneField(
        JournalEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="payout_of"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "currency", "business_date"], name="settlement_batch_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    net_minor=models.F("gross_minor")
                    - models.F("fees_minor")
                    - models.F("refunds_minor")
                ),
                name="settlement_batch_nets",
            ),
            models.CheckConstraint(condition=Q(net_minor__gte=0), name="settlement_net_positive"),
        ]
        ordering = ["-business_date", "merchant_id"]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.business_date} {self.net_minor} {self.currency}"


class WrongEntry(models.Model):
    """A wrong secret keyed at a terminal: phone digits (counted against the terminal and the
    customers they were tried for), a PIN or a payment code (against the terminal only)."""

    class Kind(models.TextChoices):
        PHONE_DIGITS = "phone_digits", _("Phone digits")
        PIN = "pin", _("Payment PIN")
        PAYMENT_CODE = "payment_code", _("Payment code")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    terminal = models.ForeignKey(
        "merchants.Terminal", on_delete=models.PROTECT, related_name="wrong_entries"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wrong_entries",
    )
    attempt = models.ForeignKey(
        PaymentAttempt, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("wrong entry")
        verbose_name_plural = _("wrong entries")
        indexes = [
            models.Index(fields=["terminal", "at"], name="wrong_entry_terminal_at"),
            models.Index(fields=["customer", "at"], name="wrong_entry_customer_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.terminal_id} for {self.customer_id}"
