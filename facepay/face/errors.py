"""Stable refusal codes of the face engine. A code is public API: never rename one."""

from __future__ import annotations

from facepay.errors import FacePayError
from facepay.face.config import translate as _


class FaceError(FacePayError):
    """Base of every face-engine refusal."""

    code = "face_error"
    http_status = 400


class ImageTooLarge(FaceError):
    code, http_status = "image_too_large", 413


class ImageTooManyPixels(FaceError):
    code, http_status = "image_too_many_pixels", 413


class ImageUnsupportedFormat(FaceError):
    code, http_status = "image_unsupported_format", 415


class ImageUnreadable(FaceError):
    code, http_status = "image_unreadable", 400


class NoFace(FaceError):
    code, http_status = "no_face", 422


class MultipleFaces(FaceError):
    code, http_status = "multiple_faces", 422


class FaceTooSmall(FaceError):
    code, http_status = "face_too_small", 422


class FaceBlurred(FaceError):
    code, http_status = "face_blurred", 422


class FaceTurned(FaceError):
    code, http_status = "face_turned", 422


class FaceBadlyExposed(FaceError):
    code, http_status = "face_badly_exposed", 422


class FaceTooDark(FaceBadlyExposed):
    """The face's brightness is below the calibrated range: more light is needed."""

    code = "face_too_dark"


class FaceTooBright(FaceBadlyExposed):
    """The face's brightness is above the calibrated range: strong light washes it out."""

    code = "face_too_bright"


class SpoofSuspected(FaceError):
    code, http_status = "spoof_suspected", 422


class ModelPackMissing(FaceError):
    """The pack's files are not in the model folder: run `manage.py face_fetch`."""

    code, http_status = "model_pack_missing", 503


class ModelPackTampered(FaceError):
    """A model file's sha256 differs from the manifest: it is never loaded."""

    code, http_status = "model_pack_tampered", 503


class ModelPackLicenseRefused(FaceError):
    code, http_status = "model_pack_license_refused", 503


class ModelPackFetchFailed(FaceError):
    code, http_status = "model_pack_fetch_failed", 503


class TemplateMismatch(FaceError):
    """A template from another pack or model was compared: packs never mix."""

    code, http_status = "template_pack_mismatch", 409


class GalleryDimensionMismatch(FaceError):
    code, http_status = "gallery_dimension_mismatch", 400


class BurstTooFewFrames(FaceError):
    code, http_status = "burst_too_few_frames", 400


class BurstTooManyFrames(FaceError):
    code, http_status = "burst_too_many_frames", 400


class BurstNotContinuous(FaceError):
    """Timestamps not increasing, a gap or span out of bounds, or frames of different sizes."""

    code, http_status = "burst_not_continuous", 400


class BurstPredatesChallenge(FaceError):
    code, http_status = "burst_predates_challenge", 409


class BurstLandmarksUnavailable(FaceError):
    """The pack has no 68-point landmarker, which the burst checks need."""

    code, http_status = "burst_landmarks_unavailable", 503


class LivenessRefused(FaceError):
    """Base of the burst liveness refusals; each code is a `burst.REASON_*`."""

    code, http_status = "liveness_refused", 422


class LivenessFaceMissing(LivenessRefused):
    code = "liveness_face_missing"


class LivenessFaceChanged(LivenessRefused):
    code = "liveness_face_changed"


class LivenessChallengeTooEarly(LivenessRefused):
    code = "liveness_challenge_too_early"


class LivenessChallengeNotPerformed(LivenessRefused):
    code = "liveness_challenge_not_performed"


class LivenessPlanarFace(LivenessRefused):
    code = "liveness_planar_face"


class LivenessPassiveSpoof(LivenessRefused):
    code = "liveness_passive_spoof"


LIVENESS_REFUSALS: dict[str, type[LivenessRefused]] = {
    item.code: item
    for item in (
        LivenessFaceMissing,
        LivenessFaceChanged,
        LivenessChallengeTooEarly,
        LivenessChallengeNotPerformed,
        LivenessPlanarFace,
        LivenessPassiveSpoof,
    )
}


def liveness_message(reason: str) -> str:
    """The cashier-facing sentence of a liveness reason, in the reader's language."""
    messages = {
        "liveness_face_missing": _("The face left the camera during the recording."),
        "liveness_face_changed": _("A different face appeared during the recording."),
        "liveness_challenge_too_early": _("The action was done before it was asked."),
        "liveness_challenge_not_performed": _("The requested action was not seen."),
        "liveness_planar_face": _("The face moved like a flat picture (photo or screen)."),
        "liveness_passive_spoof": _("The camera could not confirm a live person."),
    }
    return messages[reason]
