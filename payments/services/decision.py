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
from payments.models import AttemptFrame, PaymentAttempt, WrongEntry
from payments.services.lockouts import terminal_require_active, wrong_entry_record
from payments.services.transitions import (
    Status,
    decline,
    expire_if_due,
    face_use_facts,
    locked,
    stamp,
)

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

PROFILE_REFUSALS = {
    "account_closed": errors.DECLINE_FROZEN,
    "face_pay_disabled": errors.DECLINE_FROZEN,
    "face_pay_paused": errors.DECLINE_FACE_PAY_PAUSED,
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
        **face_use_facts(attempt),
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


@transaction.atomic(durable=True)
def payment_attempt_ask_digits(
    *, attempt_id: int, candidates: list[int], reason: str, evidence: dict[str, object]
) -> PaymentAttempt | None:
    """The face alone is not sure: ask for the last 4 phone digits, which pick one of the
    candidates (the top-k in the step-up band). Candidates who cannot pay by face now (paused,
    frozen, no consent) are left out; with none left the attempt declines."""
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status not in (Status.CREATED, Status.RECOGNISING):
        return attempt
    if attempt.recognising_at is None:
        attempt.recognising_at = timezone.now()
    for name in ("similarity", "margin", "liveness_score", "model_version", "thresholds"):
        if name in evidence and evidence[name] is not None:
            setattr(attempt, name, evidence[name])
    attempt.save(
        update_fields=[
            "recognising_at",
            "similarity",
            "margin",
            "liveness_score",
            "model_version",
            "thresholds",
        ]
    )
    kept, refusal = [], None
    for customer_id in candidates:
        profile = customer_selectors.customer_payment_profile(customer_id=customer_id)
        customer_services.face_use_record(
            customer_id=customer_id,
            terminal_id=attempt.terminal_id,
            store_id=attempt.store_id,
            attempt_id=attempt.pk,
            outcome="step_up_candidate",
            similarity=attempt.similarity,
            step_up_used=True,
            **face_use_facts(attempt),
        )
        if profile.can_pay_by_face:
            kept.append(customer_id)
        else:
            refusal = refusal or profile.refusal_code
    if not kept:
        decline(attempt, PROFILE_REFUSALS.get(refusal or "", errors.DECLINE_FROZEN))
        return attempt
    attempt.step_up_candidates = kept
    attempt.step_up_reason = reason
    attempt.save(
        update_fields=[
            *stamp(attempt, Status.STEP_UP_REQUIRED),
            "step_up_candidates",
            "step_up_reason",
        ]
    )
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return attempt


def payment_attempt_step_up(
    *, terminal: Terminal, attempt_id: UUID | str, phone_last4: str
) -> PaymentAttempt:
    """Check the last 4 phone digits against the step-up candidates: exactly one must match.

    Two matching candidates decline (step_up_ambiguous). A wrong entry counts against the
    attempt (the 3rd declines), against every candidate (5 in 24 h pause their face pay) and
    against the terminal (too many in an hour pause it). Raises StepUpWrong (with
    attempts_left), StepUpNotRequired, AttemptExpired, AttemptNotFound, TerminalPaused.
    """
    attempt, failure, wrong_for = _step_up(
        terminal=terminal, attempt_id=attempt_id, phone_last4=phone_last4
    )
    if wrong_for is not None:
        paused = wrong_entry_record(
            kind=WrongEntry.Kind.PHONE_DIGITS,
            terminal_id=terminal.pk,
            attempt_id=attempt.pk,
            customer_ids=wrong_for,
        )
        if paused:
            attempt = _drop_paused(attempt_id=attempt.pk, paused=paused)
            if failure is not None and attempt.status == Status.DECLINED:
                failure.extra = {**failure.extra, "attempts_left": 0, "status": attempt.status}
    if failure is not None:
        raise failure
    return attempt


@transaction.atomic(durable=True)
def _drop_paused(*, attempt_id: int, paused: set[int]) -> PaymentAttempt:
    """Paused customers leave the candidates at once; with none left the attempt declines."""
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status != Status.STEP_UP_REQUIRED:
        return attempt
    left = [c for c in _candidates(attempt) if c not in paused]
    if not left:
        decline(attempt, errors.DECLINE_FACE_PAY_PAUSED)
    elif attempt.step_up_candidates:
        attempt.step_up_candidates = left
        attempt.save(update_fields=["step_up_candidates"])
    return attempt


def _candidates(attempt: PaymentAttempt) -> list[int]:
    if attempt.step_up_candidates:
        return [int(customer_id) for customer_id in attempt.step_up_candidates]
    return [attempt.customer_id] if attempt.customer_id is not None else []


@transaction.atomic(durable=True)
def _step_up(
    *, terminal: Terminal, attempt_id: UUID | str, phone_last4: str
) -> tuple[PaymentAttempt, errors.PaymentError | None, tuple[int, ...] | None]:
    """(attempt, the error to raise, the candidates a wrong entry counts against)."""
    attempt = locked(terminal=terminal, public_id=attempt_id)
    if attempt.status != Status.STEP_UP_REQUIRED:
        return (
            attempt,
            errors.StepUpNotRequired(
                _("This payment is not waiting for phone digits."), status=attempt.status
            ),
            None,
        )
    if expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired.")), None
    try:
        terminal_require_active(terminal)
    except errors.TerminalPaused as exc:
        decline(attempt, errors.DECLINE_STEP_UP_FAILED)
        return attempt, exc, None
    profiles = {
        customer_id: customer_selectors.customer_payment_profile(customer_id=customer_id)
        for customer_id in _candidates(attempt)
    }
    # A customer paused since the digits were asked is no longer a candidate.
    active = {key: profile for key, profile in profiles.items() if profile.can_pay_by_face}
    if not active:
        refusal = next((p.refusal_code for p in profiles.values() if p.refusal_code), "")
        decline(attempt, PROFILE_REFUSALS.get(refusal or "", errors.DECLINE_FROZEN))
        return (
            attempt,
            errors.StepUpWrong(
                _("Face pay is paused for this person: use the payment code."),
                attempts_left=0,
                status=attempt.status,
            ),
            None,
        )
    entered = (phone_last4 or "").strip().encode()
    matching = [
        key
        for key, profile in active.items()
        if profile.phone_last4 and hmac.compare_digest(profile.phone_last4.encode(), entered)
    ]
    if len(matching) > 1:
        decline(attempt, errors.DECLINE_STEP_UP_AMBIGUOUS)
        return (
            attempt,
            errors.StepUpWrong(
                _("These digits do not pick one person: use the payment code."),
                attempts_left=0,
                status=attempt.status,
            ),
            None,
        )
    if len(matching) == 1:
        return _step_up_passed(attempt, profile=active[matching[0]]), None, None
    attempt.step_up_failures += 1
    attempt.save(update_fields=["step_up_failures"])
    left = settings.FACEPAY_STEP_UP_MAX_TRIES - attempt.step_up_failures
    if left <= 0:
        decline(attempt, errors.DECLINE_STEP_UP_FAILED)
    else:
        broadcasts.payment_attempt_changed(attempt)
    return (
        attempt,
        errors.StepUpWrong(
            _("Those are not the right digits."), attempts_left=max(left, 0), status=attempt.status
        ),
        tuple(active),
    )


def _step_up_passed(
    attempt: PaymentAttempt, *, profile: customer_selectors.PaymentProfile
) -> PaymentAttempt:
    """The digits picked one candidate: the profile's limits apply, then the customer taps."""
    if attempt.customer_id is None:
        attempt.customer_id = profile.customer_id
        attempt.customer_masked_name = profile.masked_name
        attempt.save(update_fields=["customer", "customer_masked_name"])
        customer_services.face_use_record(
            customer_id=profile.customer_id,
            terminal_id=attempt.terminal_id,
            store_id=attempt.store_id,
            attempt_id=attempt.pk,
            outcome="match",
            similarity=attempt.similarity,
            step_up_used=True,
            **face_use_facts(attempt),
        )
    if attempt.amount_minor > profile.per_payment_limit_minor:
        decline(attempt, errors.DECLINE_LIMIT)
        return attempt
    attempt.is_step_up_passed = True
    attempt.save(update_fields=[*stamp(attempt, Status.AWAITING_CONFIRMATION), "is_step_up_passed"])
    broadcasts.payment_attempt_changed(attempt)
    return attempt
