"""Verification, identification and presentation-attack metrics (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OperatingPoint:
    far_target: float
    threshold: float  # accept when score >= threshold
    tar: float
    far: float  # measured at that threshold


def roc_auc(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """Probability that a genuine score beats an impostor score (ties count half)."""
    scores = np.concatenate([genuine, impostor])
    order = scores.argsort(kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # Average ranks over ties.
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(average, counts)
    genuine_rank_sum = ranks[: len(genuine)].sum()
    n_genuine, n_impostor = len(genuine), len(impostor)
    return float((genuine_rank_sum - n_genuine * (n_genuine + 1) / 2) / (n_genuine * n_impostor))


def _candidate_thresholds(scores: np.ndarray) -> np.ndarray:
    unique = np.unique(scores)
    midpoints = (unique[:-1] + unique[1:]) / 2 if len(unique) > 1 else unique
    return np.concatenate([[unique[0] - 1e-6], midpoints, [unique[-1] + 1e-6]])


def equal_error_rate(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(EER, threshold) where false accepts and false rejects are closest."""
    thresholds = _candidate_thresholds(np.concatenate([genuine, impostor]))
    far = (impostor[None, :] >= thresholds[:, None]).mean(axis=1)
    frr = (genuine[None, :] < thresholds[:, None]).mean(axis=1)
    best = int(np.argmin(np.abs(far - frr)))
    return float((far[best] + frr[best]) / 2), float(thresholds[best])


def best_accuracy(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """(accuracy, threshold) maximising correct same/different decisions."""
    thresholds = _candidate_thresholds(np.concatenate([genuine, impostor]))
    correct = (genuine[None, :] >= thresholds[:, None]).sum(axis=1) + (
        impostor[None, :] < thresholds[:, None]
    ).sum(axis=1)
    best = int(np.argmax(correct))
    return float(correct[best] / (len(genuine) + len(impostor))), float(thresholds[best])


def tar_at_far(genuine: np.ndarray, impostor: np.ndarray, *, far_target: float) -> OperatingPoint:
    """Lowest threshold whose measured FAR is <= far_target, and the TAR there."""
    ordered = np.sort(impostor)[::-1]
    allowed = int(np.floor(far_target * len(impostor)))  # impostors that may pass
    if allowed >= len(ordered):
        threshold = float(ordered[-1])
    else:
        # Just above the (allowed+1)-th highest impostor score.
        threshold = float(np.nextafter(ordered[allowed], np.inf))
    far = float((impostor >= threshold).mean())
    tar = float((genuine >= threshold).mean())
    return OperatingPoint(far_target=far_target, threshold=threshold, tar=tar, far=far)


def kfold_accuracy(
    scores: np.ndarray, labels: np.ndarray, folds: np.ndarray
) -> tuple[float, float, list[float]]:
    """Mean and std of held-out accuracy: each fold's threshold is tuned on the other folds."""
    accuracies = []
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        _, threshold = best_accuracy(scores[train & (labels == 1)], scores[train & (labels == 0)])
        predictions = scores[test] >= threshold
        accuracies.append(float((predictions == (labels[test] == 1)).mean()))
    return float(np.mean(accuracies)), float(np.std(accuracies)), accuracies


@dataclass(frozen=True)
class IdentificationResult:
    rank1: float  # enrolled probes whose top-1 is the right person (no threshold)
    fnir_at_fpir: dict[float, tuple[float, float]]  # fpir -> (fnir, threshold)
    enrolled_probes: int
    non_enrolled_probes: int
    gallery_size: int


def identification(
    gallery: np.ndarray,
    gallery_labels: np.ndarray,
    probes: np.ndarray,
    probe_labels: np.ndarray,
    *,
    fpir_targets: tuple[float, ...],
    probe_has_face: np.ndarray | None = None,
) -> IdentificationResult:
    """Open-set 1:N: rank-1 on mated probes; FNIR at the threshold that holds FPIR on non-mated.

    A probe label absent from gallery_labels is non-mated. FNIR counts a mated probe as missed
    when its top-1 is wrong or scores below the threshold. A probe without a face (per
    probe_has_face) is a miss when mated and raises no alarm when not (score -1).
    """
    similarities = probes @ gallery.T
    top = similarities.argmax(axis=1)
    top_scores = similarities[np.arange(len(probes)), top]
    is_mated = np.isin(probe_labels, gallery_labels)
    is_correct = gallery_labels[top] == probe_labels
    if probe_has_face is not None:
        is_correct &= probe_has_face
        top_scores = np.where(probe_has_face, top_scores, -1.0)
    rank1 = float(is_correct[is_mated].mean()) if is_mated.any() else float("nan")
    non_mated_scores = top_scores[~is_mated]
    results = {}
    for target in fpir_targets:
        point = tar_at_far(top_scores[is_mated], non_mated_scores, far_target=target)
        hits = is_correct[is_mated] & (top_scores[is_mated] >= point.threshold)
        results[target] = (float(1.0 - hits.mean()), point.threshold)
    return IdentificationResult(
        rank1=rank1,
        fnir_at_fpir=results,
        enrolled_probes=int(is_mated.sum()),
        non_enrolled_probes=int((~is_mated).sum()),
        gallery_size=len(gallery),
    )


@dataclass(frozen=True)
class AttackResult:
    threshold: float  # live when p(live) >= threshold
    apcer: float  # attacks accepted as live
    bpcer: float  # live people refused
    auc: float


def presentation_attack(live: np.ndarray, spoof: np.ndarray, *, threshold: float) -> AttackResult:
    """ISO 30107-3 error rates of a live-score threshold."""
    return AttackResult(
        threshold=threshold,
        apcer=float((spoof >= threshold).mean()) if len(spoof) else float("nan"),
        bpcer=float((live < threshold).mean()) if len(live) else float("nan"),
        auc=roc_auc(live, spoof) if len(live) and len(spoof) else float("nan"),
    )


def threshold_for_bpcer(live: np.ndarray, *, bpcer_target: float) -> float:
    """Highest live-score threshold that refuses at most bpcer_target of live samples."""
    ordered = np.sort(live)
    allowed = int(np.floor(bpcer_target * len(live)))
    return float(ordered[min(allowed, len(ordered) - 1)])
