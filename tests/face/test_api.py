"""POST /api/face/check: authenticated, rate-limited live feedback with stable error codes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from facepay.face.engine import MAX_FACES
from facepay.models import User

URL_NAME = "api_face_check"


@pytest.fixture
def signed_in(api_client: APIClient, make_user: Callable[..., User]) -> APIClient:
    cache.clear()  # throttling counts live in the cache
    api_client.force_authenticate(make_user())
    return api_client


def test_face_check_refuses_anonymous_callers(api_client: APIClient, db: None) -> None:
    response = api_client.post(reverse(URL_NAME), {}, format="multipart")
    assert response.status_code in {401, 403}
    assert response.json()["error"]["code"] in {"not_authenticated", "authentication_failed"}


def test_face_check_returns_ready_or_a_hint(signed_in: APIClient, dev_dir: Path) -> None:
    photo = (dev_dir / "Angelina_Jolie" / "1.jpg").read_bytes()
    upload = SimpleUploadedFile("face.jpg", photo, content_type="image/jpeg")
    response = signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == "sface-fusion-v1@107111c7155b7f43+87aacdfe57510db2"
    assert body["is_ready"] is (body["probe_error"] is None)


def test_face_check_accepts_a_raw_body(signed_in: APIClient, dev_dir: Path) -> None:
    photo = (dev_dir / "deepface_Elon" / "1.jpg").read_bytes()
    response = signed_in.generic("POST", reverse(URL_NAME), photo, content_type="image/jpeg")
    assert response.status_code == 200
    assert response.json()["probe_error"] is None or response.json()["probe_error"]["code"] != (
        "no_face"
    )


def test_face_check_reports_no_face_as_a_probe_error(signed_in: APIClient) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 40)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("empty.png", buffer.getvalue(), content_type="image/png")
    response = signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")
    assert response.status_code == 200
    assert response.json()["probe_error"]["code"] == "no_face"
    assert response.json()["is_ready"] is False


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(buffer, format="GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        (b"not an image at all", "image_unreadable", 400),
        (gif_bytes(), "image_unsupported_format", 415),
    ],
)
def test_face_check_refuses_bad_uploads_with_stable_codes(
    signed_in: APIClient, data: bytes, code: str, status: int
) -> None:
    upload = SimpleUploadedFile("upload.bin", data, content_type="application/octet-stream")
    response = signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_face_check_refuses_an_oversized_upload(signed_in: APIClient, settings: object) -> None:
    settings.FACEPAY_MAX_UPLOAD_BYTES = 1000  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * 5000, content_type="image/jpeg")
    response = signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "image_too_large"


def test_face_check_is_rate_limited(signed_in: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF copies the rates onto the class at import time; lower the real limit for this test.
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "face_check": "2/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    codes = [
        signed_in.post(reverse(URL_NAME), {"image": SimpleUploadedFile("x", b"x")}).status_code
        for _ in range(3)
    ]
    assert codes[:2] == [400, 400]
    assert codes[2] == 429


# --- issue 14, findings 13 and 14 ------------------------------------------------------------
def test_face_check_answers_pass_fail_and_a_hint_without_scores_or_thresholds(
    signed_in: APIClient, dev_dir: Path
) -> None:
    photo = (dev_dir / "Angelina_Jolie" / "1.jpg").read_bytes()
    upload = SimpleUploadedFile("face.jpg", photo, content_type="image/jpeg")
    response = signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"is_ready", "probe_error", "model_version"}
    if body["probe_error"] is not None:
        assert set(body["probe_error"]) == {"code", "message"}
    text = response.content.decode()
    for leak in ("score", "threshold", "sharpness", "brightness", "yaw", "eye_distance"):
        assert leak not in text


def test_face_detection_stops_after_the_largest_few_faces(
    engine,
    load_photo,  # type: ignore[no-untyped-def]
) -> None:
    face = load_photo("Angelina_Jolie/1.jpg").pixels_bgr
    tile = cv2.resize(face, (250, 250))
    crowd = np.tile(tile, (8, 8, 1))  # 2000 x 2000, up to 64 faces
    faces = engine.analyze(crowd, with_embedding=False)
    assert 1 <= len(faces) <= MAX_FACES
    assert len(engine.detect(crowd)) <= MAX_FACES


def test_face_check_has_a_per_user_cpu_budget(
    signed_in: APIClient, dev_dir: Path, settings: object
) -> None:
    settings.FACEPAY_FACE_CHECK_CPU_SECONDS_PER_MINUTE = 0.001  # type: ignore[attr-defined]
    photo = (dev_dir / "Angelina_Jolie" / "1.jpg").read_bytes()

    def check() -> object:
        upload = SimpleUploadedFile("face.jpg", photo, content_type="image/jpeg")
        return signed_in.post(reverse(URL_NAME), {"image": upload}, format="multipart")

    assert check().status_code == 200
    refused = check()
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "face_check_budget_exhausted"
