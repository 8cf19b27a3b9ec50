"""The decision on a recognised attempt: the customer's profile (frozen, consent, limits),
the step-up rules, and the step-up itself (the last 4 phone digits)."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers import services as customer_services
from payments import broadcasts, errors
from payments.models import AttemptFrame, PaymentAttempt
from payments.services.transitions import Status, decline, expire_if_due, locked, stamp

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

PROFILE_REFUSALS = {
    "account_closed": errors.DECLINE_FROZEN,
    "face_pay_disabled": errors.DECLINE_FROZEN,
    "consent_missing": errors.DECLINE_NO_CONSENT,
    "not_enrolled": errors.DECLINE_NO_CONSENT,
}


@transaction.atomic(durable=True)
def payment_attempt_decide(
    *,
    attempt_id: int,
    decline_code: str | None,
    evidence: dict[str, object],
    customer_id: int | None = None,
    gallery_size: int = 0,
) -> PaymentAttempt | None:
    """Apply a recognition answer to an attempt (called by the job; tests drive it directly).

    Idempotent: an attempt no longer created/recognising is returned unchanged. A match is
    checked against the customer's profile (frozen, consent, limit) and step-up rules, and
    marked confirm-free when it needs no step-up and is within the customer's confirm-free
    amount (payment_attempt_recognise then captures it).
    """
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status not in (Status.CREATED, Status.RECOGNISING):
        return attempt
    if attempt.recognising_at is None:
        attempt.recognising_at = timezone.now()
        attempt.save(update_fields=["recognising_at"])
    for name in ("similarity", "margin", "liveness_score", "model_version", "thresholds"):
        if name in evidence and evidence[name] is not None:
            setattr(attempt, name, evidence[name])
    attempt.save(
        update_fields=["similarity", "margin", "liveness_score", "model_version", "thresholds"]
    )
    if decline_code is not None:
        decline(attempt, decline_code)
        return attempt
    assert customer_id is not None  # noqa: S101 - a match names its customer
    profile = customer_selectors.customer_payment_profile(customer_id=customer_id)
    attempt.customer_id = customer_id
    attempt.customer_masked_name = profile.masked_name
    attempt.save(update_fields=["customer", "customer_masked_name"])
    customer_services.face_use_record(
        customer_id=customer_id,
        terminal_id=attempt.terminal_id,
        store_id=attempt.store_id,
        attempt_id=attempt.pk,
        outcome="match",
        similarity=attempt.similarity,
        step_up_used=False,
    )
    if not profile.can_pay_by_face:
        decline(attempt, PROFILE_REFUSALS.get(profile.refusal_code or "", errors.DECLINE_FROZEN))
        return attempt
    if attempt.amount_minor > profile.per_payment_limit_minor:
        decline(attempt, errors.DECLINE_LIMIT)
        return attempt
    reason = _step_up_reason(attempt, profile=profile, gallery_size=gallery_size)
    attempt.step_up_reason = reason
    if reason:
        attempt.save(update_fields=[*stamp(attempt, Status.STEP_UP_REQUIRED), "step_up_reason"])
    else:
        attempt.is_confirm_free = attempt.amount_minor <= profile.confirm_free_up_to_minor
        attempt.save(
            update_fields=[
                *stamp(attempt, Status.AWAITING_CONFIRMATION),
                "step_up_reason",
                "is_confirm_free",
            ]
        )
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return attempt


def _step_up_reason(
    attempt: PaymentAttempt, *, profile: customer_selectors.PaymentProfile, gallery_size: int
) -> str:
    if attempt.amount_minor > profile.step_up_above_minor:
        return "amount"
    if profile.is_lookalike_flagged:
        return "lookalike"
    if attempt.margin is not None and attempt.margin < settings.FACEPAY_STEP_UP_MARGIN:
        return "margin"
    if gallery_size >= settings.FACEPAY_STEP_UP_GALLERY_SIZE:
        return "gallery_size"
    return ""


def payment_attempt_step_up(
    *, terminal: Terminal, attempt_id: UUID | str, phone_last4: str
) -> PaymentAttempt:
    """Check the last 4 phone digits; the 3rd wrong try declines. Raises StepUpWrong (with
    attempts_left), StepUpNotRequired, AttemptExpired, AttemptNotFound."""
    attempt, failure = _step_up(terminal=terminal, attempt_id=attempt_id, phone_last4=phone_last4)
    if failure is not None:
        raise failure
    return attempt


@transaction.atomic(durable=True)
def _step_up(
    *, terminal: Terminal, attempt_id: UUID | str, phone_last4: str
) -> tuple[PaymentAttempt, errors.PaymentError | None]:

    attempt = locked(terminal=terminal, public_id=attempt_id)
    if attempt.status != Status.STEP_UP_REQUIRED:
        return attempt, errors.StepUpNotRequired(
            _("This payment is not waiting for phone digits."), status=attempt.status
        )
    if expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired."))
    assert attempt.customer_id is not None  # noqa: S101 - step-up follows a match
    profile = customer_selectors.customer_payment_profile(customer_id=attempt.customer_id)
    expected = profile.phone_last4
    if expected and hmac.compare_digest(expected.encode(), (phone_last4 or "").strip().encode()):
        attempt.is_step_up_passed = True
        attempt.save(
            update_fields=[*stamp(attempt, Status.AWAITING_CONFIRMATION), "is_step_up_passed"]
        )
        broadcasts.payment_attempt_changed(attempt)
        return attempt, None
    attempt.step_up_failures += 1
    attempt.save(update_fields=["step_up_failures"])
    left = settings.FACEPAY_STEP_UP_MAX_TRIES - attempt.step_up_failures
    if left <= 0:
        decline(attempt, errors.DECLINE_STEP_UP_FAILED)
    else:
        broadcasts.payment_attempt_changed(attempt)
    return attempt, errors.StepUpWrong(
        _("Those are not the right digits."), attempts_left=max(left, 0), status=attempt.status
    )
