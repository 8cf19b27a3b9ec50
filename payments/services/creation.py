"""Payment attempts are created here: a face attempt with its liveness challenge, then its burst
(recognised by a job), or from a payment code / phone + PIN (straight to awaiting_confirmation)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors as customer_errors
from customers import selectors as customer_selectors
from customers import services as customer_services
from facepay.celery import app as celery_app
from facepay.errors import FacePayError
from facepay.face import burst_probe
from facepay.face import errors as face_errors
from payments import broadcasts, errors
from payments.models import AttemptFrame, PaymentAttempt, WrongEntry
from payments.services.lockouts import terminal_require_active, wrong_entry_record
from payments.services.transitions import Status, decline, expire_if_due, locked, stamp
from payments.services.wallets import validate_amount, validate_currency

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
# The job is queued by name: payments.tasks calls these services, so they never import it back.
RECOGNISE_TASK = "payments.tasks.payment_attempt_recognise_task"


def challenge_draw() -> str:
    """A liveness challenge drawn at random (CSPRNG) from FACEPAY_LIVENESS_CHALLENGES."""
    return burst_probe.challenge_draw(settings.FACEPAY_LIVENESS_CHALLENGES)


@transaction.atomic
def payment_attempt_create(
    *,
    terminal: Terminal,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
) -> PaymentAttempt:
    """Create one face attempt per (terminal, key) with its liveness challenge.

    The challenge is drawn at random here and bound to the attempt (it expires with it); the
    terminal shows it, records a burst and posts it (`payment_attempt_burst_submit`). A replay
    returns the stored attempt and its challenge; the same key with another amount or currency
    raises IdempotencyKeyReused. Raises AmountInvalid, AmountAboveMaximum, CurrencyUnsupported,
    TerminalPaused before anything is stored.
    """
    validate_amount(amount_minor, maximum_minor=settings.FACEPAY_MAX_PAYMENT_MINOR)
    currency = validate_currency(currency)
    terminal_require_active(terminal)
    now = timezone.now()
    attempt, created = PaymentAttempt.objects.get_or_create(
        terminal=terminal,
        idempotency_key=idempotency_key,
        defaults={
            "store_id": terminal.store_id,
            "merchant_id": terminal.store.merchant_id,
            "amount_minor": amount_minor,
            "currency": currency,
            "created_at": now,
            "expires_at": now + timedelta(seconds=settings.FACEPAY_ATTEMPT_TTL_SECONDS),
            "liveness_challenge": challenge_draw(),
            "challenge_issued_at": now,
        },
    )
    if not created:
        if (attempt.amount_minor, attempt.currency) != (amount_minor, currency):
            raise errors.IdempotencyKeyReused(
                _("This key was already used for another amount."), idempotency_key=idempotency_key
            )
        return attempt
    broadcasts.payment_attempt_changed(attempt)
    return attempt


def _check_burst_bytes(frames: list[bytes]) -> None:
    limit = settings.FACEPAY_MAX_UPLOAD_BYTES
    for number, frame in enumerate(frames, start=1):
        if len(frame) > limit:
            raise face_errors.ImageTooLarge(
                _("A frame is too large."), frame=number, size_bytes=len(frame), max_bytes=limit
            )
        if not frame.startswith(IMAGE_MAGIC):
            raise face_errors.ImageUnreadable(
                _("A frame is not a JPEG or PNG image."), frame=number
            )


def _burst_refusal(
    attempt: PaymentAttempt, *, frames: list[bytes], timestamps_ms: list[float], now: datetime
) -> face_errors.FaceError | None:
    """The shape refusal of a burst for this attempt, or None (`burst_probe.check_recorded_after`:
    the challenge's time checked on the terminal's clock and on the server's)."""
    assert attempt.challenge_issued_at is not None  # noqa: S101 - a face attempt has one
    try:
        burst_probe.check_recorded_after(
            frames=frames,
            timestamps_ms=timestamps_ms,
            issued_at=attempt.challenge_issued_at,
            now=now,
            allowance_ms=float(settings.FACEPAY_BURST_CLOCK_ALLOWANCE_MS),
        )
    except face_errors.FaceError as exc:
        return exc
    return None


@transaction.atomic(durable=True)
def _burst_store(
    *, terminal: Terminal, attempt_id: UUID | str, frames: list[bytes], timestamps_ms: list[float]
) -> tuple[PaymentAttempt, FacePayError | None]:
    attempt = locked(terminal=terminal, public_id=attempt_id)
    if expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired."))
    if (
        attempt.method != PaymentAttempt.Method.FACE
        or attempt.status != Status.CREATED
        or attempt.burst_received_at is not None
        or not attempt.liveness_challenge
    ):
        raise errors.AttemptWrongState(
            _("This payment is not waiting for a recording."), status=attempt.status
        )
    now = timezone.now()
    attempt.burst_received_at = now
    refusal = _burst_refusal(attempt, frames=frames, timestamps_ms=timestamps_ms, now=now)
    if refusal is not None:
        attempt.liveness_checked_at = now
        attempt.liveness_reason = refusal.code
        attempt.liveness_details = {"challenge": attempt.liveness_challenge, **refusal.extra}
        attempt.save(
            update_fields=[
                "burst_received_at",
                "liveness_checked_at",
                "liveness_reason",
                "liveness_details",
            ]
        )
        decline(attempt, refusal.code)
        return attempt, refusal
    attempt.save(update_fields=["burst_received_at"])
    AttemptFrame.objects.bulk_create(
        AttemptFrame(
            attempt=attempt,
            kind=AttemptFrame.Kind.IMAGE,
            position=number,
            timestamp_ms=stamp_ms,
            data=frame,
        )
        for number, (frame, stamp_ms) in enumerate(zip(frames, timestamps_ms, strict=True))
    )
    celery_app.tasks[RECOGNISE_TASK].delay_on_commit(attempt.pk)
    return attempt, None


def payment_attempt_burst_submit(
    *,
    terminal: Terminal,
    attempt_id: UUID | str,
    frames: list[bytes],
    timestamps_ms: list[float],
) -> PaymentAttempt:
    """Accept the burst of a face attempt (10-20 frames recorded under its challenge) and queue
    its recognition job; one burst per attempt.

    A burst that is not one continuous capture after the challenge declines the attempt with its
    code (recorded as the liveness reason) and raises it: BurstTooFewFrames, BurstTooManyFrames,
    BurstNotContinuous, BurstPredatesChallenge, ImageUnreadable, ImageTooManyPixels. Also
    raises ImageTooLarge, AttemptNotFound, AttemptExpired, AttemptWrongState (not waiting for a
    burst, or a second one). Moves no money.
    """
    _check_burst_bytes(frames)
    attempt, refusal = _burst_store(
        terminal=terminal, attempt_id=attempt_id, frames=frames, timestamps_ms=timestamps_ms
    )
    if refusal is not None:
        raise refusal
    return attempt


def payment_attempt_create_with_code(
    *,
    terminal: Terminal,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    payment_code: str = "",
    phone: str = "",
    pin: str = "",
) -> PaymentAttempt:
    """The non-face path: a one-time payment code, or phone + PIN, identifies the customer and
    the attempt goes straight to awaiting_confirmation. Raises the customers app's codes
    (payment_code_invalid, pin_invalid, pin_locked, …) and the create refusals."""
    validate_amount(amount_minor, maximum_minor=settings.FACEPAY_MAX_PAYMENT_MINOR)
    currency = validate_currency(currency)
    existing = PaymentAttempt.objects.filter(
        terminal=terminal, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        if (existing.amount_minor, existing.currency) != (amount_minor, currency):
            raise errors.IdempotencyKeyReused(
                _("This key was already used for another amount."), idempotency_key=idempotency_key
            )
        return existing
    terminal_require_active(terminal)
    try:
        if payment_code:
            customer_id = customer_services.payment_code_redeem(
                code=payment_code,
                terminal_id=terminal.pk,
                merchant_id=terminal.store.merchant_id,
            )
        else:
            customer_id = customer_services.payment_pin_verify(
                phone=phone, pin=pin, terminal_id=terminal.pk
            )
    except (customer_errors.PaymentCodeInvalid, customer_errors.PinInvalid):
        # Counted against this terminal, never against the customer (issue 13).
        wrong_entry_record(
            kind=WrongEntry.Kind.PAYMENT_CODE if payment_code else WrongEntry.Kind.PIN,
            terminal_id=terminal.pk,
        )
        raise
    return _create_identified(
        terminal=terminal,
        amount_minor=amount_minor,
        currency=currency,
        idempotency_key=idempotency_key,
        customer_id=customer_id,
    )


@transaction.atomic(durable=True)
def _create_identified(
    *, terminal: Terminal, amount_minor: int, currency: str, idempotency_key: str, customer_id: int
) -> PaymentAttempt:

    try:
        profile = customer_selectors.customer_payment_profile(customer_id=customer_id)
    except customer_errors.CustomerNotFound as exc:
        raise errors.CustomerUnknown(_("No such customer.")) from exc
    now = timezone.now()
    try:
        with transaction.atomic():
            attempt = PaymentAttempt.objects.create(
                terminal=terminal,
                store_id=terminal.store_id,
                merchant_id=terminal.store.merchant_id,
                idempotency_key=idempotency_key,
                method=PaymentAttempt.Method.PAYMENT_CODE,
                amount_minor=amount_minor,
                currency=currency,
                customer_id=customer_id,
                customer_masked_name=profile.masked_name,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.FACEPAY_ATTEMPT_TTL_SECONDS),
            )
    except IntegrityError:
        return PaymentAttempt.objects.get(terminal=terminal, idempotency_key=idempotency_key)
    attempt.save(update_fields=stamp(attempt, Status.AWAITING_CONFIRMATION, now))
    broadcasts.payment_attempt_changed(attempt)
    return attempt
