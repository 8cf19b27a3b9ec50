"""Alignment (insightface norm_crop, 5-point ArcFace template) and the 512-d embedder."""

from __future__ import annotations

import warnings

import cv2
import numpy as np
import onnxruntime as ort
from insightface.utils import face_align

ALIGNED_SIZE = 112

# insightface 0.7.3 calls a scikit-image API that now warns on every crop; the maths is unchanged.
warnings.filterwarnings("ignore", category=FutureWarning, module="insightface.utils.face_align")


def align(frame_bgr: np.ndarray, points5: np.ndarray) -> np.ndarray:
    """112x112 BGR crop by the standard 5-point similarity transform."""
    return face_align.norm_crop(frame_bgr, landmark=points5, image_size=ALIGNED_SIZE)


def l2_normalise(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return (vector / norm if norm > 0 else vector).astype(np.float32)


class ArcFaceEmbedder:
    """Aligned crop, RGB, (x-127.5)/127.5, NCHW -> L2-normalised float32 vector."""

    def __init__(self, session: ort.InferenceSession, *, use_flip: bool) -> None:
        self._session = session
        self._input = session.get_inputs()[0].name
        self._use_flip = use_flip  # test-time flip: mean of the crop and its mirror image
        self.dimension = int(session.get_outputs()[0].shape[-1])

    def embed(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """Unit-length embedding of one aligned crop."""
        rgb = cv2.cvtColor(aligned_bgr, cv2.COLOR_BGR2RGB).astype(np.float32)
        views = [rgb, rgb[:, ::-1]] if self._use_flip else [rgb]
        total = np.zeros(self.dimension, dtype=np.float32)
        for view in views:  # the exported graph has a fixed batch of 1
            tensor = ((view - 127.5) / 127.5).transpose(2, 0, 1)[None]
            (output,) = self._session.run(None, {self._input: np.ascontiguousarray(tensor)})
            total += l2_normalise(output[0])
        return l2_normalise(total)
