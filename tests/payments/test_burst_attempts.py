"""Issue 12: a face attempt carries a server-drawn challenge; its burst is checked for liveness.

Real live clips (liveness-dev), the real engine and the real database: a live burst under the
challenge it contains reaches the confirm step; the same burst under another challenge, a still
photo held in front of the camera, and every malformed burst are declined with a stable code
recorded on the attempt, and no money moves.
"""

from __future__ import annotations

import uuid

import numpy as np
import pytest
from django.utils import timezone

from customers.models import Customer, FaceUse
from facepay.face import burst_probe
from facepay.face import errors as face_errors
from facepay.face.engine import get_engine
from payments import errors, services
from payments.models import AttemptFrame, JournalEntry, PaymentAttempt
from tests.merchants.factories import TerminalFactory
from tests.payments.bursts import (
    ENROL_CLIP,
    FRAMES,
    PAY_CLIP,
    clip_frames,
    recorded_after_challenge,
)
from tests.payments.factories import enrolled_customer
from tests.payments.test_attempts import JPEG, jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def clip_person_embedding(face_pack: None) -> np.ndarray:
    """The enrolment embedding of the clips' person, from their other clip (a live burst)."""
    frames = list(clip_frames(*ENROL_CLIP))
    examined = burst_probe.examine_burst(
        frames=frames,
        timestamps_ms=[index * 133.3 for index in range(len(frames))],
        challenge="blink",
    )
    assert examined.decision.is_live
    assert examined.embedding is not None
    return examined.embedding


@pytest.fixture
def clip_person(clip_person_embedding: np.ndarray) -> Customer:
    return enrolled_customer(clip_person_embedding, model_version=get_engine().model_version)


def face_attempt(challenge: str, amount_minor: int = 3800) -> PaymentAttempt:
    attempt = services.payment_attempt_create(
        terminal=TerminalFactory(),
        amount_minor=amount_minor,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
    )
    # The draw is random; the clip contains one action, so the test fixes which was drawn.
    PaymentAttempt.objects.filter(pk=attempt.pk).update(liveness_challenge=challenge)
    attempt.liveness_challenge = challenge
    return attempt


def submit(attempt: PaymentAttempt, frames: list[bytes], timestamps_ms: list[float]) -> None:
    services.payment_attempt_burst_submit(
        terminal=attempt.terminal,
        attempt_id=attempt.public_id,
        frames=frames,
        timestamps_ms=timestamps_ms,
    )


def test_challenge_is_drawn_from_the_configured_set(settings) -> None:  # type: ignore[no-untyped-def]
    settings.FACEPAY_LIVENESS_CHALLENGES = ["nod"]
    attempt = services.payment_attempt_create(
        terminal=TerminalFactory(), amount_minor=100, currency="CNY", idempotency_key="n"
    )
    assert attempt.liveness_challenge == "nod"
    settings.FACEPAY_LIVENESS_CHALLENGES = ["blink", "turn_left", "turn_right", "nod"]
    drawn = {services.creation.challenge_draw() for _ in range(200)}
    assert drawn == {"blink", "turn_left", "turn_right", "nod"}


def test_live_burst_under_its_challenge_reaches_confirmation(
    clip_person: Customer, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    attempt = face_attempt("blink")
    frames = list(clip_frames(*PAY_CLIP))
    with django_capture_on_commit_callbacks(execute=True):
        submit(attempt, frames, recorded_after_challenge(attempt))
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.customer_id == clip_person.pk
    assert (attempt.liveness_challenge, attempt.liveness_reason) == ("blink", "")
    assert attempt.is_liveness_passed
    assert attempt.liveness_details["challenge"] == "blink"
    assert attempt.liveness_details["challenge_onset_ms"] > 250
    assert attempt.burst_received_at is not None
    assert AttemptFrame.objects.filter(attempt=attempt).count() == 0


def test_live_burst_under_another_challenge_is_declined_and_logged_for_the_customer(
    clip_person: Customer, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    attempt = face_attempt("turn_left")
    frames = list(clip_frames(*PAY_CLIP))
    with django_capture_on_commit_callbacks(execute=True):
        submit(attempt, frames, recorded_after_challenge(attempt))
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.DECLINED
    assert attempt.decline_code == "liveness_challenge_not_performed"
    assert attempt.liveness_reason == "liveness_challenge_not_performed"
    assert attempt.customer_id is None
    use = FaceUse.objects.get(customer=clip_person)
    assert (use.attempt_id, use.outcome) == (attempt.pk, "liveness_refused")
    assert JournalEntry.objects.filter(kind="capture").count() == 0
    assert AttemptFrame.objects.filter(attempt=attempt).count() == 0


def test_a_photo_held_still_is_declined_challenge_not_performed(
    clip_person: Customer, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    still = clip_frames(*PAY_CLIP)[0]
    attempt = face_attempt("blink")
    with django_capture_on_commit_callbacks(execute=True):
        submit(attempt, [still] * FRAMES, recorded_after_challenge(attempt))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.decline_code) == (
        "declined",
        "liveness_challenge_not_performed",
    )
    assert JournalEntry.objects.filter(kind="capture").count() == 0


def test_faceless_burst_is_declined_no_face(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    attempt = face_attempt("blink")
    grey = jpeg_bytes((640, 480))
    with django_capture_on_commit_callbacks(execute=True):
        submit(attempt, [grey] * 12, recorded_after_challenge(attempt, 12))
    attempt.refresh_from_db()
    assert (attempt.status, attempt.decline_code, attempt.liveness_reason) == (
        "declined",
        "no_face",
        "no_face",
    )


def _shifted(times: list[float], index: int, delta: float) -> list[float]:
    return [value + (delta if number == index else 0.0) for number, value in enumerate(times)]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("two_stills", "burst_too_few_frames"),
        ("too_many", "burst_too_many_frames"),
        ("timestamps_backwards", "burst_not_continuous"),
        ("long_gap", "burst_not_continuous"),
        ("sizes_differ", "burst_not_continuous"),
        ("timestamps_missing", "burst_not_continuous"),
        ("recorded_before_challenge", "burst_predates_challenge"),
        ("longer_than_since_challenge", "burst_predates_challenge"),
    ],
)
def test_malformed_burst_is_refused_with_its_code_and_declines(case: str, code: str) -> None:
    attempt = face_attempt("blink")
    frames = list(clip_frames(*PAY_CLIP))
    times = recorded_after_challenge(attempt)
    if case == "two_stills":
        frames, times = frames[:2], times[:2]
    elif case == "too_many":
        frames, times = (frames * 2)[:21], [times[0] + 100.0 * n for n in range(21)]
    elif case == "timestamps_backwards":
        times = _shifted(times, 5, -200.0)
    elif case == "long_gap":
        times = [value + (900.0 if number >= 7 else 0.0) for number, value in enumerate(times)]
    elif case == "sizes_differ":
        frames = [*frames[:-1], jpeg_bytes((320, 240))]
    elif case == "timestamps_missing":
        times = times[:10]
    elif case == "recorded_before_challenge":
        times = [value - 2500.0 for value in times]
    elif case == "longer_than_since_challenge":
        # Just issued, and a terminal clock "1 s behind" (inside the allowance) claims a 1.5 s
        # recording: on the server's clock alone it cannot have followed the challenge.
        PaymentAttempt.objects.filter(pk=attempt.pk).update(challenge_issued_at=timezone.now())
        attempt.refresh_from_db()
        start = attempt.challenge_issued_at.timestamp() * 1000.0 - 1000.0
        times = [start + 133.3 * n for n in range(len(frames))]
    with pytest.raises(face_errors.FaceError) as refused:
        submit(attempt, frames, times)
    assert refused.value.code == code
    attempt.refresh_from_db()
    assert (attempt.status, attempt.decline_code, attempt.liveness_reason) == (
        "declined",
        code,
        code,
    )
    assert attempt.liveness_checked_at is not None
    assert AttemptFrame.objects.filter(attempt=attempt).count() == 0
    assert JournalEntry.objects.filter(kind="capture").count() == 0


def test_second_burst_and_unknown_attempt_are_refused() -> None:
    attempt = face_attempt("blink")
    frames = list(clip_frames(*PAY_CLIP))
    times = recorded_after_challenge(attempt)
    submit(attempt, frames, times)  # no on-commit here: the job does not run
    with pytest.raises(errors.AttemptWrongState):
        submit(attempt, frames, times)
    with pytest.raises(errors.AttemptNotFound):
        services.payment_attempt_burst_submit(
            terminal=TerminalFactory(),
            attempt_id=attempt.public_id,
            frames=frames,
            timestamps_ms=times,
        )
    assert AttemptFrame.objects.filter(attempt=attempt).count() == len(frames)


def test_frame_that_is_not_an_image_is_refused_before_anything_is_stored() -> None:
    attempt = face_attempt("blink")
    times = recorded_after_challenge(attempt, 12)
    with pytest.raises(face_errors.ImageUnreadable):
        submit(attempt, [JPEG] * 11 + [b"GIF89a no"], times)
    attempt.refresh_from_db()
    assert attempt.status == "created"
    assert attempt.burst_received_at is None


def test_recognition_of_an_attempt_without_a_burst_does_nothing() -> None:
    attempt = face_attempt("blink")
    services.payment_attempt_recognise(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert (attempt.status, attempt.liveness_checked_at) == ("created", None)
