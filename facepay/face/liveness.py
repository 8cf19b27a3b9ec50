"""Passive liveness (MiniFASNet-like) and the optional depth-map flatness check."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from facepay.face.geometry import Box

INPUT_SIZE = 128
CROP_SCALE = 2.7


def liveness_crop(frame_bgr: np.ndarray, box: Box, *, scale: float = CROP_SCALE) -> np.ndarray:
    """The box scaled about its centre (shrunk if the frame is too small), shifted inside."""
    height, width = frame_bgr.shape[:2]
    x1, y1, x2, y2 = box
    box_width, box_height = max(x2 - x1, 1.0), max(y2 - y1, 1.0)
    scale = min((height - 1) / box_height, (width - 1) / box_width, scale)
    new_width, new_height = box_width * scale, box_height * scale
    centre_x, centre_y = x1 + box_width / 2, y1 + box_height / 2
    left = min(max(centre_x - new_width / 2, 0.0), width - 1 - new_width)
    top = min(max(centre_y - new_height / 2, 0.0), height - 1 - new_height)
    left_px, top_px = max(int(left), 0), max(int(top), 0)
    crop = frame_bgr[top_px : top_px + int(new_height), left_px : left_px + int(new_width)]
    return cv2.resize(crop, (INPUT_SIZE, INPUT_SIZE))


class PassiveLiveness:
    """128x128 crop, raw 0-255 in BGR order (the model was trained on OpenCV frames)."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name

    def score(self, frame_bgr: np.ndarray, box: Box) -> float:
        """Probability (0-1) that the face is a live person, softmax p[0]."""
        crop = liveness_crop(frame_bgr, box)
        tensor = crop.astype(np.float32).transpose(2, 0, 1)[None]
        (logits,) = self._session.run(None, {self._input: tensor})
        values = logits[0].astype(np.float64)
        probabilities = np.exp(values - values.max())
        return float(probabilities[0] / probabilities.sum())


def depth_relief_mm(
    depth: np.ndarray, box: Box, *, frame_width: int, frame_height: int, millimetres_per_unit: float
) -> float | None:
    """RMS residual (mm) of a least-squares plane through the inner face region of a depth map.

    A printed photo or a screen is a plane (residual near sensor noise); a real face has
    centimetres of relief. The depth map must be registered to the colour frame; it may have
    another resolution. Returns None when fewer than 50 valid (non-zero) depth pixels remain.
    """
    depth_height, depth_width = depth.shape[:2]
    scale_x, scale_y = depth_width / frame_width, depth_height / frame_height
    x1, y1, x2, y2 = box
    # Inner 60 % of the box: cheeks, eyes, nose, mouth; no background, hair or ears.
    margin_x, margin_y = 0.2 * (x2 - x1), 0.2 * (y2 - y1)
    left = max(0, int((x1 + margin_x) * scale_x))
    right = min(depth_width, int((x2 - margin_x) * scale_x))
    top = max(0, int((y1 + margin_y) * scale_y))
    bottom = min(depth_height, int((y2 - margin_y) * scale_y))
    region = depth[top:bottom, left:right].astype(np.float64) * millimetres_per_unit
    rows, columns = np.nonzero(region > 0)
    if rows.size < 50:
        return None
    values = region[rows, columns]
    design = np.column_stack([columns, rows, np.ones_like(columns)]).astype(np.float64)
    coefficients, *_ = np.linalg.lstsq(design, values, rcond=None)
    residual = values - design @ coefficients
    return float(np.sqrt(np.mean(residual**2)))
