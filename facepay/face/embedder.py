"""Alignment (insightface norm_crop, 5-point ArcFace template) and the embedders."""

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


class PlainOnnxEmbedder:
    """An embedder fed by our own pre-processing, as the pack's input spec says: RGB or BGR,
    (x - mean) / std, NCHW, batch 1 (e.g. SFace: RGB, raw 0-255). Mirror pass as above."""

    def __init__(self, session: ort.InferenceSession, *, spec: dict[str, object], use_flip: bool):
        self._session = session
        self._input = session.get_inputs()[0].name
        self._rgb = str(spec.get("colour", "RGB")).upper() == "RGB"
        self._mean = float(spec.get("mean", 0.0))  # type: ignore[arg-type]
        self._std = float(spec.get("std", 1.0))  # type: ignore[arg-type]
        self._use_flip = use_flip
        self.dimension = int(session.get_outputs()[0].shape[-1])

    def _blob(self, aligned_bgr: np.ndarray) -> np.ndarray:
        pixels = aligned_bgr[:, :, ::-1] if self._rgb else aligned_bgr
        blob = (pixels.astype(np.float32) - self._mean) / self._std
        return np.ascontiguousarray(blob.transpose(2, 0, 1)[None])

    def embed(self, aligned_bgr: np.ndarray) -> np.ndarray:
        views = [aligned_bgr, aligned_bgr[:, ::-1]]
        total = np.zeros(self.dimension, dtype=np.float32)
        for view in views if self._use_flip else views[:1]:
            output = self._session.run(None, {self._input: self._blob(view)})[0]
            total += l2_normalise(np.asarray(output).reshape(-1))
        return l2_normalise(total)


def fusion_scales(weights: tuple[float, float]) -> tuple[float, float]:
    total = float(weights[0] + weights[1])
    return float(np.sqrt(weights[0] / total)), float(np.sqrt(weights[1] / total))


def fuse(parts: np.ndarray, *, first_dimension: int, weights: tuple[float, float]) -> np.ndarray:
    """Weighted template(s) from unweighted parts (rows of [v1, v2])."""
    first, second = fusion_scales(weights)
    fused = np.array(parts, dtype=np.float32, copy=True)
    fused[..., :first_dimension] *= first
    fused[..., first_dimension:] *= second
    return fused


class FusedEmbedder:
    """Two embedders on the same aligned crop, fused by z-score weights into one unit vector:
    [sqrt(w1) v1, sqrt(w2) v2] with w1 + w2 = 1, so a cosine between two fused vectors is
    w1 cos1 + w2 cos2 (the z-score sum up to a constant) and one gallery index serves both."""

    def __init__(
        self,
        first: ArcFaceEmbedder | PlainOnnxEmbedder,
        second: ArcFaceEmbedder | PlainOnnxEmbedder,
        *,
        weights: tuple[float, float],
    ) -> None:
        self._first, self._second = first, second
        self._scales = fusion_scales(weights)
        self.dimension = first.dimension + second.dimension

    def parts(self, aligned_bgr: np.ndarray) -> np.ndarray:
        """Both unit vectors, unweighted (the evaluation caches these, weights apart)."""
        return np.concatenate([self._first.embed(aligned_bgr), self._second.embed(aligned_bgr)])

    def embed(self, aligned_bgr: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [
                self._scales[0] * self._first.embed(aligned_bgr),
                self._scales[1] * self._second.embed(aligned_bgr),
            ]
        ).astype(np.float32)
