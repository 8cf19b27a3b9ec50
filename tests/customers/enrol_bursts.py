"""Enrolment bursts for tests (issue 12): draw an enrolment challenge over the API, stamp a
clip's frames after it, and post them the way the enrolment page does."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from customers.models import EnrolmentChallenge
from tests.payments.bursts import ENROL_CLIP, FRAME_MS, FRAMES, clip_frames

ENROL = "customers_api:face_enrol"
CHALLENGE = "customers_api:face_enrol_challenge"
INSTRUCTIONS = {
    "blink": "Blink your eyes",
    "turn_left": "Turn your head to your left",
    "turn_right": "Turn your head to your right",
    "nod": "Nod your head",
}


def draw(
    client: APIClient, challenge: str = "blink", *, seconds_ago: float = 3.0
) -> dict[str, Any]:
    """Draw an enrolment challenge over the API; the clip contains one action, so the test fixes
    which was drawn, and moves the issue `seconds_ago` into the past (the time a person spends
    reading it and recording)."""
    response = client.post(reverse(CHALLENGE))
    assert response.status_code == 201, response.content
    drawn = response.json()
    assert drawn["instruction"] == INSTRUCTIONS[drawn["challenge"]]
    issued = timezone.now() - timedelta(seconds=seconds_ago)
    EnrolmentChallenge.objects.filter(public_id=drawn["id"]).update(
        challenge=challenge, issued_at=issued
    )
    return {**drawn, "challenge": challenge, "issued_ms": issued.timestamp() * 1000.0}


def times_after(drawn: dict[str, Any], count: int = FRAMES) -> list[float]:
    first = drawn["issued_ms"] + 300.0
    return [first + index * FRAME_MS for index in range(count)]


def body(drawn: dict[str, Any], frames: list[bytes], timestamps_ms: list[float]) -> dict[str, Any]:
    return {
        "challenge_id": drawn["id"],
        "frames": [base64.b64encode(frame).decode() for frame in frames],
        "timestamps_ms": timestamps_ms,
    }


def enrol_live_clip(client: APIClient) -> Any:
    """Enrol the client's customer from the live clip of liveness-dev (person grid-spk-s2, who
    blinks in it) under a drawn challenge fixed to blink; returns the response."""
    drawn = draw(client)
    frames = list(clip_frames(*ENROL_CLIP))
    return client.post(reverse(ENROL), body(drawn, frames, times_after(drawn)), format="json")
