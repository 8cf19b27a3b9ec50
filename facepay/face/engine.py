"""FaceEngine: every face in a frame, and the probe path with quality and liveness gates."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import cv2
import numpy as np

from facepay.face import burst, errors
from facepay.face.config import FaceConfig, get_config
from facepay.face.config import translate as _
from facepay.face.detector import Detection, InsightfaceDetector, UltraLightDetector
from facepay.face.embedder import ArcFaceEmbedder, FusedEmbedder, PlainOnnxEmbedder, align
from facepay.face.geometry import Box, head_pose_degrees, head_pose_degrees_5
from facepay.face.intake import IntakeImage
from facepay.face.landmarks import Landmarker68, five_points
from facepay.face.liveness import PassiveLiveness, depth_relief_mm
from facepay.face.pack import Calibration, PackManifest, check_license, load_manifest, verify_pack
from facepay.face.runtime import make_session

T = TypeVar("T")

# Faces described per frame, largest first: a crowd photo costs a few faces' work, not hundreds.
MAX_FACES = 4


@dataclass(frozen=True)
class FaceQuality:
    eye_distance_px: float  # between the eye centres, in frame pixels
    sharpness: float  # variance of the Laplacian of the 112x112 aligned grey crop
    brightness: float  # mean grey level 0-255 of the aligned crop
    yaw_deg: float  # + = the face turned to the image's right
    pitch_deg: float
    roll_deg: float


@dataclass(frozen=True)
class Face:
    box: Box
    detection_score: float
    prominence: float  # box side x closeness to the frame centre; picks the probe face
    landmarks: tuple[tuple[float, float], ...]  # 5 points: eyes, nose, mouth corners
    quality: FaceQuality
    liveness_score: float | None  # passive p(live); None when the pack has no liveness model
    embedding: np.ndarray | None  # unit float32 vector (read-only); None when not computed
    model_version: str  # pack@embedder-hash: templates must only meet the same version
    depth_relief_mm: float | None = None  # set by the probe path when a depth map came

    def summary(self) -> dict[str, Any]:
        """JSON-ready description without the embedding (for live feedback screens)."""
        return {
            "box": [round(value, 1) for value in self.box],
            "detection_score": round(self.detection_score, 4),
            "landmarks": [[round(x, 1), round(y, 1)] for x, y in self.landmarks],
            "quality": {name: round(value, 2) for name, value in asdict(self.quality).items()},
            "liveness_score": None
            if self.liveness_score is None
            else round(self.liveness_score, 4),
            "depth_relief_mm": self.depth_relief_mm,
            "model_version": self.model_version,
        }


def prominence(box: Box, *, width: int, height: int) -> float:
    """Box side weighted by closeness to the frame centre (a large background face loses)."""
    x1, y1, x2, y2 = box
    side = math.sqrt(max(x2 - x1, 0.0) * max(y2 - y1, 0.0))
    distance = math.hypot((x1 + x2) / 2 - width / 2, (y1 + y2) / 2 - height / 2)
    closeness = max(0.0, 1.0 - distance / (0.5 * math.hypot(width, height)))
    return side * closeness


def largest(detections: list[Detection], limit: int = MAX_FACES) -> list[Detection]:
    """The `limit` detections with the largest boxes (landmarks and liveness run per face)."""
    if len(detections) <= limit:
        return detections
    return sorted(
        detections,
        key=lambda item: (item.box[2] - item.box[0]) * (item.box[3] - item.box[1]),
        reverse=True,
    )[:limit]


class FaceEngine:
    """Shared, thread-safe face pipeline of one model pack (sessions are created once)."""

    def __init__(
        self, manifest: PackManifest, *, config: FaceConfig, use_flip: bool = True
    ) -> None:
        check_license(manifest, config=config)
        verify_pack(manifest, config=config)
        self.manifest = manifest
        self.model_version = manifest.model_version
        threads = config.threads_per_session
        detector_path = manifest.path_of("detector", config)
        detector_input = manifest.files["detector"].input
        score_threshold = float(detector_input.get("score_threshold", 0.65))
        nms_iou = float(detector_input.get("nms_iou", 0.4))
        self.detector: UltraLightDetector | InsightfaceDetector
        self.landmarker: Landmarker68 | None = None
        if manifest.kind == "insightface":
            width, height = detector_input.get("size", (640, 640))
            self.detector = InsightfaceDetector(
                make_session(detector_path, threads=threads),
                model_path=detector_path,
                score_threshold=score_threshold,
                nms_iou=nms_iou,
                input_size=(int(width), int(height)),
            )
        else:
            self.detector = UltraLightDetector(
                make_session(detector_path, threads=threads),
                score_threshold=score_threshold,
                nms_iou=nms_iou,
            )
            self.landmarker = Landmarker68(
                make_session(manifest.path_of("landmarker", config), threads=threads)
            )
        self.embedder: ArcFaceEmbedder | PlainOnnxEmbedder | FusedEmbedder = self._embedder(
            "embedder", config=config, use_flip=use_flip
        )
        if "embedder_secondary" in manifest.files:
            fusion = manifest.files["embedder_secondary"].input
            self.embedder = FusedEmbedder(
                self.embedder,
                self._embedder("embedder_secondary", config=config, use_flip=use_flip),
                weights=(float(fusion["fusion_weights"][0]), float(fusion["fusion_weights"][1])),
            )
        self.liveness = (
            PassiveLiveness(make_session(manifest.path_of("liveness", config), threads=threads))
            if "liveness" in manifest.files
            else None
        )
        # A burst's frames are independent until the decision: a counter waits for all of them,
        # so they are observed a few at a time (onnxruntime and OpenCV release the GIL).
        self._frame_pool = (
            ThreadPoolExecutor(max_workers=config.burst_threads, thread_name_prefix="burst-frame")
            if config.burst_threads > 1
            else None
        )

    def map_frames(self, function: Callable[..., T], *items: Iterable[Any]) -> list[T]:
        """`function` over a burst's frames, in order, on the burst threads (a frame's error is
        raised as in a plain loop: the first failing frame's)."""
        if self._frame_pool is None:
            return list(map(function, *items))
        return list(self._frame_pool.map(function, *items))

    def _embedder(
        self, role: str, *, config: FaceConfig, use_flip: bool
    ) -> ArcFaceEmbedder | PlainOnnxEmbedder:
        path = self.manifest.path_of(role, config)
        spec = self.manifest.files[role].input
        session = make_session(path, threads=config.threads_per_session)
        if "mean" in spec:  # the pack states its own pre-processing (e.g. SFace: raw 0-255 RGB)
            return PlainOnnxEmbedder(session, spec=spec, use_flip=use_flip)
        return ArcFaceEmbedder(session, model_path=path, use_flip=use_flip)

    def locate(
        self, frame_bgr: np.ndarray, detection: Detection
    ) -> tuple[np.ndarray, tuple[float, float, float]]:
        """The 5 alignment points and (yaw, pitch, roll) of one detected face."""
        height, width = frame_bgr.shape[:2]
        if self.landmarker is None:
            if detection.points5 is None:
                raise errors.NoFace(_("The detector gave no landmarks for this face."))
            points5 = np.array(detection.points5, dtype=np.float32)
            return points5, head_pose_degrees_5(points5, width=width, height=height)
        points68 = self.landmarker.predict(frame_bgr, detection.box)
        return five_points(points68), head_pose_degrees(points68, width=width, height=height)

    @property
    def calibration(self) -> Calibration:
        if self.manifest.calibration is None:
            raise errors.ModelPackMissing(
                f"Pack {self.manifest.name!r} is not calibrated: run `manage.py face_eval "
                "--calibrate`.",
                pack=self.manifest.name,
            )
        return self.manifest.calibration

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Detect faces (at most MAX_FACES, the largest); when none is found, retry once on the
        frame padded by a quarter.

        Tightly cropped faces (a face filling the frame) are missed by the 320x240 detector;
        the padded retry costs one more detector run only on frames that found nothing.
        """
        detections = self.detector.detect(frame_bgr)
        if detections:
            return largest(detections)
        height, width = frame_bgr.shape[:2]
        pad_x, pad_y = width // 4, height // 4
        padded = cv2.copyMakeBorder(
            frame_bgr, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT, value=(0, 0, 0)
        )
        return largest(
            [
                Detection(
                    box=(
                        item.box[0] - pad_x,
                        item.box[1] - pad_y,
                        item.box[2] - pad_x,
                        item.box[3] - pad_y,
                    ),
                    score=item.score,
                    points5=None
                    if item.points5 is None
                    else tuple((x - pad_x, y - pad_y) for x, y in item.points5),
                )
                for item in self.detector.detect(padded)
            ]
        )

    def describe(
        self,
        frame_bgr: np.ndarray,
        detection: Detection,
        *,
        with_embedding: bool = True,
        with_liveness: bool = True,
    ) -> Face:
        """Landmarks, quality, liveness and embedding of one detected face."""
        height, width = frame_bgr.shape[:2]
        points5, (yaw, pitch, roll) = self.locate(frame_bgr, detection)
        aligned = align(frame_bgr, points5)
        grey = cv2.cvtColor(aligned, cv2.COLOR_BGR2GRAY)
        quality = FaceQuality(
            eye_distance_px=float(np.linalg.norm(points5[1] - points5[0])),
            sharpness=float(cv2.Laplacian(grey, cv2.CV_64F).var()),
            brightness=float(grey.mean()),
            yaw_deg=yaw,
            pitch_deg=pitch,
            roll_deg=roll,
        )
        liveness_score = (
            self.liveness.score(frame_bgr, detection.box)
            if with_liveness and self.liveness is not None
            else None
        )
        embedding = None
        if with_embedding:
            embedding = self.embedder.embed(aligned)
            embedding.setflags(write=False)
        return Face(
            box=detection.box,
            detection_score=detection.score,
            prominence=prominence(detection.box, width=width, height=height),
            landmarks=tuple((float(x), float(y)) for x, y in points5),
            quality=quality,
            liveness_score=liveness_score,
            embedding=embedding,
            model_version=self.model_version,
        )

    def analyze(
        self, image: IntakeImage | np.ndarray, *, with_embedding: bool = True
    ) -> list[Face]:
        """Every detected face, most prominent first. Never raises for zero faces."""
        frame = image.pixels_bgr if isinstance(image, IntakeImage) else image
        faces = [
            self.describe(frame, detection, with_embedding=with_embedding)
            for detection in self.detect(frame)
        ]
        return sorted(faces, key=lambda face: face.prominence, reverse=True)

    def pick_probe_detection(self, frame_bgr: np.ndarray) -> Detection:
        """The most prominent face; raises NoFace, or MultipleFaces when another is close."""
        height, width = frame_bgr.shape[:2]
        detections = self.detect(frame_bgr)
        if not detections:
            raise errors.NoFace(_("No face was found in the image."))
        ranked = sorted(
            detections,
            key=lambda item: prominence(item.box, width=width, height=height),
            reverse=True,
        )
        if len(ranked) > 1:
            first = prominence(ranked[0].box, width=width, height=height)
            second = prominence(ranked[1].box, width=width, height=height)
            if second >= self.calibration.multiple_faces_ratio * first:
                raise errors.MultipleFaces(
                    _("More than one face is in view; only one person may face the camera."),
                    faces=len(ranked),
                )
        return ranked[0]

    def check_quality(self, face: Face) -> None:
        """Raise the first failed gate: face_too_small, face_turned, face_blurred, exposure."""
        gates = self.calibration
        quality = face.quality
        if quality.eye_distance_px < gates.min_eye_distance_px:
            raise errors.FaceTooSmall(
                _("Come closer to the camera."),
                eye_distance_px=round(quality.eye_distance_px, 1),
                min_eye_distance_px=gates.min_eye_distance_px,
            )
        if abs(quality.yaw_deg) > gates.max_yaw_deg or abs(quality.pitch_deg) > gates.max_pitch_deg:
            raise errors.FaceTurned(
                _("Look straight at the camera."),
                yaw_deg=round(quality.yaw_deg, 1),
                pitch_deg=round(quality.pitch_deg, 1),
            )
        if quality.sharpness < gates.min_sharpness:
            raise errors.FaceBlurred(
                _("Hold still: the picture is blurred."), sharpness=round(quality.sharpness, 1)
            )
        # Which way the exposure fails is said (and coded): the fix is opposite for each.
        if quality.brightness < gates.min_brightness:
            raise errors.FaceTooDark(
                _("The face is too dark: more light is needed."),
                brightness=round(quality.brightness, 1),
                min_brightness=gates.min_brightness,
            )
        if quality.brightness > gates.max_brightness:
            raise errors.FaceTooBright(
                _("The face is too bright: step out of the strong light."),
                brightness=round(quality.brightness, 1),
                max_brightness=gates.max_brightness,
            )

    def probe(
        self,
        image: IntakeImage | np.ndarray,
        *,
        depth: np.ndarray | None = None,
        depth_millimetres_per_unit: float = 1.0,
        require_liveness: bool = True,
    ) -> Face:
        """The one face to recognise, with its embedding, after every gate has passed.

        Raises NoFace, MultipleFaces, FaceTooSmall, FaceTurned, FaceBlurred, FaceBadlyExposed
        (as FaceTooDark or FaceTooBright) or SpoofSuspected (passive score below the calibrated
        threshold, or a flat depth map).
        """
        frame = image.pixels_bgr if isinstance(image, IntakeImage) else image
        detection = self.pick_probe_detection(frame)
        face = self.describe(frame, detection, with_embedding=False, with_liveness=True)
        self.check_quality(face)
        gates = self.calibration
        if require_liveness and (
            face.liveness_score is None or face.liveness_score < gates.liveness_threshold
        ):
            raise errors.SpoofSuspected(
                _("The camera could not confirm a live person."),
                liveness_score=face.liveness_score,
                liveness_threshold=gates.liveness_threshold,
            )
        relief = None
        if depth is not None:
            height, width = frame.shape[:2]
            relief = depth_relief_mm(
                depth,
                detection.box,
                frame_width=width,
                frame_height=height,
                millimetres_per_unit=depth_millimetres_per_unit,
            )
            if relief is None or relief < gates.depth_min_relief_mm:
                raise errors.SpoofSuspected(
                    _("The face looks flat to the depth camera."),
                    depth_relief_mm=relief,
                    depth_min_relief_mm=gates.depth_min_relief_mm,
                )
        embedding = self.embedder.embed(align(frame, np.array(face.landmarks, dtype=np.float32)))
        embedding.setflags(write=False)
        return Face(
            box=face.box,
            detection_score=face.detection_score,
            prominence=face.prominence,
            landmarks=face.landmarks,
            quality=face.quality,
            liveness_score=face.liveness_score,
            embedding=embedding,
            model_version=face.model_version,
            depth_relief_mm=relief,
        )

    def observe_burst(
        self,
        frames_bgr: list[np.ndarray],
        timestamps_ms: list[float],
        *,
        identity_samples: int = 5,
    ) -> list[burst.FrameObservation]:
        """Landmarks, pose and passive score of the most prominent face in every frame, and an
        embedding on `identity_samples` frames spread over the burst (for the identity check).
        The texture planarity test is `burst.texture_planarity` on the same frames.

        Raises BurstLandmarksUnavailable when the pack has no 68-point landmarker.
        """
        if self.landmarker is None:
            raise errors.BurstLandmarksUnavailable(
                _("This model pack cannot check a recording (no 68-point landmarks)."),
                pack=self.manifest.name,
            )
        landmarker = self.landmarker
        count = len(frames_bgr)
        sampled = set(np.linspace(0, count - 1, min(identity_samples, count)).round().astype(int))

        def observe(index: int, frame: np.ndarray, timestamp: float) -> burst.FrameObservation:
            height, width = frame.shape[:2]
            detections = self.detect(frame)
            if not detections:
                return burst.FrameObservation(float(timestamp), None, None, None, None, None)
            detection = max(
                detections, key=lambda item: prominence(item.box, width=width, height=height)
            )
            points68 = landmarker.predict(frame, detection.box)
            yaw, pitch, _roll = head_pose_degrees(points68, width=width, height=height)
            passive = None if self.liveness is None else self.liveness.score(frame, detection.box)
            embedding = None
            if index in sampled:
                embedding = self.embedder.embed(align(frame, five_points(points68)))
            return burst.FrameObservation(
                timestamp_ms=float(timestamp),
                points68=points68,
                yaw_deg=yaw,
                pitch_deg=pitch,
                passive_score=passive,
                embedding=embedding,
            )

        return self.map_frames(observe, range(count), frames_bgr, timestamps_ms)


_engine: FaceEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> FaceEngine:
    """The process-wide engine of the configured pack, created on first use (thread-safe)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                config = get_config()
                _engine = FaceEngine(load_manifest(config.pack), config=config)
    return _engine
