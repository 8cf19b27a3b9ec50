"""Refunds (partial, multiple, never above what was captured) and customer disputes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facepay import money
from facepay.models import User
from facepay.services import audit_event_record
from payments import broadcasts, errors, ledger
from payments.models import Account, Dispute, JournalEntry, PaymentAttempt, Refund

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

Status = PaymentAttempt.Status


def refund_fee_share(attempt: PaymentAttempt, amount_minor: int) -> int:
    """The platform's fee handed back with a refund: pro rata, half-even; the refund that
    completes the payment returns exactly what is left of the fee."""
    if attempt.refunded_minor + amount_minor >= attempt.amount_minor:
        return attempt.fee_minor - attempt.fee_refunded_minor
    share = money.apply_rate(
        attempt.fee_minor, Decimal(amount_minor) / Decimal(attempt.amount_minor)
    )
    return min(share, attempt.fee_minor - attempt.fee_refunded_minor)


def _refund_locked(
    *,
    attempt: PaymentAttempt,
    amount_minor: int,
    reason: str,
    idempotency_key: str,
    requested_by: User | None,
) -> Refund:
    """Post one refund of a locked, captured attempt (joins the caller's transaction)."""
    existing = Refund.objects.filter(attempt=attempt, idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.amount_minor != amount_minor:
            raise errors.IdempotencyKeyReused(
                _("This key was already used for another refund."), idempotency_key=idempotency_key
            )
        return existing
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise errors.AmountInvalid(_("The refund must be a positive whole number of minor units."))
    if attempt.status != Status.CAPTURED:
        raise errors.AttemptWrongState(
            _("Only a paid payment can be refunded."), status=attempt.status
        )
    if amount_minor > attempt.refundable_minor:
        raise errors.RefundExceedsCaptured(
            _("The refund is above what is left of the payment."),
            refundable_minor=attempt.refundable_minor,
        )
    assert attempt.customer_id is not None  # noqa: S101 - a capture has a customer
    wallet = ledger.wallet_account(customer_id=attempt.customer_id, currency=attempt.currency)
    payable = ledger.payable_account(merchant_id=attempt.merchant_id, currency=attempt.currency)
    number = attempt.refunds.count() + 1
    fee_back = refund_fee_share(attempt, amount_minor)
    lines = [(payable, -(amount_minor - fee_back)), (wallet, amount_minor)]
    if fee_back:
        fees = ledger.platform_account(
            kind=Account.Kind.PLATFORM_FEE_REVENUE, currency=attempt.currency
        )
        lines.append((fees, -fee_back))
    lines = [(account, amount) for account, amount in lines if amount]
    try:
        with transaction.atomic():
            entry = ledger.post(
                kind=JournalEntry.Kind.REFUND,
                currency=attempt.currency,
                reference=f"refund:{attempt.public_id}:{idempotency_key}",
                memo=(reason or f"refund {number}")[:200],
                lines=lines,
            )
    except errors.InsufficientBalance as exc:
        raise errors.MerchantBalanceInsufficient(
            _("The merchant's unsettled takings cannot cover this refund today."), **exc.extra
        ) from exc
    refund = Refund.objects.create(
        attempt=attempt,
        amount_minor=amount_minor,
        fee_minor=fee_back,
        currency=attempt.currency,
        reason=reason[:200],
        idempotency_key=idempotency_key,
        requested_by=requested_by,
        entry=entry,
        created_at=entry.occurred_at,
    )
    attempt.refunded_minor += amount_minor
    attempt.fee_refunded_minor += fee_back
    attempt.save(update_fields=["refunded_minor", "fee_refunded_minor"])
    broadcasts.payment_attempt_changed(attempt)
    return refund


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def refund_create(
    *,
    attempt_id: UUID | str,
    amount_minor: int,
    idempotency_key: str,
    reason: str = "",
    requested_by: User | None = None,
    terminal: Terminal | None = None,
    merchant_ids: list[int] | None = None,
    store_ids: list[int] | None = None,
) -> Refund:
    """Refund part or all of a captured payment, no face re-scan; idempotent per (attempt, key).

    `terminal`, `merchant_ids` or `store_ids` scope who may refund. Raises AttemptNotFound,
    AttemptWrongState, AmountInvalid, RefundExceedsCaptured, MerchantBalanceInsufficient,
    IdempotencyKeyReused.
    """
    query = PaymentAttempt.objects.select_for_update().filter(public_id=attempt_id)
    if terminal is not None:
        query = query.filter(store_id=terminal.store_id)
    if merchant_ids is not None:
        query = query.filter(merchant_id__in=merchant_ids)
    if store_ids is not None:
        query = query.filter(store_id__in=store_ids)
    attempt = query.first()
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment."))
    return _refund_locked(
        attempt=attempt,
        amount_minor=amount_minor,
        reason=reason,
        idempotency_key=idempotency_key,
        requested_by=requested_by,
    )


def dispute_evidence(attempt: PaymentAttempt) -> dict[str, Any]:
    """What an operator needs to decide, and never a face image."""
    return {
        "payment_id": str(attempt.public_id),
        "terminal_id": attempt.terminal_id,
        "terminal": str(attempt.terminal),
        "store_id": attempt.store_id,
        "merchant_id": attempt.merchant_id,
        "amount_minor": attempt.amount_minor,
        "currency": attempt.currency,
        "method": attempt.method,
        "created_at": attempt.created_at.isoformat(),
        "confirmed_at": attempt.captured_at.isoformat() if attempt.captured_at else None,
        "shown_name": attempt.customer_masked_name,
        "similarity": attempt.similarity,
        "margin": attempt.margin,
        "liveness_score": attempt.liveness_score,
        "model_version": attempt.model_version,
        "thresholds": attempt.thresholds,
        "step_up_reason": attempt.step_up_reason,
        "step_up_passed": attempt.is_step_up_passed,
        "step_up_failures": attempt.step_up_failures,
        "confirm_free": attempt.is_confirm_free,  # captured by the job, nobody tapped confirm
        "refunded_minor": attempt.refunded_minor,
    }


@transaction.atomic
def dispute_open(*, customer_id: int, attempt_id: UUID | str, reason: str) -> Dispute:
    """The customer flags one of their captured payments ("that wasn't me").

    Raises AttemptNotFound (not theirs), AttemptWrongState (not captured), DisputeAlreadyOpen.
    """
    attempt = (
        PaymentAttempt.objects.select_for_update()
        .select_related("terminal__store")
        .filter(public_id=attempt_id, customer_id=customer_id)
        .first()
    )
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment."))
    if attempt.status != Status.CAPTURED:
        raise errors.AttemptWrongState(
            _("Only a paid payment can be disputed."), status=attempt.status
        )
    try:
        with transaction.atomic():
            return Dispute.objects.create(
                attempt=attempt,
                customer_id=customer_id,
                reason=reason[:500],
                evidence=dispute_evidence(attempt),
            )
    except IntegrityError as exc:
        raise errors.DisputeAlreadyOpen(_("This payment already has an open dispute.")) from exc


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def dispute_decide(
    *, dispute_id: int, decided_by: User | None, is_upheld: bool, note: str = ""
) -> Dispute:
    """An operator decides an open dispute; upheld refunds whatever is left of the payment. The
    decision is audit-logged in the same transaction.

    Raises DisputeNotOpen, MerchantBalanceInsufficient.
    """
    dispute = Dispute.objects.select_for_update().filter(pk=dispute_id).first()
    if dispute is None or dispute.status != Dispute.Status.OPEN:
        raise errors.DisputeNotOpen(_("This dispute is not open."))
    attempt = PaymentAttempt.objects.select_for_update().get(pk=dispute.attempt_id)
    if is_upheld and attempt.refundable_minor > 0:
        dispute.refund = _refund_locked(
            attempt=attempt,
            amount_minor=attempt.refundable_minor,
            reason=f"dispute {dispute.pk}",
            idempotency_key=f"dispute-{dispute.pk}",
            requested_by=decided_by,
        )
    dispute.status = Dispute.Status.WON if is_upheld else Dispute.Status.LOST
    dispute.decided_by = decided_by
    dispute.decision_note = note[:500]
    dispute.decided_at = timezone.now()
    dispute.save(update_fields=["status", "decided_by", "decision_note", "decided_at", "refund"])
    audit_event_record(
        actor=decided_by,
        action="dispute.upheld" if is_upheld else "dispute.rejected",
        target=dispute,
        data={
            "payment_id": str(attempt.public_id),
            "refund_minor": dispute.refund.amount_minor if dispute.refund else 0,
            "currency": attempt.currency,
            "note": dispute.decision_note,
        },
    )
    return dispute
