"""Alignment (insightface norm_crop, 5-point ArcFace template) and the 512-d embedder."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
from insightface.model_zoo.arcface_onnx import ArcFaceONNX
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
    """insightface's ArcFaceONNX on our session: it reads the model's own input mean/std, swaps
    BGR to RGB and feeds NCHW; we add the optional mirror pass and L2-normalise."""

    def __init__(self, session: ort.InferenceSession, *, model_path: Path, use_flip: bool) -> None:
        self._model = ArcFaceONNX(model_file=str(model_path), session=session)
        self._use_flip = use_flip  # test-time flip: mean of the crop and its mirror image
        self.dimension = int(session.get_outputs()[0].shape[-1])

    def embed(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """Unit-length embedding of one aligned BGR crop."""
        views = [aligned_bgr, np.ascontiguousarray(aligned_bgr[:, ::-1])]
        total = np.zeros(self.dimension, dtype=np.float32)
        for view in views if self._use_flip else views[:1]:  # exported graphs may fix batch 1
            total += l2_normalise(self._model.get_feat(view)[0])
        return l2_normalise(total)
