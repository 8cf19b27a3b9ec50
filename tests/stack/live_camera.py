"""Fake cameras for the liveness browser tests: a live clip and the kit's attacks, as Y4M.

The live clip is `live_grid-spk-s2_id2_vcd_swwp2s_s00.mp4` of liveness-dev (person grid-spk-s2,
labelled "blink" in bench/liveness_labels.csv: blinks at frames 16 and 26-27 of 15 fps). The
stack draws only the blink challenge (FACEPAY_LIVENESS_CHALLENGES=blink in tests/stack/conftest.py):
the test cannot make a recorded clip follow a random draw, so it fixes the draw and says so.
Chromium restarts the file when the page opens the camera and loops it, so the page's 1.5 s
recording starts at its own start-up delay into the clip; measured offline on the same frames
(examine_burst at 7.5 fps, JPEG as the page sends them), a recording starting 0 to 0.87 s after
the camera opens contains the first blink after its baseline and is live (0.93-1.13 s: the
blink falls in the baseline and is refused as too early; 1.2-1.53 s: live on the second blink).

The attacks are rendered by the kit's own code (bench/liveness_kit.py `render_photo_attack`)
from a frame of the same person's clip: a flat print and a photo on a phone screen, each asked
to blink, seeds recorded below.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

from facepay.face import burst_probe
from facepay.face.engine import get_engine
from payments.models import PaymentAttempt
from tests.payments.bursts import ENROL_CLIP, FRAME_MS, PAY_CLIP, clip_frames, clip_path
from tests.stack.browser import write_y4m_frames

KIT = Path(__file__).resolve().parents[2] / "bench" / "liveness_kit.py"
ATTACK_SEEDS = {"print_flat": 1201, "screen_photo": 1202}


def _kit():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("liveness_kit", KIT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["liveness_kit"] = module
    spec.loader.exec_module(module)
    return module


@functools.cache
def clip_person_embedding() -> np.ndarray:
    """The clip person's enrolment embedding, from their other clip recorded as a live burst."""
    frames = list(clip_frames(*ENROL_CLIP))
    examined = burst_probe.examine_burst(
        frames=frames,
        timestamps_ms=[index * 133.3 for index in range(len(frames))],
        challenge="blink",
    )
    assert examined.decision.is_live, examined.decision
    assert examined.embedding is not None
    return examined.embedding


def live_clip_y4m(target: Path) -> Path:
    kit = _kit()
    return write_y4m_frames(kit.read_clip(clip_path(PAY_CLIP[0])), target, fps=(15, 1))


def attack_frames(species: str) -> list[np.ndarray]:
    """The kit's attack of `species` on a frame of the clip person, asked to blink (BGR frames
    of 7.5 fps)."""
    kit = _kit()
    photo = kit.read_clip(clip_path(PAY_CLIP[0]))[0]
    found = kit.face_square(get_engine(), photo)
    assert found is not None
    crop, points = found
    source = kit.Source(
        identity="grid-spk-s2",
        file=PAY_CLIP[0],
        photo=crop,
        eyes=(points[36:42], points[42:48]),
    )
    rng = np.random.default_rng(ATTACK_SEEDS[species])
    frames, _params = kit.render_photo_attack(species, source, "blink", rng)
    return list(frames)


def attack_y4m(species: str, target: Path) -> Path:
    """The kit's attack of `species` on a frame of the clip person, asked to blink (7.5 fps)."""
    return write_y4m_frames(attack_frames(species), target, fps=(15, 2))


def burst_payload(
    attempt: dict[str, object], clip: tuple[str, int] = PAY_CLIP
) -> dict[str, object]:
    """The live clip's burst for a just-created attempt, as a counter would post it: frames
    stamped from the challenge's issue on; waits until that much recording time could have
    passed on the server's clock (less the allowed clock offset)."""
    return clip_burst(str(attempt["created_at"]), clip)


def clip_burst(issued_at: str, clip: tuple[str, int]) -> dict[str, object]:
    """`clip`'s burst stamped from `issued_at` (ISO time of the challenge) on, once that much
    recording time has passed on the server's clock."""
    issued_ms = datetime.fromisoformat(issued_at).timestamp() * 1000.0
    frames = clip_frames(*clip)
    times = [issued_ms + 10.0 + FRAME_MS * index for index in range(len(frames))]
    ready_s = (times[-1] + 20.0) / 1000.0
    time.sleep(max(0.0, ready_s - time.time()))
    return {
        "frames": [base64.b64encode(frame).decode() for frame in frames],
        "timestamps_ms": times,
    }


DECIDED_SCREEN = (
    "#confirm:not([hidden]), #step-up:not([hidden]), #terminal[data-status=declined],"
    " #terminal[data-status=captured]"
)


def pay_by_face_on_counter(
    page, terminal_pk: int, press: Callable[[], None], *, retries: int = 2
) -> tuple[PaymentAttempt, int]:  # type: ignore[no-untyped-def]
    """Press "pay with face" (by `press`) until the attempt gets past liveness, as a cashier
    presses "try again"; returns the attempt and how many liveness refusals came first.

    Chromium's fake camera loops the clip and does not always restart it when the page opens
    the camera again, so now and then the 1.5 s recording holds no whole blink after its
    baseline (measured here under load: about 1 payment in 10). That is the camera file's
    phase, not the page; each test prints or bounds the refusals it met."""
    for refused in range(retries + 1):
        press()
        page.wait_for_selector(DECIDED_SCREEN, timeout=90_000)
        attempt = PaymentAttempt.objects.filter(terminal_id=terminal_pk).latest("created_at")
        if not (attempt.status == "declined" and attempt.decline_code.startswith("liveness_")):
            return attempt, refused
        page.click("#restart")  # "try again" keeps the amount
        page.wait_for_selector("#screen-amount:not([hidden])")
    raise AssertionError(
        f"the live clip was refused {retries + 1} times: {attempt.liveness_details}"
    )


def enrolment_payload(challenge: dict[str, object]) -> dict[str, object]:
    """The enrolment clip's burst (the clip person's other clip) for a just-drawn enrolment
    challenge, as the enrolment page would post it."""
    return {"challenge_id": challenge["id"], **clip_burst(str(challenge["issued_at"]), ENROL_CLIP)}
