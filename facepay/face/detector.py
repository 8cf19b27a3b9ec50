"""Face detector: Ultra-Light RFB-320 (outputs are already decoded boxes and scores)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from insightface.model_zoo.retinaface import RetinaFace

from facepay.face.geometry import Box, letterbox, nms

INPUT_WIDTH, INPUT_HEIGHT = 320, 240


@dataclass(frozen=True)
class Detection:
    box: Box  # frame pixels, x1, y1, x2, y2 (may reach slightly outside the frame)
    score: float  # detector confidence, 0-1
    points5: tuple[tuple[float, float], ...] | None = None  # when the detector gives keypoints


class UltraLightDetector:
    """Whole frame letterboxed to 320x240, RGB, (x-127)/128, NCHW; NMS on decoded boxes."""

    def __init__(
        self, session: ort.InferenceSession, *, score_threshold: float, nms_iou: float
    ) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self._score_threshold = score_threshold
        self._nms_iou = nms_iou

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Every face above the score threshold, highest score first."""
        canvas, box = letterbox(frame_bgr, width=INPUT_WIDTH, height=INPUT_HEIGHT)
        rgb = cv2.cvtColor(canvas, cv2.COLOR_BGR2RGB).astype(np.float32)
        tensor = ((rgb - 127.0) / 128.0).transpose(2, 0, 1)[None]
        scores, boxes = self._session.run(["scores", "boxes"], {self._input: tensor})
        face_scores = scores[0, :, 1]
        mask = face_scores >= self._score_threshold
        if not np.any(mask):
            return []
        chosen = boxes[0][mask] * np.array([INPUT_WIDTH, INPUT_HEIGHT] * 2, dtype=np.float32)
        chosen_scores = face_scores[mask]
        detections = []
        for index in nms(chosen, chosen_scores, iou_threshold=self._nms_iou):
            x1, y1, x2, y2 = chosen[index]
            frame_box = (
                float((x1 - box.pad_x) / box.scale),
                float((y1 - box.pad_y) / box.scale),
                float((x2 - box.pad_x) / box.scale),
                float((y2 - box.pad_y) / box.scale),
            )
            if frame_box[2] - frame_box[0] > 1 and frame_box[3] - frame_box[1] > 1:
                detections.append(Detection(box=frame_box, score=float(chosen_scores[index])))
        return detections


class InsightfaceDetector:
    """An operator pack's RetinaFace/SCRFD-style detector (letterboxes itself, gives 5 points)."""

    def __init__(
        self,
        session: ort.InferenceSession,
        *,
        model_path: Path,
        score_threshold: float,
        nms_iou: float,
        input_size: tuple[int, int],
    ) -> None:
        self._model = RetinaFace(model_file=str(model_path), session=session)
        # ctx_id 0 keeps our providers; a negative id would force CPU.
        self._model.prepare(
            0, input_size=input_size, det_thresh=score_threshold, nms_thresh=nms_iou
        )

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        """Every face above the score threshold, highest score first, with 5 keypoints."""
        boxes, keypoints = self._model.detect(frame_bgr)
        detections = []
        for position in np.argsort(-boxes[:, 4]) if len(boxes) else []:
            x1, y1, x2, y2, score = (float(value) for value in boxes[position])
            points = None
            if keypoints is not None:
                points = tuple((float(x), float(y)) for x, y in keypoints[position])
            detections.append(Detection(box=(x1, y1, x2, y2), score=score, points5=points))
        return detections
