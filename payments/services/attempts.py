"""Payment attempts: create, recognise, step-up, confirm (capture), cancel, expire.

State machine: created → recognising → step_up_required → awaiting_confirmation → captured,
or declined / cancelled / expired from any open state. A match at or below the customer's
confirm-free amount that needs no step-up is captured by the recognition job itself. Every
transition stamps its `*_at`, happens under the attempt's row lock and is pushed to the screens
after commit.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors as customer_errors
from customers import gallery as customer_gallery
from customers import selectors as customer_selectors
from customers import services as customer_services
from facepay import money
from facepay.face import errors as face_errors
from facepay.face import intake
from facepay.face.config import get_config
from facepay.face.decision import Outcome, decide
from facepay.face.engine import get_engine
from facepay.face.gallery import Match
from merchants.models import Terminal
from payments import broadcasts, errors, ledger, tasks
from payments.models import FINAL_STATUSES, Account, AttemptFrame, JournalEntry, PaymentAttempt
from payments.services.wallets import validate_amount, validate_currency

Status = PaymentAttempt.Status
MAX_FRAMES = 3
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
PROFILE_REFUSALS = {
    "account_closed": errors.DECLINE_FROZEN,
    "face_pay_disabled": errors.DECLINE_FROZEN,
    "consent_missing": errors.DECLINE_NO_CONSENT,
    "not_enrolled": errors.DECLINE_NO_CONSENT,
}


@dataclass(frozen=True)
class Probe:
    """What the engine made of the frames: one embedding plus the evidence for disputes."""

    embedding: np.ndarray
    liveness_score: float | None
    model_version: str


def _stamp(attempt: PaymentAttempt, status: str, now: datetime | None = None) -> list[str]:
    attempt.status = status
    field = f"{status}_at"
    setattr(attempt, field, now or timezone.now())
    return ["status", field]


def _decline(attempt: PaymentAttempt, code: str) -> None:
    attempt.decline_code = code
    attempt.save(update_fields=[*_stamp(attempt, Status.DECLINED), "decline_code"])
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)


def _locked(*, terminal: Terminal | None, public_id: UUID | str) -> PaymentAttempt:
    query = PaymentAttempt.objects.select_for_update().filter(public_id=public_id)
    if terminal is not None:
        query = query.filter(terminal=terminal)
    attempt = query.first()
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment on this terminal."))
    return attempt


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
    tasks.payment_attempt_recognise_task.delay_on_commit(attempt.pk)
    return attempt


def probe_frames(*, frames: list[bytes], depth: bytes | None) -> Probe:
    """Decode with limits and run every engine gate on each frame; raises the first FaceError.

    Frames that pass are averaged into one unit embedding; the lowest liveness score is kept.
    """
    config = get_config()
    engine = get_engine()
    engine.calibration  # noqa: B018 - raises ModelPackMissing before any frame is decoded
    depth_map = (
        intake.decode_depth_png(
            depth, max_bytes=config.max_image_bytes, max_pixels=config.max_image_pixels
        )
        if depth
        else None
    )
    embeddings, liveness, first_error = [], [], None
    for number, data in enumerate(frames, start=1):
        try:
            image = intake.decode_image(
                data, max_bytes=config.max_image_bytes, max_pixels=config.max_image_pixels
            )
            face = engine.probe(image, depth=depth_map if number == 1 else None)
        except face_errors.FaceError as exc:
            exc.extra = {**exc.extra, "frame": number}
            first_error = first_error or exc
            continue
        except (OSError, ValueError) as exc:  # a corrupt file that got past the header check
            first_error = first_error or face_errors.ImageUnreadable(
                _("A frame is not a readable image."), frame=number
            )
            del exc
            continue
        assert face.embedding is not None  # noqa: S101 - probe always embeds
        embeddings.append(face.embedding)
        if face.liveness_score is not None:
            liveness.append(face.liveness_score)
    if not embeddings:
        assert first_error is not None  # noqa: S101 - at least one frame was tried
        raise first_error
    mean = np.mean(np.stack(embeddings), axis=0).astype(np.float32)
    mean /= float(np.linalg.norm(mean)) or 1.0
    return Probe(
        embedding=mean,
        liveness_score=min(liveness) if liveness else None,
        model_version=engine.model_version,
    )


@transaction.atomic(durable=True)
def _recognition_start(*, attempt_id: int) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None or attempt.status not in (Status.CREATED, Status.RECOGNISING):
        return None  # already decided: a rerun after a crash is harmless
    if attempt.expires_at <= timezone.now():
        attempt.save(update_fields=_stamp(attempt, Status.EXPIRED))
        AttemptFrame.objects.filter(attempt=attempt).delete()
        broadcasts.payment_attempt_changed(attempt)
        return None
    if attempt.status == Status.CREATED:
        attempt.save(update_fields=_stamp(attempt, Status.RECOGNISING))
        broadcasts.payment_attempt_changed(attempt)
    return attempt


def payment_attempt_recognise(*, attempt_id: int) -> PaymentAttempt | None:
    """Run the recognition job for one attempt; idempotent (returns early once decided).

    Decides match / no match / ambiguous with the engine's calibrated open-set rule, applies the
    customer's flags and limits, asks for step-up when needed, records the evidence (similarity,
    margin, liveness, model version, thresholds) and discards the frames. A confirm-free match
    is then captured here, in the job; a rerun after a crash between the two finishes it.
    """
    attempt = _recognition_start(attempt_id=attempt_id)
    if attempt is not None:
        attempt = _recognise(attempt_id=attempt_id)
    return _capture_if_confirm_free(attempt_id=attempt_id) or attempt


def _recognise(*, attempt_id: int) -> PaymentAttempt | None:
    rows = list(AttemptFrame.objects.filter(attempt_id=attempt_id).order_by("kind", "position"))
    frames = [bytes(row.data) for row in rows if row.kind == AttemptFrame.Kind.IMAGE]
    depth = next((bytes(row.data) for row in rows if row.kind == AttemptFrame.Kind.DEPTH), None)
    try:
        probe = probe_frames(frames=frames, depth=depth)
    except (face_errors.ModelPackMissing, face_errors.ModelPackTampered) as exc:
        return payment_attempt_decide(
            attempt_id=attempt_id,
            decline_code=errors.DECLINE_ENGINE_UNAVAILABLE,
            evidence={"engine_error": exc.code},
        )
    except face_errors.FaceError as exc:
        return payment_attempt_decide(attempt_id=attempt_id, decline_code=exc.code, evidence={})
    return payment_attempt_identify(attempt_id=attempt_id, probe=probe)


def _capture_if_confirm_free(*, attempt_id: int) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.filter(
        pk=attempt_id, status=Status.AWAITING_CONFIRMATION, is_confirm_free=True
    ).first()
    if attempt is None:
        return None
    # A refusal (limit, balance, expiry) has already declined the attempt and been pushed to
    # the screens; the job has nobody to raise it to.
    attempt, _refusal = _capture(terminal=None, attempt_id=attempt.public_id)
    return attempt


def payment_attempt_identify(*, attempt_id: int, probe: Probe) -> PaymentAttempt | None:
    """1:N search of a probe in the gallery and the open-set decision, applied to the attempt.

    Idempotent like payment_attempt_decide; records similarity, margin, liveness, model version
    and every threshold used.
    """
    calibration = get_engine().calibration
    hits = customer_selectors.face_search(embedding=probe.embedding, k=2)
    decision = decide(
        [Match(key=hit.customer_id, similarity=hit.similarity) for hit in hits],
        threshold=calibration.match_threshold,
        margin=calibration.match_margin,
    )
    thresholds = {
        "match_threshold": calibration.match_threshold,
        "match_margin": calibration.match_margin,
        "liveness_threshold": calibration.liveness_threshold,
        "step_up_margin": settings.FACEPAY_STEP_UP_MARGIN,
        "step_up_gallery_size": settings.FACEPAY_STEP_UP_GALLERY_SIZE,
    }
    evidence = {
        "similarity": decision.similarity,
        "margin": decision.margin,
        "liveness_score": probe.liveness_score,
        "model_version": probe.model_version,
        "thresholds": thresholds,
    }
    if decision.outcome is Outcome.NO_MATCH:
        return payment_attempt_decide(
            attempt_id=attempt_id, decline_code=errors.DECLINE_NO_MATCH, evidence=evidence
        )
    if decision.outcome is Outcome.AMBIGUOUS:
        return payment_attempt_decide(
            attempt_id=attempt_id, decline_code=errors.DECLINE_AMBIGUOUS, evidence=evidence
        )
    assert decision.key is not None  # noqa: S101 - a match names its key
    return payment_attempt_decide(
        attempt_id=attempt_id,
        decline_code=None,
        evidence=evidence,
        customer_id=decision.key,
        gallery_size=customer_gallery.size(),
    )


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
        _decline(attempt, decline_code)
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
        _decline(attempt, PROFILE_REFUSALS.get(profile.refusal_code or "", errors.DECLINE_FROZEN))
        return attempt
    if attempt.amount_minor > profile.per_payment_limit_minor:
        _decline(attempt, errors.DECLINE_LIMIT)
        return attempt
    reason = _step_up_reason(attempt, profile=profile, gallery_size=gallery_size)
    attempt.step_up_reason = reason
    if reason:
        attempt.save(update_fields=[*_stamp(attempt, Status.STEP_UP_REQUIRED), "step_up_reason"])
    else:
        attempt.is_confirm_free = attempt.amount_minor <= profile.confirm_free_up_to_minor
        attempt.save(
            update_fields=[
                *_stamp(attempt, Status.AWAITING_CONFIRMATION),
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
    attempt = _locked(terminal=terminal, public_id=attempt_id)
    if attempt.status != Status.STEP_UP_REQUIRED:
        return attempt, errors.StepUpNotRequired(
            _("This payment is not waiting for phone digits."), status=attempt.status
        )
    if _expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired."))
    assert attempt.customer_id is not None  # noqa: S101 - step-up follows a match
    profile = customer_selectors.customer_payment_profile(customer_id=attempt.customer_id)
    expected = profile.phone_last4
    if expected and hmac.compare_digest(expected.encode(), (phone_last4 or "").strip().encode()):
        attempt.is_step_up_passed = True
        attempt.save(
            update_fields=[*_stamp(attempt, Status.AWAITING_CONFIRMATION), "is_step_up_passed"]
        )
        broadcasts.payment_attempt_changed(attempt)
        return attempt, None
    attempt.step_up_failures += 1
    attempt.save(update_fields=["step_up_failures"])
    left = settings.FACEPAY_STEP_UP_MAX_TRIES - attempt.step_up_failures
    if left <= 0:
        _decline(attempt, errors.DECLINE_STEP_UP_FAILED)
    else:
        broadcasts.payment_attempt_changed(attempt)
    return attempt, errors.StepUpWrong(
        _("Those are not the right digits."), attempts_left=max(left, 0), status=attempt.status
    )


def _expire_if_due(attempt: PaymentAttempt) -> bool:
    if attempt.status in FINAL_STATUSES or attempt.expires_at > timezone.now():
        return False
    attempt.save(update_fields=_stamp(attempt, Status.EXPIRED))
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return True


def payment_attempt_confirm(*, terminal: Terminal | None, attempt_id: UUID | str) -> PaymentAttempt:
    """Capture a confirmed attempt exactly once (a repeated confirm returns the capture).

    Raises AttemptWrongState, AttemptExpired, LimitExceeded or InsufficientBalance; the last two
    also decline the attempt (committed before the error is raised).
    """
    attempt, failure = _capture(terminal=terminal, attempt_id=attempt_id)
    if failure is not None:
        raise failure
    return attempt


def _shanghai_day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def _capture(
    *, terminal: Terminal | None, attempt_id: UUID | str
) -> tuple[PaymentAttempt, errors.PaymentError | None]:
    attempt = _locked(terminal=terminal, public_id=attempt_id)
    if attempt.status == Status.CAPTURED:
        return attempt, None
    if attempt.status != Status.AWAITING_CONFIRMATION:
        return attempt, errors.AttemptWrongState(
            _("This payment cannot be confirmed now."), status=attempt.status
        )
    if _expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired."))
    assert attempt.customer_id is not None  # noqa: S101 - confirmation follows a match
    currency = attempt.currency
    # The wallet row lock serialises every capture of this customer: the daily sum below and
    # the balance check in the ledger see every earlier capture.
    wallet = ledger.wallet_account(customer_id=attempt.customer_id, currency=currency)
    Account.objects.select_for_update().filter(pk=wallet.pk).first()
    profile = customer_selectors.customer_payment_profile(customer_id=attempt.customer_id)
    now = timezone.now()
    spent_today = (
        PaymentAttempt.objects.filter(
            customer_id=attempt.customer_id,
            currency=currency,
            status=Status.CAPTURED,
            captured_at__gte=_shanghai_day_start(now),
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    if (
        attempt.amount_minor > profile.per_payment_limit_minor
        or spent_today + attempt.amount_minor > profile.daily_limit_minor
    ):
        _decline(attempt, errors.DECLINE_LIMIT)
        return attempt, errors.LimitExceeded(
            _("This payment is above the customer's limit."),
            per_payment_limit_minor=profile.per_payment_limit_minor,
            daily_limit_minor=profile.daily_limit_minor,
            spent_today_minor=spent_today,
        )
    merchant = attempt.merchant
    fee = money.apply_rate(attempt.amount_minor, Decimal(merchant.fee_rate_bps) / Decimal(10_000))
    fee = min(fee, attempt.amount_minor)
    payable = ledger.payable_account(merchant_id=attempt.merchant_id, currency=currency)
    lines = [(wallet, -attempt.amount_minor), (payable, attempt.amount_minor - fee)]
    if fee:
        lines.append(
            (
                ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency=currency),
                fee,
            )
        )
    lines = [(account, amount) for account, amount in lines if amount]
    try:
        with transaction.atomic():
            entry = ledger.post(
                kind=JournalEntry.Kind.CAPTURE,
                currency=currency,
                reference=f"capture:{attempt.public_id}",
                memo=f"{merchant.name} / {attempt.store_id}",
                lines=lines,
                occurred_at=now,
            )
    except errors.InsufficientBalance as exc:
        _decline(attempt, errors.DECLINE_INSUFFICIENT_BALANCE)
        return attempt, exc
    attempt.fee_minor = fee
    attempt.capture_entry = entry
    attempt.save(
        update_fields=[*_stamp(attempt, Status.CAPTURED, now), "fee_minor", "capture_entry"]
    )
    if attempt.method == PaymentAttempt.Method.FACE:  # a payment code never used the face
        customer_services.face_use_record(
            customer_id=attempt.customer_id,
            terminal_id=attempt.terminal_id,
            store_id=attempt.store_id,
            attempt_id=attempt.pk,
            outcome="captured",
            similarity=attempt.similarity,
            step_up_used=attempt.is_step_up_passed,
        )
    broadcasts.payment_attempt_changed(attempt)
    return attempt, None


@transaction.atomic(durable=True)
def payment_attempt_cancel(*, terminal: Terminal, attempt_id: UUID | str) -> PaymentAttempt:
    """Cancel an open attempt (idempotent once cancelled); raises AttemptWrongState when final."""
    attempt = _locked(terminal=terminal, public_id=attempt_id)
    if attempt.status == Status.CANCELLED:
        return attempt
    if attempt.status in FINAL_STATUSES:
        raise errors.AttemptWrongState(
            _("This payment is already finished."), status=attempt.status
        )
    attempt.save(update_fields=_stamp(attempt, Status.CANCELLED))
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return attempt


def payment_attempts_expire(*, now: datetime | None = None) -> int:
    """Expire every open attempt past its deadline (skips rows locked by a live capture)."""
    now = now or timezone.now()
    expired = 0
    open_ids = list(
        PaymentAttempt.objects.exclude(status__in=FINAL_STATUSES)
        .filter(expires_at__lte=now)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in open_ids:
        with transaction.atomic(durable=True):
            attempt = (
                PaymentAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, expires_at__lte=now)
                .exclude(status__in=FINAL_STATUSES)
                .first()
            )
            if attempt is None:
                continue
            attempt.save(update_fields=_stamp(attempt, Status.EXPIRED, now))
            AttemptFrame.objects.filter(attempt=attempt).delete()
            broadcasts.payment_attempt_changed(attempt)
            expired += 1
    return expired


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
    attempt.save(update_fields=_stamp(attempt, Status.AWAITING_CONFIRMATION, now))
    broadcasts.payment_attempt_changed(attempt)
    return attempt
