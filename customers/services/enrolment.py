"""Enrolment: frames to one sealed template, look-alike flags, biometric deletion and the
record of each use of the face."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from uuid import UUID

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import errors, gallery, sealing, selectors
from customers.models import (
    BiometricDeletion,
    Customer,
    EnrolmentChallenge,
    FaceTemplate,
    FaceUse,
)
from customers.services.base import MAX_ENROL_FRAMES, lock_customer, require_open
from facepay import crypto
from facepay.errors import FacePayError
from facepay.face import burst, burst_probe, intake
from facepay.face import errors as face_errors
from facepay.face.config import get_config
from facepay.face.engine import get_engine
from facepay.face.vectors import mean_unit
from facepay.services import audit_event_record

# Long enough to read the instruction and record 1.5 s; short enough that a challenge cannot be
# kept for later.
ENROL_CHALLENGE_TTL = timedelta(minutes=2)


@dataclass(frozen=True)
class ProbedFrame:
    embedding: np.ndarray
    liveness_score: float | None


def face_frame_probe(*, image: bytes, require_liveness: bool = True) -> ProbedFrame:
    """Intake + every engine gate for one frame; raises the engine's stable FaceError codes."""
    config = get_config()
    decoded = intake.decode_image(
        image, max_bytes=config.max_image_bytes, max_pixels=config.max_image_pixels
    )
    face = get_engine().probe(decoded, require_liveness=require_liveness)
    assert face.embedding is not None  # noqa: S101 - probe always embeds
    return ProbedFrame(embedding=face.embedding, liveness_score=face.liveness_score)


def lookalike_threshold() -> float:
    """Cosine above which two enrolled people could be confused (FACEPAY_LOOKALIKE_THRESHOLD,
    else the pack's calibrated match threshold: closer than that, a match is not trustworthy)."""
    configured = settings.FACEPAY_LOOKALIKE_THRESHOLD
    if configured is not None:
        return float(configured)
    return get_engine().calibration.match_threshold


def _require_enrollable(customer: Customer) -> None:
    require_open(customer)
    if not customer.is_phone_verified:
        raise errors.PhoneNotVerified(_("Verify your phone number first."))
    if not selectors.consent_is_complete(customer=customer):
        raise errors.ConsentMissing(
            _("Give both biometric consents before enrolling."),
            required=list(selectors.REQUIRED_PURPOSES),
        )


def _enrol_embedding(
    *,
    customer: Customer,
    embedding: np.ndarray,
    quality: float,
    frame_count: int,
    ip_address: str | None,
) -> FaceTemplate:
    """Flag look-alikes (closer than the collision threshold to someone else) and store."""
    engine = get_engine()
    threshold = lookalike_threshold()
    lookalikes = [
        hit
        for hit in selectors.face_search(embedding=embedding, k=3)
        if hit.customer_id != customer.pk and hit.similarity >= threshold
    ]
    return face_template_store(
        customer=customer,
        embedding=embedding,
        quality=quality,
        frame_count=frame_count,
        model_version=engine.model_version,
        pack_name=engine.manifest.name,
        lookalike_ids=[hit.customer_id for hit in lookalikes],
        ip_address=ip_address,
    )


def face_enrol(
    *,
    customer: Customer,
    images: list[bytes],
    require_liveness: bool = True,
    ip_address: str | None = None,
) -> FaceTemplate:
    """Make (or replace) the customer's template from 1–3 photos; photos are never stored.

    Internal only (demo seeding, tests): no HTTP path enrols from photos, since a photo
    collection proves no live person; the portal and the API use `face_enrol_burst`.

    Raises AccountClosed, PhoneNotVerified, ConsentMissing, EnrolmentFramesInvalid, any face
    engine code (image_unreadable, image_too_large, image_too_many_pixels, no_face,
    multiple_faces, face_too_small, face_blurred, face_turned, spoof_suspected, …) with the
    frame number in `extra`, or EnrolmentFramesInconsistent. Nothing is stored on a refusal.
    Look-alikes (closer than the collision threshold to someone else) flag both customers.
    """
    _require_enrollable(customer)
    if not 1 <= len(images) <= MAX_ENROL_FRAMES:
        raise errors.EnrolmentFramesInvalid(
            _("Send one to three photos."), count=len(images), maximum=MAX_ENROL_FRAMES
        )
    frames = []
    for number, image in enumerate(images, start=1):
        try:
            frames.append(face_frame_probe(image=image, require_liveness=require_liveness))
        except face_errors.FaceError as exc:
            exc.extra = {**exc.extra, "frame": number}
            raise
    engine = get_engine()
    vectors = np.stack([frame.embedding for frame in frames]).astype(np.float32)
    mean = mean_unit([frame.embedding for frame in frames])
    agreement = vectors @ mean
    pairwise = vectors @ vectors.T
    if len(frames) > 1 and float(pairwise.min()) < engine.calibration.match_threshold:
        raise errors.EnrolmentFramesInconsistent(
            _("The photos do not show the same person."),
            min_similarity=round(float(pairwise.min()), 4),
        )
    return _enrol_embedding(
        customer=customer,
        embedding=mean,
        quality=float(agreement.mean()),
        frame_count=len(frames),
        ip_address=ip_address,
    )


def enrolment_challenge_issue(*, customer: Customer) -> EnrolmentChallenge:
    """Draw the liveness challenge of one camera enrolment (CSPRNG, FACEPAY_LIVENESS_CHALLENGES),
    bound to this customer, single use, expiring after ENROL_CHALLENGE_TTL.

    Raises AccountClosed, PhoneNotVerified or ConsentMissing first (nothing to record then).
    """
    _require_enrollable(customer)
    now = timezone.now()
    return EnrolmentChallenge.objects.create(
        public_id=uuid.uuid4(),
        customer=customer,
        challenge=burst_probe.challenge_draw(settings.FACEPAY_LIVENESS_CHALLENGES),
        issued_at=now,
        expires_at=now + ENROL_CHALLENGE_TTL,
    )


@transaction.atomic(durable=True)
def _challenge_consume(*, customer: Customer, challenge_id: UUID | str) -> EnrolmentChallenge:
    """Mark the challenge used (committed before the slow checks, so a second burst under it is
    refused even while the first is examined). Raises EnrolmentChallengeInvalid (unknown, or
    another customer's), EnrolmentChallengeUsed, EnrolmentChallengeExpired."""
    try:
        row = (
            EnrolmentChallenge.objects.select_for_update()
            .filter(customer=customer, public_id=challenge_id)
            .first()
        )
    except (ValueError, DjangoValidationError):
        row = None
    if row is None:
        raise errors.EnrolmentChallengeInvalid(_("This enrolment challenge is not valid."))
    if row.used_at is not None:
        raise errors.EnrolmentChallengeUsed(
            _("This challenge was already used: start the recording again.")
        )
    now = timezone.now()
    row.used_at = now
    if row.expires_at <= now:
        row.outcome = errors.EnrolmentChallengeExpired.code
        row.save(update_fields=["used_at", "outcome"])
        raise errors.EnrolmentChallengeExpired(
            _("The challenge expired: start the recording again.")
        )
    row.save(update_fields=["used_at"])
    return row


def face_enrol_burst(
    *,
    customer: Customer,
    challenge_id: UUID | str,
    frames: list[bytes],
    timestamps_ms: list[float],
    ip_address: str | None = None,
) -> FaceTemplate:
    """Make (or replace) the customer's template from a burst recorded under the enrolment
    challenge `challenge_id` (`enrolment_challenge_issue`); the frames are never stored.

    The same liveness decision as a face payment (`burst_probe.examine_burst`, `burst.decide`);
    the template is the mean of the burst's nearly frontal sampled frames, made only when the
    burst is live. The challenge is used up by this call whatever the outcome (recorded on it).

    Raises AccountClosed, PhoneNotVerified, ConsentMissing, EnrolmentChallengeInvalid,
    EnrolmentChallengeUsed, EnrolmentChallengeExpired, the burst shape codes (burst_too_few_frames,
    burst_too_many_frames, burst_not_continuous, burst_predates_challenge), the intake and
    first-frame quality codes (image_unreadable, no_face, face_turned, …) and the liveness
    codes (liveness_planar_face, liveness_challenge_not_performed, …). Nothing biometric is
    stored on a refusal.
    """
    _require_enrollable(customer)
    row = _challenge_consume(customer=customer, challenge_id=challenge_id)
    try:
        assert row.used_at is not None  # noqa: S101 - just consumed
        burst_probe.check_recorded_after(
            frames=frames,
            timestamps_ms=timestamps_ms,
            issued_at=row.issued_at,
            now=row.used_at,
            allowance_ms=float(settings.FACEPAY_BURST_CLOCK_ALLOWANCE_MS),
        )
        probe = burst_probe.examine_burst(
            frames=frames, timestamps_ms=timestamps_ms, challenge=row.challenge
        )
        burst.raise_for(probe.decision)
        if probe.embedding is None:  # a live decision saw a face in every frame
            raise face_errors.NoFace(_("No face was found."))
        template = _enrol_embedding(
            customer=customer,
            embedding=probe.embedding,
            quality=float(probe.agreement or 0.0),
            frame_count=probe.embedding_frames,
            ip_address=ip_address,
        )
    except FacePayError as exc:
        EnrolmentChallenge.objects.filter(pk=row.pk).update(outcome=exc.code)
        raise
    EnrolmentChallenge.objects.filter(pk=row.pk).update(outcome="enrolled")
    return template


@transaction.atomic
def face_template_store(
    *,
    customer: Customer,
    embedding: np.ndarray,
    quality: float,
    frame_count: int,
    model_version: str,
    pack_name: str,
    lookalike_ids: Sequence[int] = (),
    ip_address: str | None = None,
) -> FaceTemplate:
    """The storage step of an enrolment (embedding already made): seal, replace, flag look-alikes,
    bump the gallery. Raises AccountClosed or ConsentMissing. Tests of other apps use it to enrol
    a synthetic vector without a camera."""
    customer = lock_customer(customer)
    require_open(customer)
    if not selectors.consent_is_complete(customer=customer):  # withdrawn meanwhile
        raise errors.ConsentMissing(_("Give both biometric consents before enrolling."))
    data_key = sealing.customer_data_key(customer)
    if data_key is None or customer.data_key_id != crypto.current_key_id():
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap_key(data_key)
        customer.data_key_id, customer.data_key_blob = wrapped.key_id, wrapped.blob
    fields = ["data_key_id", "data_key_blob"]
    if lookalike_ids:
        customer.is_lookalike_flagged = True
        fields.append("is_lookalike_flagged")
        Customer.objects.filter(pk__in=lookalike_ids).update(is_lookalike_flagged=True)
    customer.save(update_fields=fields)
    sealed = sealing.seal_embedding(data_key=data_key, customer_id=customer.pk, embedding=embedding)
    template, created = FaceTemplate.objects.update_or_create(
        customer=customer,
        defaults={
            "sealed_embedding": sealed,
            "key_id": customer.data_key_id,
            "dimension": int(embedding.shape[0]),
            "pack_name": pack_name,
            "model_version": model_version,
            "quality": quality,
            "frame_count": frame_count,
            "created_at": timezone.now(),
            "last_used_at": None,
        },
    )
    gallery.bump(customer.pk)
    audit_event_record(
        actor=customer.user,
        action="face.enrolled" if created else "face.re_enrolled",
        target=customer,
        data={
            "model_version": model_version,
            "frames": frame_count,
            "quality": round(quality, 4),
            "lookalikes": list(lookalike_ids),
        },
        ip_address=ip_address,
    )
    transaction.on_commit(partial(gallery.apply_now, customer.pk))
    return template


_template_store = face_template_store  # the name payments' test factories first used


def biometrics_delete_locked(*, customer: Customer, reason: str) -> BiometricDeletion:
    template = FaceTemplate.objects.filter(customer=customer).first()
    destroyed_key_id = customer.data_key_id
    FaceTemplate.objects.filter(customer=customer).delete()
    customer.data_key_id, customer.data_key_blob = "", None  # crypto-shred
    customer.save(update_fields=["data_key_id", "data_key_blob"])
    now = timezone.now()
    receipt_data = f"{customer.pk}|{reason}|{destroyed_key_id}|{now.isoformat()}"
    receipt = BiometricDeletion.objects.create(
        customer=customer,
        reason=reason,
        destroyed_key_id=destroyed_key_id,
        template_created_at=template.created_at if template else None,
        deleted_at=now,
        receipt_hash=hashlib.sha256(receipt_data.encode()).hexdigest(),
    )
    gallery.bump(customer.pk)
    audit_event_record(
        actor=customer.user, action="face.deleted", target=customer, data={"reason": reason}
    )
    transaction.on_commit(partial(gallery.apply_now, customer.pk))
    return receipt


@transaction.atomic
def face_biometrics_delete(
    *, customer: Customer, reason: str = BiometricDeletion.Reason.CUSTOMER_REQUEST
) -> BiometricDeletion:
    """Destroy the data key, delete the template, drop it from every gallery; returns a receipt.

    Raises NotEnrolled when there is nothing to delete. Every process's next search misses it.
    """
    customer = lock_customer(customer)
    if not customer.data_key_blob and not FaceTemplate.objects.filter(customer=customer).exists():
        raise errors.NotEnrolled(_("There is no biometric data to delete."))
    return biometrics_delete_locked(customer=customer, reason=reason)


def face_use_record(
    *,
    customer_id: int,
    terminal_id: int,
    store_id: int,
    attempt_id: int,
    outcome: str,
    similarity: float | None,
    step_up_used: bool,
    amount_minor: int | None = None,
    currency: str = "",
    liveness_challenge: str = "",
    decline_code: str = "",
) -> FaceUse:
    """Log one identification touching this customer; idempotent per (attempt, outcome).

    Joins the caller's transaction. A match or confirmation also marks the template used (the
    retention clock restarts).
    """
    use, _created = FaceUse.objects.get_or_create(
        customer_id=customer_id,
        attempt_id=attempt_id,
        outcome=outcome,
        defaults={
            "terminal_id": terminal_id,
            "store_id": store_id,
            "similarity": similarity,
            "is_step_up_used": step_up_used,
            "amount_minor": amount_minor,
            "currency": currency,
            "liveness_challenge": liveness_challenge,
            "decline_code": decline_code,
        },
    )
    if outcome in {"match", "confirmed", "captured"}:
        FaceTemplate.objects.filter(customer_id=customer_id).update(last_used_at=timezone.now())
    return use


def face_use_capture_record(
    *,
    customer_id: int,
    terminal_id: int,
    store_id: int,
    attempt_id: int,
    similarity: float | None,
    step_up_used: bool,
    amount_minor: int | None = None,
    currency: str = "",
    liveness_challenge: str = "",
) -> None:
    """Log a face payment's capture in one statement (joins the caller's transaction).

    Idempotent per attempt (the unique (customer, attempt, outcome) row is inserted or left as
    it is). The template's retention clock is not touched: the attempt's match restarted it.
    """
    FaceUse.objects.bulk_create(
        [
            FaceUse(
                customer_id=customer_id,
                attempt_id=attempt_id,
                outcome="captured",
                terminal_id=terminal_id,
                store_id=store_id,
                similarity=similarity,
                is_step_up_used=step_up_used,
                amount_minor=amount_minor,
                currency=currency,
                liveness_challenge=liveness_challenge,
            )
        ],
        ignore_conflicts=True,
    )
