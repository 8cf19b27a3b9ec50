"""The attempt's state helpers shared by every step: stamp a transition, decline, lock by public
id, expire when due.

State machine: created → recognising → step_up_required → awaiting_confirmation → captured,
or declined / cancelled / expired from any open state. Every transition stamps its `*_at`,
happens under the attempt's row lock and is pushed to the screens after commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TypedDict
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as customer_services
from payments import broadcasts, errors
from payments.models import FINAL_STATUSES, AttemptFrame, PaymentAttempt

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal


Status = PaymentAttempt.Status


def stamp(attempt: PaymentAttempt, status: str, now: datetime | None = None) -> list[str]:
    attempt.status = status
    field = f"{status}_at"
    setattr(attempt, field, now or timezone.now())
    return ["status", field]


class FaceUseFacts(TypedDict):
    amount_minor: int
    currency: str
    liveness_challenge: str


def face_use_facts(attempt: PaymentAttempt) -> FaceUseFacts:
    """The payment's facts every "who used my face" entry carries (amount, challenge)."""
    return {
        "amount_minor": attempt.amount_minor,
        "currency": attempt.currency,
        "liveness_challenge": attempt.liveness_challenge,
    }


def decline(attempt: PaymentAttempt, code: str) -> None:
    """Decline with `code`; a face attempt that had reached a customer (matched, or asked the
    phone digits of candidates) logs the refusal in their "who used my face" list."""
    if attempt.method == PaymentAttempt.Method.FACE:
        customer_ids = (
            [attempt.customer_id] if attempt.customer_id else list(attempt.step_up_candidates)
        )
        for customer_id in customer_ids:
            customer_services.face_use_record(
                customer_id=int(customer_id),
                terminal_id=attempt.terminal_id,
                store_id=attempt.store_id,
                attempt_id=attempt.pk,
                outcome="declined",
                similarity=attempt.similarity,
                step_up_used=bool(attempt.step_up_candidates),
                decline_code=code,
                **face_use_facts(attempt),
            )
    attempt.decline_code = code
    attempt.save(update_fields=[*stamp(attempt, Status.DECLINED), "decline_code"])
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)


def locked(*, terminal: Terminal | None, public_id: UUID | str) -> PaymentAttempt:
    query = PaymentAttempt.objects.select_for_update().filter(public_id=public_id)
    if terminal is not None:
        query = query.filter(terminal=terminal)
    attempt = query.first()
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment on this terminal."))
    return attempt


def expire_if_due(attempt: PaymentAttempt) -> bool:
    if attempt.status in FINAL_STATUSES or attempt.expires_at > timezone.now():
        return False
    attempt.save(update_fields=stamp(attempt, Status.EXPIRED))
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return True
