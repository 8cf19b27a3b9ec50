"""Credit scoring tables: versioned scorecards, score rows, overrides, contests, outcomes.

Score rows, overrides and outcome uploads are append-only: a re-score is a new row, a decision
on an override is recorded once (pending → approved/rejected) by a different reviewer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScoreModel(models.Model):
    """One version of a points table (scorecard.py format); exactly one is active."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("Expert card")
        LEARNED = "learned", _("Learned card")

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        PROMOTION_REQUESTED = "promotion_requested", _("Promotion requested")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    version = models.CharField(max_length=40, unique=True)  # "expert-1", "learned-3"
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.CANDIDATE)
    table = models.JSONField()  # the points table, see credit.scorecard
    note = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True)  # hold-out AUC/KS/Gini, both cards
    card = models.JSONField(default=dict, blank=True)  # model card: period, features, limits
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    promotion_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    promotion_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score model")
        verbose_name_plural = _("score models")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="score_model_one_active"
            ),
            models.CheckConstraint(
                condition=Q(promotion_approved_by__isnull=True)
                | ~Q(promotion_approved_by=F("promotion_requested_by")),
                name="score_model_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return self.version


class CreditScore(models.Model):
    """One scoring of one merchant for one month: inputs, points, reasons, model, time."""

    class Status(models.TextChoices):
        SCORED = "scored", _("Scored")
        INSUFFICIENT_DATA = "insufficient_data", _("Insufficient data")

    class Trigger(models.TextChoices):
        MONTHLY = "monthly", _("Monthly run")
        ON_DEMAND = "on_demand", _("On demand")
        CONTEST = "contest", _("Data correction")

    merchant = models.ForeignKey(
        "merchants.Merchant", on_delete=models.PROTECT, related_name="credit_scores"
    )
    period_start = models.DateField()  # first day of the scored month (Asia/Shanghai)
    period_end = models.DateField()  # exclusive
    model = models.ForeignKey(ScoreModel, on_delete=models.PROTECT, related_name="scores")
    status = models.CharField(max_length=20, choices=Status.choices)
    score = models.PositiveSmallIntegerField(null=True, blank=True)  # 300–900; null if no data
    tier = models.CharField(max_length=1, blank=True)  # A–E; blank if no data
    # {name: {"value", "period_start", "period_end", "source"}}
    inputs = models.JSONField(default=dict)
    # {name: {"points", "best_points", "bin", "is_scored"}}
    points = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)  # [{"code", "shortfall", "text_en", …}] best first
    insufficient = models.JSONField(default=list)  # failed minimum-activity rules
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    computed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")
        ordering = ["-computed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "period_start", "model"],
                condition=Q(trigger="monthly"),
                name="credit_score_monthly_once",
            ),
            models.CheckConstraint(
                condition=Q(status="scored", score__gte=300, score__lte=900)
                | Q(status="insufficient_data", score__isnull=True),
                name="credit_score_on_scale",
            ),
        ]
        indexes = [models.Index(fields=["merchant", "-computed_at"], name="credit_score_latest")]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.period_start:%Y-%m} {self.score or '—'}{self.tier}"


class ScoreOverride(models.Model):
    """A reviewer's change of tier with a written justification; counts only once a second,
    different reviewer approves. Rows are never edited except for that one decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting second reviewer")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    score = models.ForeignKey(CreditScore, on_delete=models.PROTECT, related_name="overrides")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    new_tier = models.CharField(max_length=1)
    justification = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("score override")
        verbose_name_plural = _("score overrides")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(justification=""), name="score_override_justified"),
            models.CheckConstraint(
                condition=Q(new_tier__in=["A", "B", "C", "D", "E"]), name="score_override_tier"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="score_override_four_eyes",
            ),
            models.UniqueConstraint(
                fields=["score"], condition=Q(status="pending"), name="score_override_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"override {self.pk} → {self.new_tier} ({self.status})"


class ScoreContest(models.Model):
    """A merchant's data-correction request against a score; the office resolves it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted: re-scored")
        REJECTED = "rejected", _("Rejected")

    score = models.ForeignKey(CreditScore, on_delete=models.PROTECT, related_name="contests")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.TextField(blank=True)
    rescore = models.ForeignKey(
        CreditScore, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("score contest")
        verbose_name_plural = _("score contests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"contest {self.pk} ({self.status})"


class OutcomeUpload(models.Model):
    """One accepted loan-outcomes CSV (refused files leave no row)."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    default_count = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    fitted_model = models.ForeignKey(
        ScoreModel, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )

    class Meta:
        verbose_name = _("outcome upload")
        verbose_name_plural = _("outcome uploads")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count} loans, {self.default_count} defaults)"


class LoanOutcome(models.Model):
    upload = models.ForeignKey(OutcomeUpload, on_delete=models.CASCADE, related_name="outcomes")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="+")
    loan_date = models.DateField()
    amount_minor = models.BigIntegerField()  # fen
    currency = models.CharField(max_length=3)
    is_defaulted = models.BooleanField()

    class Meta:
        verbose_name = _("loan outcome")
        verbose_name_plural = _("loan outcomes")
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="loan_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.loan_date} {'default' if self.is_defaulted else 'repaid'}"
