"""Multi-frame liveness: a burst recorded under a random challenge, checked by pure functions.

A single still proves nothing (a printed photo or a phone screen gives one too). A burst of
10-20 frames taken while the screen asks for a challenge chosen at random per attempt
(blink; turn the head left or right; nod) is checked for:

1. the same face throughout: a face in every frame, and one identity across the burst;
2. the challenge performed inside the window and not before it was asked (eye-aspect ratio
   from the 68 landmarks for a blink; the yaw/pitch trajectory for turns and nods);
3. a face that is not a plane: a photo or a screen moved in front of the camera moves its
   landmarks by one homography, a turning head does not (the nose against the eye line);
4. the passive model's score on every frame, as one more signal;
5. screen artefacts: a phone or a tablet shows the face through red, green and blue sub-pixel
   columns, which the camera aliases into colour moire; skin under a lamp has almost no colour
   detail at the finest scale. The fine chroma energy over the fine luma energy of the face
   (`chroma_detail_ratio`) above a calibrated limit refuses the burst as a passive spoof.

Everything here is plain Python on numbers (no model, no Django): the engine turns frames into
`FrameObservation`s, `decide` turns those into one `LivenessDecision` with a stable reason.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from facepay.face import errors
from facepay.face.config import translate as _

CHALLENGES = ("blink", "turn_left", "turn_right", "nod")

# The recording the counter and the enrolment page make, and the attack kit renders: 12 frames
# at 7.5 fps, 1.47 s from the first frame to the last. Long enough for a blink, a turn or a nod
# after a 250 ms baseline; every 0.5 s more is 0.5 s more at the counter.
RECORDING_FRAMES = 12
RECORDING_FRAME_MS = 1000.0 / 7.5
RECORDING_MS = RECORDING_FRAME_MS * (RECORDING_FRAMES - 1)


def recording_shape() -> dict[str, int]:
    """The recording for the pages' script (`data-burst-*` on their <video>)."""
    return {"frames": RECORDING_FRAMES, "duration_ms": round(RECORDING_MS)}


def challenge_instruction(challenge: str) -> str:
    """What the person is asked to do while the burst records, in the reader's language (the
    counter and the enrolment page say the same words)."""
    return {
        "blink": _("Blink your eyes"),
        "turn_left": _("Turn your head to your left"),
        "turn_right": _("Turn your head to your right"),
        "nod": _("Nod your head"),
    }[challenge]


LIVENESS_DIR = Path(__file__).resolve().parent / "packs" / "liveness"

# Stable reason codes of a refused burst (public API: never rename one).
REASON_FACE_MISSING = "liveness_face_missing"
REASON_FACE_CHANGED = "liveness_face_changed"
REASON_CHALLENGE_TOO_EARLY = "liveness_challenge_too_early"
REASON_CHALLENGE_NOT_PERFORMED = "liveness_challenge_not_performed"
REASON_PLANAR_FACE = "liveness_planar_face"
REASON_PASSIVE_SPOOF = "liveness_passive_spoof"
REASONS = (
    REASON_FACE_MISSING,
    REASON_FACE_CHANGED,
    REASON_CHALLENGE_TOO_EARLY,
    REASON_CHALLENGE_NOT_PERFORMED,
    REASON_PLANAR_FACE,
    REASON_PASSIVE_SPOOF,
)

TRACKING_EYE_DISTANCE_PX = 60.0
RIM_EYE_DISTANCES = 0.55  # texture_planarity: "away from the eyes" (a cut-out's paper)
_LEFT_EYE = (36, 37, 38, 39, 40, 41)
_RIGHT_EYE = (42, 43, 44, 45, 46, 47)
# Points that stay put on a rigid face: jaw line, brows, nose, eye corners. Eyelids and lips
# move on their own (a blink, speech) and would read as parallax on a cut-out photo.
RIGID_POINTS = (*range(0, 27), *range(27, 36), 36, 39, 42, 45)


@dataclass(frozen=True)
class BurstThresholds:
    """Limits of a burst and the liveness thresholds; `sources` says where each came from."""

    min_frames: int = 10
    max_frames: int = 20
    min_span_ms: float = 1000.0  # first to last timestamp
    max_span_ms: float = 4000.0
    max_gap_ms: float = 500.0  # between consecutive frames
    baseline_ms: float = 250.0  # the first frames: the challenge must not be done yet here
    min_identity_cosine: float = 0.35  # see identity_spread
    blink_closed_ratio: float = 0.78  # EAR at or below ratio x open EAR counts as closed
    blink_open_ratio: float = 0.9  # and back above ratio x open EAR counts as reopened
    blink_early_ratio: float = 0.78  # EAR this low in the baseline: the blink came too early
    turn_min_yaw_deg: float = 12.0
    nod_min_pitch_deg: float = 10.0
    planar_min_motion: float = 0.15  # landmark motion / eye distance that makes the test count
    planar_max_residual: float = 0.035  # homography residual / eye distance below this = plane
    texture_min_motion: float = 0.15  # tracked skin-texture motion / eye distance that counts
    texture_max_residual: float = 0.04  # tracked texture's homography residual: below = plane
    texture_rim_max_residual: float = 0.0  # the same under the rim's homography (0 = off)
    passive_threshold: float = 0.0  # median per-frame p(live) below this is refused
    screen_max_chroma_ratio: float = 0.4  # median fine chroma / fine luma above this = screen
    sources: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BurstThresholds:
        names = {item.name: item.type for item in fields(cls) if item.name != "sources"}
        values: dict[str, Any] = {}
        for name in names:
            if name in data:
                raw = data[name]
                values[name] = int(raw) if name in {"min_frames", "max_frames"} else float(raw)
        return cls(**values, sources=dict(data.get("sources", {})))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_thresholds(pack_name: str) -> BurstThresholds:
    """The pack's burst thresholds (`packs/liveness/<pack>.json`), the defaults when absent."""
    path = LIVENESS_DIR / f"{pack_name}.json"
    if not path.is_file():
        return BurstThresholds()
    return BurstThresholds.from_dict(json.loads(path.read_text()))


def write_thresholds(pack_name: str, thresholds: BurstThresholds) -> Path:
    """Write the calibrated burst thresholds next to the pack manifests."""
    LIVENESS_DIR.mkdir(parents=True, exist_ok=True)
    path = LIVENESS_DIR / f"{pack_name}.json"
    path.write_text(json.dumps(thresholds.to_dict(), indent=2, sort_keys=True) + "\n")
    return path


@dataclass(frozen=True)
class FrameObservation:
    """What the engine saw in one frame of a burst; `points68` is None when no face was found."""

    timestamp_ms: float
    points68: np.ndarray | None  # 68 x 2 frame pixels
    yaw_deg: float | None  # + = the face turned to the image's right (the person's left)
    pitch_deg: float | None  # + = the face turned down
    passive_score: float | None  # passive model p(live)
    embedding: np.ndarray | None  # unit vector; only on the frames sampled for identity


@dataclass(frozen=True)
class ChallengeOutcome:
    is_performed: bool
    reason: str | None  # REASON_CHALLENGE_TOO_EARLY / REASON_CHALLENGE_NOT_PERFORMED
    onset_ms: float | None  # when the action was first seen, from the first frame
    measure: float  # blink: lowest EAR / open EAR; turn/nod: largest change in degrees


@dataclass(frozen=True)
class Planarity:
    motion: float  # largest RMS landmark motion from the first frame / eye distance
    residual: float  # largest RMS residual of the best homography / eye distance
    # texture only: the homography of the points away from the eyes, applied to every point
    rim_residual: float | None = None


@dataclass(frozen=True)
class LivenessDecision:
    is_live: bool
    reason: str | None  # one of REASONS; None when live
    challenge: str
    details: dict[str, Any]  # the measures behind the decision, JSON-ready


def check_burst_shape(
    *,
    timestamps_ms: list[float],
    sizes: list[tuple[int, int]],
    thresholds: BurstThresholds,
    challenge_issued_ms: float | None = None,
) -> None:
    """Refuse a burst that is not one continuous capture.

    Raises BurstTooFewFrames, BurstTooManyFrames, BurstNotContinuous (timestamps not strictly
    increasing, a gap too long, a span too short or too long, frames of different sizes) or
    BurstPredatesChallenge (a frame taken before the challenge was issued).
    """
    count = len(timestamps_ms)
    if count < thresholds.min_frames:
        raise errors.BurstTooFewFrames(
            _("Too few frames: hold still in front of the camera for the whole recording."),
            frames=count,
            min_frames=thresholds.min_frames,
        )
    if count > thresholds.max_frames:
        raise errors.BurstTooManyFrames(
            _("Too many frames in one recording."), frames=count, max_frames=thresholds.max_frames
        )
    if len(sizes) != count or len(set(sizes)) != 1:
        raise errors.BurstNotContinuous(
            _("The frames are not from one continuous recording."), sizes=sorted(set(sizes))
        )
    gaps = np.diff(np.asarray(timestamps_ms, dtype=np.float64))
    span = float(timestamps_ms[-1] - timestamps_ms[0])
    if (
        np.any(gaps <= 0)
        or float(gaps.max()) > thresholds.max_gap_ms
        or not thresholds.min_span_ms <= span <= thresholds.max_span_ms
    ):
        raise errors.BurstNotContinuous(
            _("The frames are not from one continuous recording."),
            span_ms=round(span, 1),
            max_gap_ms=round(float(gaps.max()), 1),
        )
    if challenge_issued_ms is not None and timestamps_ms[0] < challenge_issued_ms:
        raise errors.BurstPredatesChallenge(
            _("The recording started before the challenge was shown."),
            first_frame_ms=timestamps_ms[0],
            challenge_issued_ms=challenge_issued_ms,
        )


def eye_aspect_ratio(points68: np.ndarray) -> float:
    """Mean eye-aspect ratio of both eyes (Soukupova and Cech 2016): about 0.3 open, 0.1 shut."""
    ratios = []
    for eye in (_LEFT_EYE, _RIGHT_EYE):
        p = points68[list(eye)].astype(np.float64)
        vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
        horizontal = max(float(np.linalg.norm(p[0] - p[3])), 1e-6)
        ratios.append(vertical / (2.0 * horizontal))
    return float(np.mean(ratios))


def eye_distance(points68: np.ndarray) -> float:
    """Pixels between the eye centres."""
    left = points68[list(_LEFT_EYE)].mean(axis=0)
    right = points68[list(_RIGHT_EYE)].mean(axis=0)
    return float(np.linalg.norm(right - left))


def _baseline_count(times_ms: np.ndarray, baseline_ms: float) -> int:
    """Frames inside the baseline window, at least 2 and never all but one."""
    inside = int(np.sum(times_ms - times_ms[0] < baseline_ms))
    return int(min(max(inside, 2), len(times_ms) - 2))


def blink_outcome(
    *, times_ms: list[float], ear: list[float], thresholds: BurstThresholds
) -> ChallengeOutcome:
    """A blink: open eyes in the baseline, then shut (EAR drop) and open again inside the window.

    The open level is the 80th percentile of the burst's EAR, so a squint all along is no blink.
    A closure in the baseline makes the burst too early only when it is as deep as a full blink
    (`blink_early_ratio`): talking and glancing lower the lids a little, and a lid that dips
    before the instruction and then blinks is a person, not a replay.
    """
    times = np.asarray(times_ms, dtype=np.float64)
    values = np.asarray(ear, dtype=np.float64)
    open_level = float(np.percentile(values, 80))
    closed = values <= thresholds.blink_closed_ratio * open_level
    reopened = values >= thresholds.blink_open_ratio * open_level
    lowest = float(values.min() / max(open_level, 1e-6))
    base = _baseline_count(times, thresholds.baseline_ms)
    early_limit = min(thresholds.blink_early_ratio, thresholds.blink_closed_ratio)
    if np.any(values[:base] <= early_limit * open_level):
        return ChallengeOutcome(False, REASON_CHALLENGE_TOO_EARLY, 0.0, lowest)
    for index in range(base, len(values)):
        if closed[index] and np.any(reopened[index + 1 :]):
            onset = float(times[index] - times[0])
            return ChallengeOutcome(True, None, onset, lowest)
    return ChallengeOutcome(False, REASON_CHALLENGE_NOT_PERFORMED, None, lowest)


def _angle_outcome(
    *,
    times_ms: list[float],
    angles: list[float],
    sign: int,
    minimum_deg: float,
    thresholds: BurstThresholds,
) -> ChallengeOutcome:
    """The angle moves by `minimum_deg` from its baseline, in the `sign` direction (0: either),
    after the baseline and not already inside it."""
    times = np.asarray(times_ms, dtype=np.float64)
    values = np.asarray(angles, dtype=np.float64)
    base = _baseline_count(times, thresholds.baseline_ms)
    reference = float(np.median(values[:base]))
    change = values - reference
    directed = np.abs(change) if sign == 0 else sign * change
    largest = float(directed.max())
    early_change = float(np.ptp(values[:base]))
    if early_change >= minimum_deg:
        return ChallengeOutcome(False, REASON_CHALLENGE_TOO_EARLY, 0.0, largest)
    hits = np.nonzero(directed[base:] >= minimum_deg)[0]
    if hits.size == 0:
        return ChallengeOutcome(False, REASON_CHALLENGE_NOT_PERFORMED, None, largest)
    onset = float(times[base + int(hits[0])] - times[0])
    return ChallengeOutcome(True, None, onset, largest)


def challenge_outcome(
    challenge: str,
    *,
    times_ms: list[float],
    ear: list[float],
    yaw_deg: list[float],
    pitch_deg: list[float],
    thresholds: BurstThresholds,
) -> ChallengeOutcome:
    """Was `challenge` performed inside the window and not before? Raises ValueError for an
    unknown challenge (the attempt only ever carries one of CHALLENGES)."""
    if challenge == "blink":
        return blink_outcome(times_ms=times_ms, ear=ear, thresholds=thresholds)
    if challenge in {"turn_left", "turn_right"}:
        # The person's left is the image's right in an unmirrored camera frame: yaw grows.
        return _angle_outcome(
            times_ms=times_ms,
            angles=yaw_deg,
            sign=1 if challenge == "turn_left" else -1,
            minimum_deg=thresholds.turn_min_yaw_deg,
            thresholds=thresholds,
        )
    if challenge == "nod":
        return _angle_outcome(
            times_ms=times_ms,
            angles=pitch_deg,
            sign=0,
            minimum_deg=thresholds.nod_min_pitch_deg,
            thresholds=thresholds,
        )
    raise ValueError(f"unknown challenge {challenge!r}")


def planarity(tracks: list[np.ndarray]) -> Planarity:
    """How well one homography explains the rigid landmarks' motion from the first frame.

    A photo or a screen moved in front of the camera is a plane: every frame's points are one
    homography of the first frame's (residual at landmark noise, whatever the motion). A head
    that turns or nods moves its nose against its eye line and jaw: no homography fits.
    Both numbers are relative to the eye distance of the first frame.
    """
    reference = tracks[0][list(RIGID_POINTS)].astype(np.float64)
    scale = max(eye_distance(tracks[0]), 1e-6)
    largest_motion = 0.0
    largest_residual = 0.0
    for points in tracks[1:]:
        target = points[list(RIGID_POINTS)].astype(np.float64)
        motion = float(np.sqrt(np.mean(np.sum((target - reference) ** 2, axis=1))))
        homography, _mask = cv2.findHomography(reference, target, 0)
        if homography is None:
            residual = motion
        else:
            projected = cv2.perspectiveTransform(reference[None], homography)[0]
            residual = float(np.sqrt(np.mean(np.sum((target - projected) ** 2, axis=1))))
        largest_motion = max(largest_motion, motion / scale)
        largest_residual = max(largest_residual, residual / scale)
    return Planarity(motion=largest_motion, residual=largest_residual)


def texture_planarity(greys: list[np.ndarray], points68: np.ndarray) -> Planarity | None:
    """The planarity test on the face's own texture, tracked from the first frame.

    Corners inside the face (not on the eyes or the mouth, which move on their own) are tracked
    with pyramidal Lucas-Kanade frame to frame (forward-backward checked; every frame first
    brought to the first frame's brightness and contrast on the face); each frame's tracked
    points are fitted with one homography from the first frame. Print dots and screen pixels
    follow it to a fraction of a pixel; skin over a nose, cheeks and brows turning in 3-D does
    not. Measured as the median residual over the eye distance (robust to a few lost tracks).
    None when fewer than 12 points survive into the second frame.

    `rim_residual` fits the homography to the points away from the eyes only (more than
    RIM_EYE_DISTANCES eye distances from both eye centres) and takes the median residual of
    every point under it. A print with its eyes cut out is paper there, and the paper round
    the holes follows that homography; the real eyes behind the holes no longer pull the fit.
    A head's brows and eye sockets sit at another depth than its cheeks and jaw, so they do
    not follow it. None when fewer than 8 such points are tracked.
    """
    scale = max(eye_distance(points68), 1e-6)
    hull = cv2.convexHull(points68[list(range(0, 27))].astype(np.float32))
    mask = np.zeros(greys[0].shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, hull.astype(np.int32), 255)
    for region in (_LEFT_EYE, _RIGHT_EYE, tuple(range(48, 60))):
        centre = points68[list(region)].mean(axis=0)
        radius = int(0.3 * scale) if region != tuple(range(48, 60)) else int(0.45 * scale)
        cv2.circle(mask, (int(centre[0]), int(centre[1])), radius, 0, -1)
    greys = [_match_gain(grey, greys[0], mask) for grey in greys]
    start = cv2.goodFeaturesToTrack(
        greys[0], maxCorners=150, qualityLevel=0.01, minDistance=max(3, int(scale / 12)), mask=mask
    )
    if start is None or len(start) < 12:
        return None
    reference = start.reshape(-1, 2).astype(np.float32)
    rim = np.ones(len(reference), bool)
    for eye in (_LEFT_EYE, _RIGHT_EYE):
        centre = points68[list(eye)].mean(axis=0)
        rim &= np.linalg.norm(reference - centre, axis=1) > RIM_EYE_DISTANCES * scale
    current = reference.copy()
    alive = np.ones(len(reference), bool)
    largest_motion = 0.0
    largest_residual = 0.0
    largest_rim: float | None = None
    window = (max(15, int(scale / 3) | 1),) * 2
    for previous_grey, grey in itertools.pairwise(greys):
        forward, status, _error = cv2.calcOpticalFlowPyrLK(
            previous_grey, grey, current, current.copy(), winSize=window, maxLevel=3
        )
        backward, back_status, _error = cv2.calcOpticalFlowPyrLK(
            grey, previous_grey, forward, forward.copy(), winSize=window, maxLevel=3
        )
        agrees = np.linalg.norm(backward - current, axis=1) < 1.0
        alive &= status.ravel().astype(bool) & back_status.ravel().astype(bool) & agrees
        current = np.asarray(forward, np.float32)
        if alive.sum() < 12:
            break
        source, target = reference[alive], current[alive]
        homography, _mask = cv2.findHomography(source, target, 0)
        if homography is None:
            break
        projected = cv2.perspectiveTransform(source[None].astype(np.float64), homography)[0]
        residual = float(np.median(np.linalg.norm(target - projected, axis=1)))
        motion = float(np.median(np.linalg.norm(target - source, axis=1)))
        largest_motion = max(largest_motion, motion / scale)
        largest_residual = max(largest_residual, residual / scale)
        on_rim = rim[alive]
        if on_rim.sum() >= 8:
            rim_homography, _mask = cv2.findHomography(source[on_rim], target[on_rim], 0)
            if rim_homography is not None:
                projected = cv2.perspectiveTransform(
                    source[None].astype(np.float64), rim_homography
                )[0]
                rim_residual = float(np.median(np.linalg.norm(target - projected, axis=1)))
                largest_rim = max(largest_rim or 0.0, rim_residual / scale)
    if largest_motion == 0.0 and largest_residual == 0.0 and alive.sum() < 12:
        return None
    return Planarity(motion=largest_motion, residual=largest_residual, rim_residual=largest_rim)


def _match_gain(grey: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`grey` with the mean and spread of `reference` inside `mask` (the face).

    A sheet tilted under a lamp darkens or brightens as a whole from frame to frame; Lucas-
    Kanade assumes constant brightness and drifts on it, which reads as parallax on a plane.
    """
    inside = mask > 0
    if not inside.any():
        return grey
    values = grey[inside].astype(np.float32)
    target = reference[inside].astype(np.float32)
    gain = float(target.std()) / max(float(values.std()), 1.0)
    matched = (grey.astype(np.float32) - float(values.mean())) * gain + float(target.mean())
    return np.clip(matched, 0, 255).astype(np.uint8)


def burst_texture_planarity(
    frames_bgr: list[np.ndarray], observations: list[FrameObservation]
) -> Planarity | None:
    """`texture_planarity` of a burst, from the first frame's landmarks; None when it has none."""
    first = observations[0].points68 if observations else None
    if first is None:
        return None
    # Track at about 60 px between the eyes: enough texture, and a big face costs no more.
    factor = min(1.0, TRACKING_EYE_DISTANCE_PX / max(eye_distance(first), 1e-6))
    greys = [
        cv2.resize(
            cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY),
            None,
            fx=factor,
            fy=factor,
            interpolation=cv2.INTER_AREA,
        )
        for frame in frames_bgr
    ]
    return texture_planarity(greys, first * np.float32(factor))


SCREEN_SAMPLE_STEP = 3  # every third frame: the moire is there in every frame, the cost is not


def chroma_detail_ratio(face_bgr: np.ndarray) -> float:
    """Fine colour detail over fine brightness detail of one face crop.

    Band-pass (difference of Gaussians, sigma 0.7 and 1.5 px) of luma and of the two chroma
    planes (YCrCb); the ratio of the chroma magnitude's spread to the luma's. Skin, hair and
    eyes carry their fine detail in brightness (about 0.05-0.25); a screen filmed by a camera
    carries it in colour too, as the sub-pixel columns alias into moire (about 0.4 and up).
    """
    ycc = cv2.cvtColor(face_bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32)

    def band(plane: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(plane, (0, 0), 0.7) - cv2.GaussianBlur(plane, (0, 0), 1.5)

    luma = float(band(ycc[:, :, 0]).std())
    chroma = float(np.hypot(band(ycc[:, :, 1]), band(ycc[:, :, 2])).std())
    return chroma / max(luma, 1e-3)


def screen_chroma_ratio(
    frames_bgr: list[np.ndarray], observations: list[FrameObservation]
) -> float | None:
    """Median `chroma_detail_ratio` of the landmark box on every third frame with a face.

    None when no sampled frame has a face box of at least 24 x 24 pixels.
    """
    ratios = []
    for frame, observation in list(zip(frames_bgr, observations, strict=True))[
        ::SCREEN_SAMPLE_STEP
    ]:
        if observation.points68 is None:
            continue
        height, width = frame.shape[:2]
        x1, y1 = np.floor(observation.points68.min(axis=0)).astype(int)
        x2, y2 = np.ceil(observation.points68.max(axis=0)).astype(int)
        x1, y1, x2, y2 = max(x1, 0), max(y1, 0), min(x2, width), min(y2, height)
        if x2 - x1 < 24 or y2 - y1 < 24:
            continue
        ratios.append(chroma_detail_ratio(frame[y1:y2, x1:x2]))
    return float(np.median(ratios)) if ratios else None


def identity_spread(embeddings: list[np.ndarray]) -> float:
    """The weakest link: each sampled frame's best cosine to another sampled frame, lowest.

    A stranger in some frames has no partner and pulls it down; a head that nods far enough to
    change its embedding still has a partner among the frames with the same pose.
    """
    stacked = np.stack([item.astype(np.float64) for item in embeddings])
    stacked /= np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)
    similarity = stacked @ stacked.T
    np.fill_diagonal(similarity, -1.0)
    return float(similarity.max(axis=1).min())


def decide(
    observations: list[FrameObservation],
    *,
    challenge: str,
    thresholds: BurstThresholds,
    texture: Planarity | None = None,
    screen: float | None = None,
) -> LivenessDecision:
    """One decision for a burst whose shape has passed `check_burst_shape`.

    The first failed check gives the reason, in this order: face missing in a frame, face
    changed, challenge done too early, challenge not performed, planar face, passive score.
    A planar face is refused for a turn or a nod whatever the motion (the challenge itself
    must show parallax), and for a blink when the face moved enough for the test to count;
    `texture` (the tracked skin texture's planarity) refuses whenever it moved enough.
    `screen` (`screen_chroma_ratio`) above its limit is refused as a passive spoof, like a low
    passive score: both are evidence in the pixels of single frames.
    """
    details: dict[str, Any] = {"frames": len(observations)}
    missing = [index for index, item in enumerate(observations) if item.points68 is None]
    if missing:
        details["frames_without_face"] = missing
        return LivenessDecision(False, REASON_FACE_MISSING, challenge, details)
    embeddings = [item.embedding for item in observations if item.embedding is not None]
    if len(embeddings) >= 2:
        spread = identity_spread(embeddings)
        details["identity_min_cosine"] = round(spread, 4)
        if spread < thresholds.min_identity_cosine:
            return LivenessDecision(False, REASON_FACE_CHANGED, challenge, details)
    points = [item.points68 for item in observations if item.points68 is not None]
    times = [item.timestamp_ms for item in observations]
    outcome = challenge_outcome(
        challenge,
        times_ms=times,
        ear=[eye_aspect_ratio(item) for item in points],
        yaw_deg=[item.yaw_deg or 0.0 for item in observations],
        pitch_deg=[item.pitch_deg or 0.0 for item in observations],
        thresholds=thresholds,
    )
    details["challenge_measure"] = round(outcome.measure, 4)
    details["challenge_onset_ms"] = None if outcome.onset_ms is None else round(outcome.onset_ms, 1)
    plane = planarity(points)
    details["planar_motion"] = round(plane.motion, 4)
    details["planar_residual"] = round(plane.residual, 4)
    scores = [item.passive_score for item in observations if item.passive_score is not None]
    passive = float(np.median(scores)) if scores else None
    details["passive_median"] = None if passive is None else round(passive, 4)
    if not outcome.is_performed:
        return LivenessDecision(False, outcome.reason, challenge, details)
    is_planar = plane.residual < thresholds.planar_max_residual and (
        challenge != "blink" or plane.motion >= thresholds.planar_min_motion
    )
    if texture is not None:
        details["texture_motion"] = round(texture.motion, 4)
        details["texture_residual"] = round(texture.residual, 4)
        moved = texture.motion >= thresholds.texture_min_motion
        is_planar = is_planar or (moved and texture.residual < thresholds.texture_max_residual)
        if texture.rim_residual is not None:
            details["texture_rim_residual"] = round(texture.rim_residual, 4)
            is_planar = is_planar or (
                moved and texture.rim_residual < thresholds.texture_rim_max_residual
            )
    if is_planar:
        return LivenessDecision(False, REASON_PLANAR_FACE, challenge, details)
    if screen is not None:
        details["screen_chroma_ratio"] = round(screen, 4)
        if screen > thresholds.screen_max_chroma_ratio:
            return LivenessDecision(False, REASON_PASSIVE_SPOOF, challenge, details)
    if passive is None or passive < thresholds.passive_threshold:
        return LivenessDecision(False, REASON_PASSIVE_SPOOF, challenge, details)
    return LivenessDecision(True, None, challenge, details)


def raise_for(decision: LivenessDecision) -> None:
    """Raise the FaceError of a refused decision (its code is the decision's reason)."""
    if decision.is_live or decision.reason is None:
        return
    error_class = errors.LIVENESS_REFUSALS[decision.reason]
    raise error_class(errors.liveness_message(decision.reason), **decision.details)
