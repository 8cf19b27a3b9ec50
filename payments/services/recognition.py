"""Recognition: the job that turns an attempt's frames into one probe, searches the gallery and
hands the open-set answer to the decision step. A confirm-free match is captured by the job."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import gallery as customer_gallery
from customers import selectors as customer_selectors
from facepay.face import errors as face_errors
from facepay.face import intake
from facepay.face.config import get_config
from facepay.face.decision import Outcome, decide
from facepay.face.engine import get_engine
from facepay.face.gallery import Match
from facepay.face.vectors import mean_unit
from payments import broadcasts, errors
from payments.models import AttemptFrame, PaymentAttempt
from payments.services.capture import capture_if_confirm_free
from payments.services.decision import payment_attempt_decide
from payments.services.transitions import Status, stamp


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
    evidence: dict[str, object] = {
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
