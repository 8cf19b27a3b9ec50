"""Bursts for tests: real live clips of liveness-dev (hand-labelled in bench/liveness_labels.csv),
cut the way the attack kit cuts them (the product's recording: burst.RECORDING_FRAMES frames,
every second frame of a 15 fps clip)."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

import cv2
from django.conf import settings

from facepay.face import burst
from payments.models import PaymentAttempt

FRAME_MS = burst.RECORDING_FRAME_MS
FRAMES = burst.RECORDING_FRAMES
# Person grid-spk-s2 in two clips: one enrols, the other pays (both blink in their window).
# The paying clip is also the browsers' fake camera: its 12-frame recordings are live from any
# start in its first 0.87 s (measured with examine_burst), the enrolling clip's only from some.
ENROL_CLIP = ("live/live_grid-spk-s2_pwij3p_s00.mp4", 12)
PAY_CLIP = ("live/live_grid-spk-s2_id2_vcd_swwp2s_s00.mp4", 6)


def clip_path(name: str) -> Path:
    return Path(settings.FACEPAY_FACES_DIR) / "liveness-dev" / name


@functools.cache
def clip_frames(name: str, start: int, stride: int = 2, count: int = FRAMES) -> tuple[bytes, ...]:
    """JPEG frames of a clip from `start`, every `stride`-th (as a 640x480 webcam would send)."""
    capture = cv2.VideoCapture(str(clip_path(name)))
    frames = []
    while True:
        is_read, frame = capture.read()
        if not is_read:
            break
        frames.append(frame)
    capture.release()
    chosen = frames[start : start + stride * count : stride][:count]
    return tuple(
        cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for frame in chosen
    )


def recorded_after_challenge(
    attempt: PaymentAttempt, count: int = FRAMES, *, seconds_ago: float = 3.0
) -> list[float]:
    """Timestamps of a burst recorded after the attempt's challenge: the challenge is moved
    `seconds_ago` into the past (the time a counter spends showing it and recording), and the
    frames start 300 ms after it, FRAME_MS apart."""
    issued = attempt.challenge_issued_at - timedelta(seconds=seconds_ago)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(challenge_issued_at=issued)
    attempt.challenge_issued_at = issued
    first = issued.timestamp() * 1000.0 + 300.0
    return [first + index * FRAME_MS for index in range(count)]
