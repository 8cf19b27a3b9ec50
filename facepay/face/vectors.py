"""Embedding arithmetic shared by enrolment and recognition (pure numpy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def mean_unit(embeddings: Sequence[np.ndarray]) -> np.ndarray:
    """The mean of several unit embeddings, scaled back to unit length (float32). One frame's
    embedding comes back as it was; an all-zero mean stays zero."""
    mean = np.stack(embeddings).astype(np.float32).mean(axis=0)
    mean /= float(np.linalg.norm(mean)) or 1.0
    return mean
