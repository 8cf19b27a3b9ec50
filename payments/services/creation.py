"""Payment attempts are created here: from camera frames (then recognised by a job), or from a
payment code / phone + PIN (straight to awaiting_confirmation)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors as customer_errors
from customers import selectors as customer_selectors
from customers import services as customer_services
from facepay.celery import app as celery_app
from facepay.face import errors as face_errors
from payments import broadcasts, errors
from payments.models import AttemptFrame, PaymentAttempt
from payments.services.transitions import Status, stamp
from payments.services.wallets import validate_amount, validate_currency

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

MAX_FRAMES = 3
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
# The job is queued by name: payments.tasks calls these services, so they never import it back.
RECOGNISE_TASK = "payments.tasks.payment_attempt_recognise_task"


def _check_frames(frames: list[bytes], depth: bytes | None) -> None:
    if not 1 <= len(frames) <= MAX_FRAMES:
        raise errors.FramesInvalid(_("Send one to three camera frames."), count=len(frames))
    limit = settings.FACEPAY_MAX_UPLOAD_BYTES
    for number, frame in enumerate([*frames, *([depth] if depth else [])], start=1):
        if len(frame) > limit:
            raise face_errors.ImageTooLarge(
                _("A frame is too large."), frame=number, size_bytes=len(frame), max_bytes=limit
            )
        if not frame.startswith(IMAGE_MAGIC):
            raise face_errors.ImageUnreadable(
                _("A frame is not a JPEG or PNG image."), frame=number
            )


@transaction.atomic
def payment_attempt_create(
    *,
    terminal: Terminal,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    frames: list[bytes],
    depth: bytes | None = None,
) -> PaymentAttempt:
    """Create one attempt per (terminal, key) and queue its recognition job.

    A replay returns the stored attempt; the same key with another amount or currency raises
    IdempotencyKeyReused. Raises AmountInvalid, AmountAboveMaximum, CurrencyUnsupported,
    FramesInvalid, ImageTooLarge, ImageUnreadable before anything is stored.
    """
    validate_amount(amount_minor, maximum_minor=settings.FACEPAY_MAX_PAYMENT_MINOR)
    currency = validate_currency(currency)
    _check_frames(frames, depth)
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
        },
    )
    if not created:
        if (attempt.amount_minor, attempt.currency) != (amount_minor, currency):
            raise errors.IdempotencyKeyReused(
                _("This key was already used for another amount."), idempotency_key=idempotency_key
            )
        return attempt
    AttemptFrame.objects.bulk_create(
        [
            *(
                AttemptFrame(attempt=attempt, kind=AttemptFrame.Kind.IMAGE, position=n, data=f)
                for n, f in enumerate(frames)
            ),
            *(
                [AttemptFrame(attempt=attempt, kind=AttemptFrame.Kind.DEPTH, data=depth)]
                if depth
                else []
            ),
        ]
    )
    broadcasts.payment_attempt_changed(attempt)  # registered first: "created" is pushed first
    celery_app.tasks[RECOGNISE_TASK].delay_on_commit(attempt.pk)
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
    if payment_code:
        customer_id = customer_services.payment_code_redeem(
            code=payment_code, terminal_id=terminal.pk
        )
    else:
        customer_id = customer_services.payment_pin_verify(phone=phone, pin=pin)
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
