"""68-point landmarker and the 68 -> 5 point reduction used for ArcFace alignment."""

from __future__ import annotations

import cv2
import numpy as np
import onnxruntime as ort

from facepay.face.geometry import Box, crop_with_padding

INPUT_SIZE = 64
_LEFT_EYE = [37, 38, 40, 41]
_RIGHT_EYE = [43, 44, 46, 47]
_NOSE_TIP = 30


class Landmarker68:
    """Square crop of the box (side = max(w, h)), 64x64 grey, /256 -> 68 (x, y) points."""

    def __init__(self, session: ort.InferenceSession) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name

    def predict(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """68 x 2 float32 points in frame pixels."""
        x1, y1, x2, y2 = box
        side = max(x2 - x1, y2 - y1)
        centre_x, centre_y = (x1 + x2) / 2, (y1 + y2) / 2
        left, top = round(centre_x - side / 2), round(centre_y - side / 2)
        size = max(2, round(side))
        crop = crop_with_padding(frame_bgr, left, top, left + size, top + size)
        grey = cv2.cvtColor(cv2.resize(crop, (INPUT_SIZE, INPUT_SIZE)), cv2.COLOR_BGR2GRAY)
        tensor = (grey.astype(np.float32) / 256.0)[None, None]
        (output,) = self._session.run(None, {self._input: tensor})
        points = output.reshape(68, 2).astype(np.float32)
        return points * np.float32(size) + np.array([left, top], dtype=np.float32)


def five_points(points68: np.ndarray) -> np.ndarray:
    """Eye centres, nose tip and mouth corners in insightface order (5 x 2 float32)."""
    return np.stack(
        [
            points68[_LEFT_EYE].mean(axis=0),
            points68[_RIGHT_EYE].mean(axis=0),
            points68[_NOSE_TIP],
            points68[[48, 60]].mean(axis=0),
            points68[[54, 64]].mean(axis=0),
        ]
    ).astype(np.float32)
