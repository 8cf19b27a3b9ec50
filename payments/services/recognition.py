"""Recognition: the job that checks an attempt's burst for liveness under its challenge, turns it
into one probe, searches the gallery and hands the open-set answer to the decision step. A
confirm-free match is captured by the job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import gallery as customer_gallery
from customers import selectors as customer_selectors
from customers import services as customer_services
from facepay.face import burst_probe, intake
from facepay.face import errors as face_errors
from facepay.face.config import get_config
from facepay.face.decision import Band, decide_bands
from facepay.face.engine import get_engine
from facepay.face.gallery import Match
from facepay.face.vectors import mean_unit
from payments import broadcasts, errors
from payments.models import AttemptFrame, PaymentAttempt
from payments.services.capture import capture_if_confirm_free
from payments.services.decision import payment_attempt_ask_digits, payment_attempt_decide
from payments.services.transitions import Status, decline, face_use_facts, stamp


@dataclass(frozen=True)
class Probe:
    """What the engine made of the frames: one embedding plus the evidence for disputes."""

    embedding: np.ndarray
    liveness_score: float | None
    model_version: str


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
    return Probe(
        embedding=mean_unit(embeddings),
        liveness_score=min(liveness) if liveness else None,
        model_version=engine.model_version,
    )


@transaction.atomic(durable=True)
def _recognition_start(*, attempt_id: int) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.select_for_update().filter(pk=attempt_id).first()
    if attempt is None or attempt.status not in (Status.CREATED, Status.RECOGNISING):
        return None  # already decided: a rerun after a crash is harmless
    if attempt.method == PaymentAttempt.Method.FACE and attempt.burst_received_at is None:
        return None  # the terminal has not posted its burst yet: nothing to recognise
    if attempt.expires_at <= timezone.now():
        attempt.save(update_fields=stamp(attempt, Status.EXPIRED))
        AttemptFrame.objects.filter(attempt=attempt).delete()
        broadcasts.payment_attempt_changed(attempt)
        return None
    if attempt.status == Status.CREATED:
        attempt.save(update_fields=stamp(attempt, Status.RECOGNISING))
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
    return capture_if_confirm_free(attempt_id=attempt_id) or attempt


def _recognise(*, attempt_id: int) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.only("liveness_challenge").get(pk=attempt_id)
    rows = list(
        AttemptFrame.objects.filter(attempt_id=attempt_id, kind=AttemptFrame.Kind.IMAGE).order_by(
            "position"
        )
    )
    stamped = [row for row in rows if row.timestamp_ms is not None]
    if not attempt.liveness_challenge or not stamped or len(stamped) != len(rows):
        # Stills from before the burst (or no frames at all): no live person can be shown.
        return payment_attempt_liveness_refuse(
            attempt_id=attempt_id, code=errors.BurstRequired.code, details={}, embedding=None
        )
    try:
        examined = burst_probe.examine_burst(
            frames=[bytes(row.data) for row in rows],
            timestamps_ms=[float(row.timestamp_ms or 0.0) for row in rows],
            challenge=attempt.liveness_challenge,
        )
    except (face_errors.ModelPackMissing, face_errors.ModelPackTampered) as exc:
        return payment_attempt_decide(
            attempt_id=attempt_id,
            decline_code=errors.DECLINE_ENGINE_UNAVAILABLE,
            evidence={"engine_error": exc.code},
        )
    except face_errors.FaceError as exc:
        return payment_attempt_liveness_refuse(
            attempt_id=attempt_id, code=exc.code, details=dict(exc.extra), embedding=None
        )
    details = burst_probe.decision_evidence(examined.decision)
    if not examined.decision.is_live:
        return payment_attempt_liveness_refuse(
            attempt_id=attempt_id,
            code=str(examined.decision.reason),
            details=details,
            embedding=examined.embedding,
        )
    assert examined.embedding is not None  # noqa: S101 - a live burst has a face in every frame
    liveness_record(attempt_id=attempt_id, reason="", details=details)
    probe = Probe(
        embedding=examined.embedding,
        liveness_score=examined.passive_median,
        model_version=examined.model_version,
    )
    return payment_attempt_identify(attempt_id=attempt_id, probe=probe)


def _liveness_fields(attempt: PaymentAttempt, *, reason: str, details: dict[str, Any]) -> None:
    attempt.liveness_checked_at = timezone.now()
    attempt.liveness_reason = reason
    attempt.liveness_details = {"challenge": attempt.liveness_challenge, **details}
    attempt.save(update_fields=["liveness_checked_at", "liveness_reason", "liveness_details"])


@transaction.atomic(durable=True)
def liveness_record(*, attempt_id: int, reason: str, details: dict[str, Any]) -> None:
    """Record the burst's liveness decision on an undecided attempt (reason "" = live).
    Idempotent: a decided attempt is left as it is."""
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status in (Status.CREATED, Status.RECOGNISING):
        _liveness_fields(attempt, reason=reason, details=details)


@transaction.atomic(durable=True)
def payment_attempt_liveness_refuse(
    *, attempt_id: int, code: str, details: dict[str, Any], embedding: np.ndarray | None
) -> PaymentAttempt | None:
    """Decline an attempt whose burst failed liveness (or the gates) with `code`, recorded as
    its liveness reason; moves no money. Idempotent like payment_attempt_decide.

    When the presented face clearly is an enrolled customer's (accept band), the refusal goes
    into that customer's "who used my face" log: a photo of them was held up at this counter.
    """
    attempt = PaymentAttempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status not in (Status.CREATED, Status.RECOGNISING):
        return attempt
    _liveness_fields(attempt, reason=code, details=details)
    if embedding is not None:
        calibration = get_engine().calibration
        accept_threshold = calibration.bands[0]
        try:
            hits = customer_selectors.face_search(
                embedding=embedding, k=1, wait_seconds=settings.FACEPAY_GALLERY_LOAD_WAIT_SECONDS
            )
        except customer_gallery.GalleryLoading:
            # The spoof is refused now all the same; whose face it was cannot be told yet, and
            # the attempt says so rather than leaving the customer's log silently short.
            attempt.liveness_details = {**attempt.liveness_details, "face_log": "gallery_loading"}
            attempt.save(update_fields=["liveness_details"])
            hits = []
        if hits and hits[0].similarity >= accept_threshold:
            customer_services.face_use_record(
                customer_id=hits[0].customer_id,
                terminal_id=attempt.terminal_id,
                store_id=attempt.store_id,
                attempt_id=attempt.pk,
                outcome="liveness_refused",
                similarity=hits[0].similarity,
                step_up_used=False,
                decline_code=code,
                **face_use_facts(attempt),
            )
    decline(attempt, code)
    return attempt


def payment_attempt_identify(*, attempt_id: int, probe: Probe) -> PaymentAttempt | None:
    """1:N search of a probe in the gallery and the three-band decision, applied to the attempt.

    Accept (no digits) only when the top-1 is high, clearly ahead and the gallery is below the
    pack's limit; step-up when the best candidates fall in the middle band (the phone digits
    pick one of the top-k there); decline below it. Idempotent like payment_attempt_decide;
    records similarity, margin, liveness, model version and every threshold used.
    """
    calibration = get_engine().calibration
    accept_threshold, accept_margin, step_up_threshold = calibration.bands
    top_k = max(calibration.step_up_top_k, 1)
    wait = settings.FACEPAY_GALLERY_LOAD_WAIT_SECONDS
    try:
        hits = customer_selectors.face_search(
            embedding=probe.embedding, k=max(top_k, 2), wait_seconds=wait
        )
        gallery_size = customer_gallery.size(wait_seconds=wait)
    except customer_gallery.GalleryLoading:
        # The worker is still loading the gallery (its start): a search of part of it could
        # accept the wrong customer or miss the right one, and waiting for all of it could take
        # minutes. Declined with a code that says "try again", no money moved.
        return payment_attempt_decide(
            attempt_id=attempt_id,
            decline_code=errors.DECLINE_GALLERY_LOADING,
            evidence={
                "liveness_score": probe.liveness_score,
                "model_version": probe.model_version,
                "gallery": "loading",
            },
        )
    decision = decide_bands(
        [Match(key=hit.customer_id, similarity=hit.similarity) for hit in hits],
        accept_threshold=accept_threshold,
        accept_margin=accept_margin,
        step_up_threshold=step_up_threshold,
        top_k=top_k,
        gallery_size=gallery_size,
        gallery_limit=calibration.accept_gallery_limit,
    )
    thresholds = {
        "accept_threshold": accept_threshold,
        "accept_margin": accept_margin,
        "step_up_threshold": step_up_threshold,
        "step_up_top_k": top_k,
        "accept_gallery_limit": calibration.accept_gallery_limit,
        "liveness_threshold": calibration.liveness_threshold,
        "step_up_margin": settings.FACEPAY_STEP_UP_MARGIN,
        "step_up_gallery_size": settings.FACEPAY_STEP_UP_GALLERY_SIZE,
    }
    evidence: dict[str, object] = {
        "similarity": decision.similarity,
        "margin": decision.margin,
        "liveness_score": probe.liveness_score,
        "model_version": probe.model_version,
        "thresholds": thresholds,
    }
    if decision.band is Band.DECLINE:
        return payment_attempt_decide(
            attempt_id=attempt_id, decline_code=errors.DECLINE_NO_MATCH, evidence=evidence
        )
    if decision.band is Band.STEP_UP:
        return payment_attempt_ask_digits(
            attempt_id=attempt_id,
            candidates=list(decision.candidates),
            reason=decision.reason,
            evidence=evidence,
        )
    assert decision.key is not None  # noqa: S101 - an accept names its key
    return payment_attempt_decide(
        attempt_id=attempt_id,
        decline_code=None,
        evidence=evidence,
        customer_id=decision.key,
        gallery_size=gallery_size,
    )
