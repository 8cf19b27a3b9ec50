"""A recorded burst turned into one liveness decision and, when live, one probe embedding.

Shared by the counter's recognition job and the camera enrolment: both decode the frames with
the upload limits, refuse a burst that is not one continuous capture after its challenge
(`burst.check_burst_shape`), run the quality gates on the first frame (taken before the action,
so frontal), observe every frame (`FaceEngine.observe_burst`), track the skin texture, and ask
`burst.decide`. Plain Python (no Django models): the callers record the answer.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from facepay.face import burst, errors, intake
from facepay.face.config import FaceConfig, get_config
from facepay.face.config import translate as _
from facepay.face.engine import FaceEngine, get_engine
from facepay.face.vectors import mean_unit

# A burst frame is a camera frame (640x480 asked); 1920x1080 is the most a webcam gives. The
# general upload limit (16 MP) times 20 frames would be a cheap way to burn a worker.
BURST_MAX_FRAME_PIXELS = 1920 * 1080
# Frames used for the identity embedding: nearly frontal (a turn or a nod lowers similarity).
FRONTAL_MAX_YAW_DEG = 20.0
FRONTAL_MAX_PITCH_DEG = 20.0
# A browser's timers and frame times are coarse by a few ms; the clocks' offset does not enter a
# recording's span, so this is all the span may exceed the time since its challenge by.
RECORDING_SLACK_MS = 50.0


@dataclass(frozen=True)
class BurstProbe:
    """What the engine made of a burst: the liveness decision and, when live, the embedding."""

    decision: burst.LivenessDecision
    embedding: np.ndarray | None  # unit float32; also set for a refused burst with a face
    passive_median: float | None
    model_version: str
    embedding_frames: int = 0  # the sampled frames the embedding is the mean of
    agreement: float | None = None  # their mean cosine to that mean (a template's quality)


def thresholds_for(engine: FaceEngine) -> burst.BurstThresholds:
    """The calibrated burst thresholds of the engine's pack (defaults when uncalibrated)."""
    return burst.load_thresholds(engine.manifest.name)


def challenge_draw(allowed: Sequence[str]) -> str:
    """A liveness challenge drawn at random (CSPRNG) from `allowed` (unknown names dropped;
    every challenge when none is left). The counter and the camera enrolment both draw here."""
    known = [item for item in allowed if item in burst.CHALLENGES]
    return secrets.choice(known or list(burst.CHALLENGES))


def check_recorded_after(
    *,
    frames: list[bytes],
    timestamps_ms: list[float],
    issued_at: datetime,
    now: datetime,
    allowance_ms: float,
) -> None:
    """`check_shape` for a burst whose challenge the server issued at `issued_at`.

    The challenge's time is checked twice: on the recorder's clock (the first frame, with an
    allowance for the clocks' offset) and on the server's alone: the recording (a difference of
    the recorder's timestamps, so no offset in it) cannot be longer than the time since the
    challenge, give or take RECORDING_SLACK_MS of timer jitter. Raises the refusals of
    `check_shape`.
    """
    issued_ms = issued_at.timestamp() * 1000.0
    check_shape(
        frames=frames, timestamps_ms=timestamps_ms, challenge_issued_ms=issued_ms - allowance_ms
    )
    span_ms = timestamps_ms[-1] - timestamps_ms[0]
    since_issue_ms = (now - issued_at).total_seconds() * 1000.0
    if span_ms > since_issue_ms + RECORDING_SLACK_MS:
        raise errors.BurstPredatesChallenge(
            _("The recording started before the challenge was shown."),
            span_ms=round(span_ms, 1),
            since_challenge_ms=round(since_issue_ms, 1),
        )


def frame_sizes(frames: list[bytes]) -> list[tuple[int, int]]:
    """(width, height) of each frame from its header only (nothing decoded).

    Raises ImageUnreadable for a frame whose header is not an image, ImageTooManyPixels for a
    frame larger than BURST_MAX_FRAME_PIXELS.
    """
    sizes = []
    for number, data in enumerate(frames, start=1):
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise errors.ImageUnreadable(
                _("A frame is not a readable image."), frame=number
            ) from exc
        if width * height > BURST_MAX_FRAME_PIXELS:
            raise errors.ImageTooManyPixels(
                _("A frame of the recording has too many pixels."),
                frame=number,
                width=width,
                height=height,
                max_pixels=BURST_MAX_FRAME_PIXELS,
            )
        sizes.append((int(width), int(height)))
    return sizes


def check_shape(
    *,
    frames: list[bytes],
    timestamps_ms: list[float],
    challenge_issued_ms: float | None,
    thresholds: burst.BurstThresholds | None = None,
) -> None:
    """Refuse a burst that is not one continuous capture taken after its challenge.

    Raises BurstTooFewFrames, BurstTooManyFrames, BurstNotContinuous (also when the frames
    and the timestamps differ in number), BurstPredatesChallenge, ImageUnreadable or
    ImageTooManyPixels. Cheap: only the headers are read.
    """
    thresholds = thresholds or thresholds_for(get_engine())
    if len(frames) < thresholds.min_frames:
        raise errors.BurstTooFewFrames(
            _("Too few frames: record the challenge for about one and a half seconds."),
            frames=len(frames),
            min_frames=thresholds.min_frames,
        )
    if len(frames) > thresholds.max_frames:
        raise errors.BurstTooManyFrames(
            _("Too many frames in one recording."),
            frames=len(frames),
            max_frames=thresholds.max_frames,
        )
    if len(timestamps_ms) != len(frames):
        raise errors.BurstNotContinuous(
            _("Every frame needs its own timestamp."),
            frames=len(frames),
            timestamps=len(timestamps_ms),
        )
    burst.check_burst_shape(
        timestamps_ms=timestamps_ms,
        sizes=frame_sizes(frames),
        thresholds=thresholds,
        challenge_issued_ms=challenge_issued_ms,
    )


def _decode(frames: list[bytes], config: FaceConfig, engine: FaceEngine) -> list[np.ndarray]:
    max_pixels = min(config.max_image_pixels, BURST_MAX_FRAME_PIXELS)

    def decode(number: int, data: bytes) -> np.ndarray:
        try:
            image = intake.decode_image(
                data, max_bytes=config.max_image_bytes, max_pixels=max_pixels
            )
        except errors.FaceError as exc:
            exc.extra = {**exc.extra, "frame": number}
            raise
        return image.pixels_bgr

    return engine.map_frames(decode, range(1, len(frames) + 1), frames)


def _probe_embedding(
    observations: list[burst.FrameObservation],
) -> tuple[np.ndarray | None, int, float | None]:
    """The mean of the nearly frontal sampled frames' embeddings (all sampled ones when none is
    frontal), how many went in, and their mean cosine to it."""
    sampled = [item for item in observations if item.embedding is not None]
    frontal = [
        item
        for item in sampled
        if abs(item.yaw_deg or 0.0) <= FRONTAL_MAX_YAW_DEG
        and abs(item.pitch_deg or 0.0) <= FRONTAL_MAX_PITCH_DEG
    ]
    chosen = [item.embedding for item in (frontal or sampled) if item.embedding is not None]
    if not chosen:
        return None, 0, None
    mean = mean_unit(chosen)
    agreement = float((np.stack(chosen).astype(np.float32) @ mean).mean())
    return mean, len(chosen), agreement


def examine_burst(
    *,
    frames: list[bytes],
    timestamps_ms: list[float],
    challenge: str,
    challenge_issued_ms: float | None = None,
) -> BurstProbe:
    """Decide one burst recorded under `challenge` (one of burst.CHALLENGES).

    Raises the shape refusals of `check_shape`, the intake refusals, the quality refusals of
    the first frame (no_face, multiple_faces, face_too_small, face_turned, face_blurred,
    face_badly_exposed) and BurstLandmarksUnavailable / ModelPackMissing. A liveness refusal
    is not raised: it is the returned decision (the caller records its reason), with the
    embedding of the frames that had a face so the caller can log whose face was presented.
    """
    engine = get_engine()
    engine.calibration  # noqa: B018 - raises ModelPackMissing before any frame is decoded
    thresholds = thresholds_for(engine)
    check_shape(
        frames=frames,
        timestamps_ms=timestamps_ms,
        challenge_issued_ms=challenge_issued_ms,
        thresholds=thresholds,
    )
    pixels = _decode(frames, get_config(), engine)
    first = engine.describe(
        pixels[0],
        engine.pick_probe_detection(pixels[0]),
        with_embedding=False,
        with_liveness=False,
    )
    engine.check_quality(first)
    observations = engine.observe_burst(pixels, timestamps_ms)
    texture = burst.burst_texture_planarity(pixels, observations)
    screen = burst.screen_chroma_ratio(pixels, observations)
    decision = burst.decide(
        observations, challenge=challenge, thresholds=thresholds, texture=texture, screen=screen
    )
    passive = decision.details.get("passive_median")
    embedding, embedding_frames, agreement = _probe_embedding(observations)
    return BurstProbe(
        decision=decision,
        embedding=embedding,
        passive_median=None if passive is None else float(passive),
        model_version=engine.model_version,
        embedding_frames=embedding_frames,
        agreement=agreement,
    )


def decision_evidence(decision: burst.LivenessDecision) -> dict[str, Any]:
    """The decision's measures, JSON-ready (recorded on the attempt; never a face image)."""
    return {
        "challenge": decision.challenge,
        "reason": decision.reason or "",
        **{key: value for key, value in decision.details.items() if key != "frames_without_face"},
        "frames_without_face": list(decision.details.get("frames_without_face", [])),
    }
