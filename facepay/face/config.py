"""The face engine's only door to Django settings (and to the environment when Django is absent).

Everything else in `facepay.face` takes a `FaceConfig`, so the engine stays plain Python and the
bench script runs without a Django project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

REPO_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_PACK = "sface-fusion-v1"
DEFAULT_ALLOWED_LICENSES = ("MIT", "Apache-2.0", "CC0-1.0", "BSL-1.0", "Public-Domain")
DEFAULT_MAX_IMAGE_BYTES = 5 * 1024 * 1024
# A 12 MP phone photo passes; a decompression bomb (e.g. 50000 x 50000) does not.
DEFAULT_MAX_IMAGE_PIXELS = 16_000_000
DEFAULT_BURST_THREADS = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class FaceConfig:
    faces_dir: Path  # shared/faces: dev and spoof-dev photos (evaluation and tests only)
    model_dir: Path  # git-ignored cache of fetched model packs, one sub-folder per pack
    cache_dir: Path  # git-ignored cache of evaluation embeddings
    pack: str  # a committed manifest name, or the path of an operator insightface pack folder
    allowed_licenses: tuple[str, ...]
    is_debug: bool
    max_image_bytes: int
    max_image_pixels: int
    threads_per_session: int  # onnxruntime intra-op threads; 1 avoids spinning contention
    burst_threads: int  # frames of one burst observed at once (a counter waits on its burst)


def _django_value(name: str) -> object | None:
    try:
        return getattr(settings, name, None)
    except ImproperlyConfigured:  # bench/scripts run without a Django project
        return None


def translate(message: str) -> str:
    """A refusal message in the request's language; as written when Django is not set up (the
    face bench runs the engine without a project)."""
    from django.apps import apps

    if not apps.ready:
        return message
    from django.utils.translation import gettext

    return gettext(message)


def _setting(name: str, default: str) -> str:
    value = _django_value(name)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def _path_setting(name: str, default: Path) -> Path:
    path = Path(_setting(name, str(default)))
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def _licenses() -> tuple[str, ...]:
    value = _django_value("FACEPAY_ALLOWED_MODEL_LICENSES")
    if value is None:
        raw = os.environ.get("FACEPAY_ALLOWED_MODEL_LICENSES")
        if raw is None:
            return DEFAULT_ALLOWED_LICENSES
        value = [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    return tuple(str(item) for item in value)  # type: ignore[attr-defined]  # a list or tuple from settings


def _is_debug() -> bool:
    value = _django_value("DEBUG")
    if value is None:
        return os.environ.get("DEBUG", "").lower() in {"1", "true", "yes", "on"}
    return bool(value)


def get_config() -> FaceConfig:
    """Read the face-engine settings now (Django settings first, then the environment)."""
    return FaceConfig(
        faces_dir=_path_setting("FACEPAY_FACES_DIR", REPO_ROOT.parent / "shared" / "faces"),
        model_dir=_path_setting("FACEPAY_MODEL_DIR", REPO_ROOT / "var" / "models"),
        cache_dir=_path_setting("FACEPAY_FACE_CACHE_DIR", REPO_ROOT / "var" / "face-cache"),
        pack=_setting("FACEPAY_FACE_PACK", DEFAULT_PACK),
        allowed_licenses=_licenses(),
        is_debug=_is_debug(),
        max_image_bytes=int(_setting("FACEPAY_MAX_UPLOAD_BYTES", str(DEFAULT_MAX_IMAGE_BYTES))),
        max_image_pixels=int(_setting("FACEPAY_MAX_IMAGE_PIXELS", str(DEFAULT_MAX_IMAGE_PIXELS))),
        threads_per_session=int(_setting("FACEPAY_FACE_THREADS", "1")),
        burst_threads=max(1, int(_setting("FACEPAY_BURST_THREADS", str(DEFAULT_BURST_THREADS)))),
    )
