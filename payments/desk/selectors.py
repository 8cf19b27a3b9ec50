"""Reads behind the refund and dispute screens: a merchant's payment with its refunds, a
customer's receipt, and the operator's dispute files with their evidence made readable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.wallet import Receipt, ReceiptRefund
from facepay.models import User
from facepay.money import format_minor
from merchants import selectors as merchant_selectors
from payments import errors
from payments.models import Dispute, PaymentAttempt, Refund

REFUNDER_ROLES = (User.Role.MERCHANT_OWNER, User.Role.STORE_STAFF, User.Role.OPERATOR)
# The published decision rule's numbers, as an operator reads them.
THRESHOLD_LABELS = {
    "accept_threshold": gettext_lazy("Accept threshold"),
    "accept_margin": gettext_lazy("Accept margin"),
    "step_up_threshold": gettext_lazy("Step-up threshold"),
    "step_up_top_k": gettext_lazy("Step-up candidates"),
    "accept_gallery_limit": gettext_lazy("Gallery limit for a face alone"),
    "liveness_threshold": gettext_lazy("Liveness threshold"),
    "step_up_margin": gettext_lazy("Step-up margin"),
    "step_up_gallery_size": gettext_lazy("Gallery size that always asks for digits"),
    "match_threshold": gettext_lazy("Match threshold"),
}
STEP_UP_LABELS = {
    "amount": gettext_lazy("the amount was above the customer's step-up amount"),
    "lookalike": gettext_lazy("the customer has a lookalike"),
    "margin": gettext_lazy("another face came close"),
    "score": gettext_lazy("the similarity was in the middle band"),
    "gallery_size": gettext_lazy("the gallery is too large for a face alone"),
}


def store_ids_for_refunds(*, user: User) -> list[int]:
    """The stores whose payments this viewer may refund (a cashier: the assigned ones)."""
    stores = merchant_selectors.store_list_for_user(user=user)
    return list(stores.values_list("pk", flat=True))


def payment_for_refunder(*, user: User, payment_id: UUID | str) -> PaymentAttempt:
    """One payment of a store the viewer may see, with its refunds; raises AttemptNotFound."""
    attempt = (
        PaymentAttempt.objects.filter(
            public_id=payment_id, store_id__in=store_ids_for_refunds(user=user)
        )
        .select_related("store", "terminal", "merchant")
        .prefetch_related("refunds")
        .first()
    )
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment."))
    return attempt


def _latest_dispute(attempt: PaymentAttempt) -> Dispute | None:
    return attempt.disputes.order_by("-opened_at", "-pk").first()


def receipt_for_customer(*, customer_id: int, payment_id: UUID) -> Receipt | None:
    """The customer's own captured payment as a receipt (None when it is not theirs)."""
    attempt = (
        PaymentAttempt.objects.filter(
            public_id=payment_id, customer_id=customer_id, captured_at__isnull=False
        )
        .select_related("store", "terminal", "merchant")
        .first()
    )
    if attempt is None or attempt.captured_at is None:
        return None
    refunds = tuple(
        ReceiptRefund(
            occurred_at=refund.created_at,
            amount_minor=refund.amount_minor,
            currency=refund.currency,
            reason="" if hasattr(refund, "dispute") else refund.reason,
            is_from_dispute=hasattr(refund, "dispute"),
        )
        for refund in Refund.objects.filter(attempt=attempt)
        .select_related("dispute")
        .order_by("created_at", "pk")
    )
    dispute = _latest_dispute(attempt)
    has_open = dispute is not None and dispute.status == Dispute.Status.OPEN
    return Receipt(
        payment_id=attempt.public_id,
        occurred_at=attempt.captured_at,
        amount_minor=attempt.amount_minor,
        refunded_minor=attempt.refunded_minor,
        currency=attempt.currency,
        method=attempt.method,
        method_label=str(attempt.get_method_display()),
        merchant_name=attempt.merchant.name,
        store_name=attempt.store.name,
        terminal_name=attempt.terminal.name,
        refunds=refunds,
        dispute_status=dispute.status if dispute else "",
        dispute_status_label=str(dispute.get_status_display()) if dispute else "",
        can_dispute=attempt.refundable_minor > 0 and not has_open,
    )


def dispute_list_for_operator(*, status: str = "") -> QuerySet[Dispute]:
    """Disputes for the desk: open ones first (oldest first), then decided (newest first)."""
    disputes = Dispute.objects.select_related("attempt__store", "attempt__merchant")
    if status in Dispute.Status.values:
        disputes = disputes.filter(status=status)
    if status == Dispute.Status.OPEN:
        return disputes.order_by("opened_at", "pk")
    return disputes.order_by("-opened_at", "-pk")


@dataclass(frozen=True)
class EvidenceRow:
    label: str
    value: str


@dataclass(frozen=True)
class DisputeFile:
    """One dispute as the desk shows it: the evidence kept when it was opened, made readable."""

    dispute: Dispute
    attempt: PaymentAttempt
    evidence: list[EvidenceRow]
    thresholds: list[EvidenceRow]
    refunds: list[Refund]


def local_time(value: datetime | str | None) -> str:
    """An instant as Asia/Shanghai wall time, "2026-11-30 21:05:09" ("—" when missing)."""
    instant = parse_datetime(value) if isinstance(value, str) else value
    if instant is None:
        return "—"
    return date_format(timezone.localtime(instant), "Y-m-d H:i:s")


def _yes_no(value: object) -> str:
    return _("Yes") if value else _("No")


def _score(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return str(value) if isinstance(value, int) else f"{value:.3f}"


def _evidence_rows(evidence: dict[str, Any], attempt: PaymentAttempt) -> list[EvidenceRow]:
    currency = str(evidence.get("currency") or attempt.currency)
    method = str(evidence.get("method") or attempt.method)
    step_up = str(evidence.get("step_up_reason") or "")
    rows = [
        (_("Amount"), format_minor(int(evidence.get("amount_minor", 0)), currency)),
        (_("Refunded when opened"), format_minor(int(evidence.get("refunded_minor", 0)), currency)),
        (_("Method"), str(PaymentAttempt.Method(method).label) if method else "—"),
        (_("Merchant"), attempt.merchant.name),
        (_("Store"), attempt.store.name),
        (_("Counter"), attempt.terminal.name),
        (_("Started (Asia/Shanghai)"), local_time(evidence.get("created_at"))),
        (_("Paid (Asia/Shanghai)"), local_time(evidence.get("confirmed_at"))),
        (_("Name shown to confirm"), str(evidence.get("shown_name") or "—")),
        (_("Similarity"), _score(evidence.get("similarity"))),
        (_("Margin over the next face"), _score(evidence.get("margin"))),
        (_("Liveness score"), _score(evidence.get("liveness_score"))),
        (_("Model"), str(evidence.get("model_version") or "—")),
        (_("Phone digits asked because"), str(STEP_UP_LABELS.get(step_up, step_up or "—"))),
        (_("Phone digits passed"), _yes_no(evidence.get("step_up_passed"))),
        (_("Wrong phone digits"), str(evidence.get("step_up_failures", 0))),
        (_("Paid without a tap (confirm-free)"), _yes_no(evidence.get("confirm_free"))),
    ]
    return [EvidenceRow(str(label), value) for label, value in rows]


def dispute_file_for_operator(*, dispute_id: int) -> DisputeFile:
    """One dispute with readable evidence; raises DisputeNotOpen-style AttemptNotFound if absent."""
    dispute = (
        Dispute.objects.select_related(
            "attempt__store", "attempt__merchant", "attempt__terminal", "decided_by", "refund"
        )
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise errors.AttemptNotFound(_("No such dispute."))
    attempt = dispute.attempt
    thresholds = dispute.evidence.get("thresholds") or {}
    return DisputeFile(
        dispute=dispute,
        attempt=attempt,
        evidence=_evidence_rows(dispute.evidence, attempt),
        thresholds=[
            EvidenceRow(str(THRESHOLD_LABELS.get(name, name)), _score(value))
            for name, value in sorted(thresholds.items())
            if isinstance(value, int | float)
        ],
        refunds=list(attempt.refunds.order_by("created_at", "pk")),
    )
