"""Stable refusal codes of the face engine. A code is public API: never rename one."""

from __future__ import annotations

from facepay.errors import FacePayError


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
