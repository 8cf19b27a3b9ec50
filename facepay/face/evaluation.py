"""Run the engine over a photo folder (in parallel, cached on disk) and compute the reports.

Used by `manage.py face_eval` and by the tests; plain Python, no Django.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facepay.face import errors, metrics
from facepay.face.config import FaceConfig
from facepay.face.embedder import FusedEmbedder, align, fuse
from facepay.face.engine import FaceEngine, prominence
from facepay.face.intake import RESEARCH_FORMATS, read_image_file
from facepay.face.pack import PackManifest

# Bump when pre-processing changes so cached embeddings are recomputed.
PIPELINE_VERSION = "3"
QUALITY_FIELDS = (
    "eye_distance_px",
    "sharpness",
    "brightness",
    "yaw_deg",
    "pitch_deg",
    "roll_deg",
    "second_face_ratio",  # prominence of the runner-up face / the chosen one; 0 when alone
)
FPIR_TARGETS = (1e-2, 1e-3)
FAR_TARGETS = (1e-2, 1e-3, 0.0)
LFW_FOLD_ROWS = 600  # official View-2 fold: 300 same, then 300 different pairs


@dataclass(frozen=True)
class EmbeddedSet:
    files: tuple[str, ...]  # relative to the root
    has_face: np.ndarray  # bool per file
    embeddings: np.ndarray  # N x D float32, zeros where no face
    liveness: np.ndarray  # p(live) per file, nan where no face
    quality: np.ndarray  # N x len(QUALITY_FIELDS), nan where no face

    def index(self) -> dict[str, int]:
        return {name: position for position, name in enumerate(self.files)}


_worker_engine: FaceEngine | None = None


def _worker_start(manifest: PackManifest, config: FaceConfig, use_flip: bool) -> None:
    global _worker_engine
    _worker_engine = FaceEngine(manifest, config=config, use_flip=use_flip)


def _embed_one(root: Path, name: str) -> tuple[bool, np.ndarray | None, float, list[float]]:
    engine = _worker_engine
    assert engine is not None  # noqa: S101 - set by the pool initialiser
    nan_quality = [float("nan")] * len(QUALITY_FIELDS)
    try:
        image = read_image_file(
            root / name, max_bytes=64 << 20, max_pixels=64_000_000, allowed_formats=RESEARCH_FORMATS
        )
    except errors.FaceError:
        return False, None, float("nan"), nan_quality
    frame = image.pixels_bgr
    height, width = frame.shape[:2]
    detections = engine.detect(frame)
    if not detections:
        return False, None, float("nan"), nan_quality
    ranked = sorted(
        detections, key=lambda item: prominence(item.box, width=width, height=height), reverse=True
    )
    fused = isinstance(engine.embedder, FusedEmbedder)
    face = engine.describe(frame, ranked[0], with_embedding=not fused)
    embedding = face.embedding
    if isinstance(engine.embedder, FusedEmbedder):  # cached unweighted: weights apply on load
        embedding = engine.embedder.parts(align(frame, np.array(face.landmarks, np.float32)))
    ratio = (
        prominence(ranked[1].box, width=width, height=height) / max(face.prominence, 1e-9)
        if len(ranked) > 1
        else 0.0
    )
    quality = face.quality
    values = [
        quality.eye_distance_px,
        quality.sharpness,
        quality.brightness,
        quality.yaw_deg,
        quality.pitch_deg,
        quality.roll_deg,
        ratio,
    ]
    liveness = float("nan") if face.liveness_score is None else face.liveness_score
    return True, embedding, liveness, values


def _embed_chunk(
    root: Path, names: list[str]
) -> list[tuple[bool, np.ndarray | None, float, list[float]]]:
    return [_embed_one(root, name) for name in names]


def _cache_path(root: Path, manifest: PackManifest, config: FaceConfig, use_flip: bool) -> Path:
    key = f"{root.resolve()}|{manifest.model_version}|flip={use_flip}|v{PIPELINE_VERSION}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return config.cache_dir / f"embeddings-{manifest.name}-{digest}.npz"


def embed_files(
    root: Path,
    names: Iterable[str],
    *,
    manifest: PackManifest,
    config: FaceConfig,
    use_flip: bool = True,
    workers: int | None = None,
) -> EmbeddedSet:
    """Embed the most prominent face of each file; results are cached per pack and root."""
    wanted = list(dict.fromkeys(names))
    cache = _cache_path(root, manifest, config, use_flip)
    known: dict[str, tuple[bool, np.ndarray | None, float, list[float]]] = {}
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as stored:
            # Each NpzFile item access re-reads the whole array: read every array once.
            files, has_face = stored["files"].tolist(), stored["has_face"]
            vectors, liveness, quality = stored["embeddings"], stored["liveness"], stored["quality"]
        for position, name in enumerate(files):
            known[name] = (
                bool(has_face[position]),
                vectors[position],
                float(liveness[position]),
                quality[position].tolist(),
            )
    missing = [name for name in wanted if name not in known]
    if missing:
        count = workers or max(1, min(os.cpu_count() or 1, 8))
        chunks = [missing[start : start + 64] for start in range(0, len(missing), 64)]
        with ProcessPoolExecutor(
            max_workers=count, initializer=_worker_start, initargs=(manifest, config, use_flip)
        ) as pool:
            for chunk, results in zip(
                chunks, pool.map(_embed_chunk, [root] * len(chunks), chunks), strict=True
            ):
                known.update(zip(chunk, results, strict=True))
        _save(cache, known)
    dimension = next((len(item[1]) for item in known.values() if item[1] is not None), 512)
    embeddings = np.zeros((len(wanted), dimension), dtype=np.float32)
    for position, name in enumerate(wanted):
        vector = known[name][1]
        if known[name][0] and vector is not None:
            embeddings[position] = vector
    weights = fusion_weights(manifest)
    if weights is not None:
        dimension = int(manifest.files["embedder"].input.get("dimension", 512))
        embeddings = fuse(embeddings, first_dimension=dimension, weights=weights)
    return EmbeddedSet(
        files=tuple(wanted),
        has_face=np.array([known[name][0] for name in wanted], dtype=bool),
        embeddings=embeddings,
        liveness=np.array([known[name][2] for name in wanted], dtype=np.float64),
        quality=np.array([known[name][3] for name in wanted], dtype=np.float64),
    )


def fusion_weights(manifest: PackManifest) -> tuple[float, float] | None:
    if "embedder_secondary" not in manifest.files:
        return None
    weights = manifest.files["embedder_secondary"].input["fusion_weights"]
    return float(weights[0]), float(weights[1])


def split_fused(embedded: EmbeddedSet, *, first_dimension: int) -> tuple[EmbeddedSet, EmbeddedSet]:
    """Each embedder's own unit vectors out of fused templates (for the fusion study)."""

    def unit(rows: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)

    first = unit(embedded.embeddings[:, :first_dimension])
    second = unit(embedded.embeddings[:, first_dimension:])
    return (
        EmbeddedSet(embedded.files, embedded.has_face, first, embedded.liveness, embedded.quality),
        EmbeddedSet(embedded.files, embedded.has_face, second, embedded.liveness, embedded.quality),
    )


def _save(
    cache: Path, known: dict[str, tuple[bool, np.ndarray | None, float, list[float]]]
) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    names = sorted(known)
    dimension = next((len(item[1]) for item in known.values() if item[1] is not None), 512)
    embeddings = np.zeros((len(names), dimension), dtype=np.float32)
    for position, name in enumerate(names):
        vector = known[name][1]
        if vector is not None:
            embeddings[position] = vector
    temporary = cache.with_suffix(".tmp.npz")
    np.savez(
        temporary,
        files=np.array(names),
        has_face=np.array([known[name][0] for name in names]),
        embeddings=embeddings,
        liveness=np.array([known[name][2] for name in names]),
        quality=np.array([known[name][3] for name in names]),
    )
    os.replace(temporary, cache)


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    """Rows of file_a, file_b, same (1 or 0)."""
    with path.open(newline="") as handle:
        return [(row["file_a"], row["file_b"], int(row["same"])) for row in csv.DictReader(handle)]


def lfw_fold_count(pairs: list[tuple[str, str, int]]) -> int:
    """Leading blocks of 600 rows laid out as LFW View-2 folds (300 same, then 300 different)."""
    count = 0
    for start in range(0, len(pairs) - LFW_FOLD_ROWS + 1, LFW_FOLD_ROWS):
        block = [label for _, _, label in pairs[start : start + LFW_FOLD_ROWS]]
        if block[:300] != [1] * 300 or block[300:] != [0] * 300:
            break
        count += 1
    return count


@dataclass(frozen=True)
class VerificationReport:
    pairs: int
    images: int
    detect_failures: int  # images in which no face was found
    detect_failure_rate: float
    pairs_with_failure: int  # scored -1 (a refusal), never dropped
    auc: float
    eer: float
    eer_threshold: float
    best_accuracy: float
    best_accuracy_threshold: float
    operating_points: tuple[metrics.OperatingPoint, ...]
    kfold_accuracy: float  # 10-fold CV over all pairs (threshold from the other 9 folds)
    kfold_std: float
    lfw_official_folds: int  # complete LFW View-2 folds found at the head of the file
    lfw_official_accuracy: float | None  # leave-one-fold-out over those folds
    lfw_official_std: float | None


def pair_scores(pairs: list[tuple[str, str, int]], embedded: EmbeddedSet) -> np.ndarray:
    """Cosine per pair; -1 when either image had no face (counted as a rejection)."""
    index = embedded.index()
    first = np.array([index[a] for a, _, _ in pairs])
    second = np.array([index[b] for _, b, _ in pairs])
    scores = np.einsum("ij,ij->i", embedded.embeddings[first], embedded.embeddings[second])
    failed = ~(embedded.has_face[first] & embedded.has_face[second])
    return np.where(failed, -1.0, scores).astype(np.float64)


def verification_report(
    pairs: list[tuple[str, str, int]], embedded: EmbeddedSet
) -> VerificationReport:
    """Pair metrics; folds for k-fold accuracy are assigned round-robin (balanced labels)."""
    scores = pair_scores(pairs, embedded)
    labels = np.array([label for _, _, label in pairs])
    genuine, impostor = scores[labels == 1], scores[labels == 0]
    eer, eer_threshold = metrics.equal_error_rate(genuine, impostor)
    accuracy, accuracy_threshold = metrics.best_accuracy(genuine, impostor)
    points = tuple(
        metrics.tar_at_far(genuine, impostor, far_target=target) for target in FAR_TARGETS
    )
    ten_folds = np.zeros(len(pairs), dtype=int)
    for label in (0, 1):
        positions = np.flatnonzero(labels == label)
        ten_folds[positions] = np.arange(len(positions)) % 10
    kfold_mean, kfold_std, _ = metrics.kfold_accuracy(scores, labels, ten_folds)
    official = lfw_fold_count(pairs)
    official_accuracy = official_std = None
    if official >= 2:
        rows = official * LFW_FOLD_ROWS
        folds = np.arange(rows) // LFW_FOLD_ROWS
        official_accuracy, official_std, _ = metrics.kfold_accuracy(
            scores[:rows], labels[:rows], folds
        )
    images = {name for a, b, _ in pairs for name in (a, b)}
    index = embedded.index()
    failures = sum(1 for name in images if not embedded.has_face[index[name]])
    failed_pairs = int(
        sum(
            1
            for a, b, _ in pairs
            if not (embedded.has_face[index[a]] and embedded.has_face[index[b]])
        )
    )
    return VerificationReport(
        pairs=len(pairs),
        images=len(images),
        detect_failures=failures,
        detect_failure_rate=failures / max(len(images), 1),
        pairs_with_failure=failed_pairs,
        auc=metrics.roc_auc(genuine, impostor),
        eer=eer,
        eer_threshold=eer_threshold,
        best_accuracy=accuracy,
        best_accuracy_threshold=accuracy_threshold,
        operating_points=points,
        kfold_accuracy=kfold_mean,
        kfold_std=kfold_std,
        lfw_official_folds=official,
        lfw_official_accuracy=official_accuracy,
        lfw_official_std=official_std,
    )


def identity_of(name: str) -> str:
    """Folder name = identity; the deepface duplicates of two LFW people are merged."""
    folder = name.split("/", 1)[0]
    return {"deepface_Angelina": "Angelina_Jolie", "deepface_Jennifer": "Jennifer_Aniston"}.get(
        folder, folder
    )


def list_images(root: Path) -> list[str]:
    """Every image under identity folders, relative to root, sorted."""
    suffixes = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
    return sorted(
        str(path.relative_to(root)) for path in root.glob("*/*") if path.suffix.lower() in suffixes
    )


# LFW photos whose most prominent face is another, enrolled person (checked by eye): the
# detector rightly finds that person, so they are neither a mated nor a non-mated probe.
KNOWN_LABEL_ERRORS = {
    "Carlos_Ruckauf/1.jpg": "the central face is Eduardo_Duhalde",
    "Recep_Tayyip_Erdogan/4.jpg": "the central face is Abdullah_Gul",
}


@dataclass(frozen=True)
class IdentificationSplit:
    gallery: list[str]  # first image of every other multi-image identity
    mated_probes: list[str]  # remaining images of the enrolled identities
    non_mated_probes: list[str]  # every image of identities left out of the gallery


def identification_split(names: list[str]) -> IdentificationSplit:
    """Deterministic open-set split.

    Identities with 2+ images alternate between enrolled and non-enrolled (by sorted name);
    single-image identities are all non-enrolled (they have no second image to probe with).
    Photos in KNOWN_LABEL_ERRORS are left out.
    """
    by_identity: dict[str, list[str]] = {}
    for name in names:
        if name in KNOWN_LABEL_ERRORS:
            continue
        by_identity.setdefault(identity_of(name), []).append(name)
    gallery: list[str] = []
    mated: list[str] = []
    non_mated: list[str] = []
    multi = sorted(identity for identity, files in by_identity.items() if len(files) > 1)
    enrolled = set(multi[::2])
    for identity, files in sorted(by_identity.items()):
        if identity in enrolled:
            gallery.append(files[0])
            mated.extend(files[1:])
        else:
            non_mated.extend(files)
    return IdentificationSplit(gallery=gallery, mated_probes=mated, non_mated_probes=non_mated)


@dataclass(frozen=True)
class IdentificationReport:
    result: metrics.IdentificationResult
    gallery_failures: int  # gallery images without a face (left out of the gallery)
    probe_failures: int  # probes without a face (counted as misses for mated probes)


def identification_report(
    split: IdentificationSplit, embedded: EmbeddedSet
) -> IdentificationReport:
    """1:N open-set report. Mated probes without a face count as misses in rank-1 and FNIR."""
    index = embedded.index()
    gallery = [name for name in split.gallery if embedded.has_face[index[name]]]
    gallery_vectors = embedded.embeddings[[index[name] for name in gallery]]
    gallery_labels = np.array([identity_of(name) for name in gallery])
    probes = split.mated_probes + split.non_mated_probes
    probe_vectors = embedded.embeddings[[index[name] for name in probes]]
    probe_labels = np.array([identity_of(name) for name in probes])
    has_face = np.array([embedded.has_face[index[name]] for name in probes])
    result = metrics.identification(
        gallery_vectors,
        gallery_labels,
        probe_vectors,
        probe_labels,
        fpir_targets=FPIR_TARGETS,
        probe_has_face=has_face,
    )
    return IdentificationReport(
        result=result,
        gallery_failures=len(split.gallery) - len(gallery),
        probe_failures=int((~has_face).sum()),
    )


def read_spoof_labels(path: Path) -> list[tuple[str, str, str]]:
    """(file, live|spoof, attack type) from labels.csv, with attacks from a sibling manifest."""
    attacks: dict[str, str] = {}
    manifest = path.parent / "manifest.csv"
    if manifest.is_file():
        with manifest.open(newline="") as handle:
            attacks = {row["file"]: row.get("attack", "") for row in csv.DictReader(handle)}
    with path.open(newline="") as handle:
        return [
            (row["file"], row["label"], attacks.get(row["file"], "") or "")
            for row in csv.DictReader(handle)
        ]


@dataclass(frozen=True)
class SpoofReport:
    samples: int
    detect_failures: int  # no face found: the sample is refused (live -> BPCER, spoof -> OK)
    at_threshold: metrics.AttackResult
    per_attack: dict[str, metrics.AttackResult]  # attack type vs all live samples
    per_source: dict[str, metrics.AttackResult]  # first folder (dataset) of the files


def spoof_report(
    samples: list[tuple[str, str, str]], embedded: EmbeddedSet, *, threshold: float
) -> SpoofReport:
    """APCER/BPCER at a threshold; a sample without a detected face scores 0 (refused)."""
    index = embedded.index()
    scores = np.array(
        [
            embedded.liveness[index[name]] if embedded.has_face[index[name]] else 0.0
            for name, _, _ in samples
        ]
    )
    is_live = np.array([label == "live" for _, label, _ in samples])
    attacks = np.array([attack or "unknown" for _, _, attack in samples])
    sources = np.array([name.split("/", 1)[0] for name, _, _ in samples])
    per_attack = {
        attack: metrics.presentation_attack(
            scores[is_live], scores[~is_live & (attacks == attack)], threshold=threshold
        )
        for attack in sorted(set(attacks[~is_live].tolist()))
    }
    per_source = {
        source: metrics.presentation_attack(
            scores[is_live & (sources == source)],
            scores[~is_live & (sources == source)],
            threshold=threshold,
        )
        for source in sorted(set(sources.tolist()))
    }
    return SpoofReport(
        samples=len(samples),
        detect_failures=int(sum(1 for name, _, _ in samples if not embedded.has_face[index[name]])),
        at_threshold=metrics.presentation_attack(
            scores[is_live], scores[~is_live], threshold=threshold
        ),
        per_attack=per_attack,
        per_source=per_source,
    )


def spoof_scores(
    samples: list[tuple[str, str, str]], embedded: EmbeddedSet
) -> tuple[np.ndarray, np.ndarray]:
    """(live scores, spoof scores); faceless samples score 0."""
    index = embedded.index()
    scores = np.array(
        [
            embedded.liveness[index[name]] if embedded.has_face[index[name]] else 0.0
            for name, _, _ in samples
        ]
    )
    is_live = np.array([label == "live" for _, label, _ in samples])
    return scores[is_live], scores[~is_live]


@dataclass(frozen=True)
class CalibrationProposal:
    values: dict[str, float]
    sources: dict[str, str]


# Each quality gate may refuse at most this share of the development photos (all good photos).
GATE_REFUSAL_SHARE = 0.005
LIVENESS_BPCER_TARGET = 0.05
MARGIN_LOSS_SHARE = 0.005


def propose_quality_gates(embedded: EmbeddedSet, *, source: str) -> CalibrationProposal:
    """Gates at the 0.5 % / 99.5 % points of good development photos (each refuses <= 0.5 %)."""
    quality = embedded.quality[embedded.has_face]
    column = {name: quality[:, position] for position, name in enumerate(QUALITY_FIELDS)}
    low, high = 100 * GATE_REFUSAL_SHARE, 100 * (1 - GATE_REFUSAL_SHARE)
    values = {
        "min_eye_distance_px": float(np.percentile(column["eye_distance_px"], low)),
        "min_sharpness": float(np.percentile(column["sharpness"], low)),
        "max_yaw_deg": float(np.percentile(np.abs(column["yaw_deg"]), high)),
        "max_pitch_deg": float(np.percentile(np.abs(column["pitch_deg"]), high)),
        "min_brightness": float(np.percentile(column["brightness"], low / 2)),
        "max_brightness": float(np.percentile(column["brightness"], 100 - low / 2)),
        "multiple_faces_ratio": float(max(np.percentile(column["second_face_ratio"], high), 0.5)),
    }
    text = (
        f"{source}: {int(embedded.has_face.sum())} photos with a face; gate at the "
        f"{low:g} % / {high:g} % point so each refuses <= {low:g} % of good photos"
    )
    sources = dict.fromkeys(values, text)
    sources["multiple_faces_ratio"] += "; floor 0.5 (a second face half as prominent is refused)"
    return CalibrationProposal(values=values, sources=sources)


def propose_match_rule(
    split: IdentificationSplit, embedded: EmbeddedSet, *, fpir: float, source: str
) -> CalibrationProposal:
    """Threshold at the FPIR target on non-enrolled probes; margin at the 0.5 % point of the
    top-1 minus top-2 gaps of right accepts (so the margin refuses <= 0.5 % of them).

    Wrong accepts of enrolled probes that survive the margin are counted in the source text;
    non-enrolled false alarms are the threshold's job, not the margin's.
    """
    index = embedded.index()
    gallery = [name for name in split.gallery if embedded.has_face[index[name]]]
    gallery_vectors = embedded.embeddings[[index[name] for name in gallery]]
    gallery_labels = np.array([identity_of(name) for name in gallery])
    probes = [
        name
        for name in split.mated_probes + split.non_mated_probes
        if embedded.has_face[index[name]]
    ]
    similarities = embedded.embeddings[[index[name] for name in probes]] @ gallery_vectors.T
    order = np.argsort(-similarities, axis=1)[:, :2]
    top1 = similarities[np.arange(len(probes)), order[:, 0]]
    top2 = similarities[np.arange(len(probes)), order[:, 1]]
    labels = np.array([identity_of(name) for name in probes])
    is_mated = np.isin(labels, gallery_labels)
    point = metrics.tar_at_far(top1[is_mated], top1[~is_mated], far_target=fpir)
    threshold = point.threshold
    gaps = top1 - top2
    above = top1 >= threshold
    is_right = gallery_labels[order[:, 0]] == labels
    right_gaps = gaps[above & is_mated & is_right]
    wrong_gaps = gaps[above & is_mated & ~is_right]
    margin = float(np.percentile(right_gaps, 100 * MARGIN_LOSS_SHARE)) if len(right_gaps) else 0.0
    text = (
        f"{source}: gallery {len(gallery)}, {int(is_mated.sum())} enrolled and "
        f"{int((~is_mated).sum())} non-enrolled probes"
    )
    return CalibrationProposal(
        values={"match_threshold": threshold, "match_margin": margin},
        sources={
            "match_threshold": f"{text}; FPIR {point.far:.4g} at target {fpir:g}",
            "match_margin": (
                f"{text}; {100 * MARGIN_LOSS_SHARE:g} % point of right accepts' top-1 minus "
                f"top-2; {int((wrong_gaps < margin).sum())} of {len(wrong_gaps)} wrong-person "
                "accepts above the threshold removed by it"
            ),
        },
    )


def propose_liveness(
    samples: list[tuple[str, str, str]], embedded: EmbeddedSet, *, source: str
) -> CalibrationProposal:
    """The highest threshold keeping BPCER <= 5 % on the live samples in which a face was found.

    Faceless samples are refused as no_face whatever the threshold, so they cannot inform it.
    """
    index = embedded.index()
    detected = [item for item in samples if embedded.has_face[index[item[0]]]]
    live_detected, _ = spoof_scores(detected, embedded)
    live, spoof = spoof_scores(samples, embedded)
    threshold = metrics.threshold_for_bpcer(live_detected, bpcer_target=LIVENESS_BPCER_TARGET)
    result = metrics.presentation_attack(live, spoof, threshold=threshold)
    return CalibrationProposal(
        values={"liveness_threshold": threshold},
        sources={
            "liveness_threshold": (
                f"{source}: {len(live)} live, {len(spoof)} spoof; BPCER {result.bpcer:.4f} "
                f"(target <= {LIVENESS_BPCER_TARGET:g} on detected faces; no-face samples count "
                f"as refused), APCER {result.apcer:.4f}"
            )
        },
    )


# No depth captures exist in shared/faces, so this one value is a physical prior, flagged so.
DEPTH_PRIOR = CalibrationProposal(
    values={"depth_min_relief_mm": 4.0},
    sources={
        "depth_min_relief_mm": (
            "NOT CALIBRATED (no depth maps in shared/faces): prior - the inner face region of "
            "a real face deviates 8-15 mm RMS from a plane, a print or screen only by sensor "
            "noise (1-2 mm at 0.5 m); recalibrate on real 3D-camera captures"
        )
    },
)


# --- Second embedder: fusion study ------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSummary:
    name: str
    best_accuracy: float
    lfw_official_accuracy: float | None
    tar_at_far_1e3: float
    second_model_share: float  # pairs on which the second embedder had to run


def score_summary(
    name: str, pairs: list[tuple[str, str, int]], scores: np.ndarray, *, second_share: float
) -> ScoreSummary:
    labels = np.array([label for _, _, label in pairs])
    genuine, impostor = scores[labels == 1], scores[labels == 0]
    accuracy, _ = metrics.best_accuracy(genuine, impostor)
    official = lfw_fold_count(pairs)
    official_accuracy = None
    if official >= 2:
        rows = official * LFW_FOLD_ROWS
        official_accuracy, _, _ = metrics.kfold_accuracy(
            scores[:rows], labels[:rows], np.arange(rows) // LFW_FOLD_ROWS
        )
    point = metrics.tar_at_far(genuine, impostor, far_target=1e-3)
    return ScoreSummary(name, accuracy, official_accuracy, point.tar, second_share)


def z_parameters(scores: np.ndarray) -> tuple[float, float]:
    """Mean and std of the scores of faces that were found (labels are not used)."""
    valid = scores[scores > -1.0]
    return float(valid.mean()), float(valid.std()) or 1.0


def fusion_study(
    pairs: list[tuple[str, str, int]], first: EmbeddedSet, second: EmbeddedSet
) -> list[ScoreSummary]:
    """The first embedder alone, z-score fusion on every pair, and the second model only where
    the first is unsure (its score inside the band where genuine and impostor scores overlap:
    from the 0.5 % point of genuine to the 99.9 % point of impostor scores)."""
    labels = np.array([label for _, _, label in pairs])
    one, two = pair_scores(pairs, first), pair_scores(pairs, second)
    (mean_one, sd_one), (mean_two, sd_two) = z_parameters(one), z_parameters(two)
    z_one, z_two = (one - mean_one) / sd_one, (two - mean_two) / sd_two
    fused = np.where((one > -1.0) & (two > -1.0), z_one + z_two, 2 * z_one)
    low = float(np.percentile(one[labels == 1], 0.5))
    high = float(np.percentile(one[labels == 0], 99.9))
    low, high = min(low, high), max(low, high)
    unsure = (one >= low) & (one <= high)
    cascade = np.where(unsure, fused, 2 * z_one)
    return [
        score_summary("first alone", pairs, one, second_share=0.0),
        score_summary("second alone", pairs, two, second_share=1.0),
        score_summary("z-score fusion, every pair", pairs, fused, second_share=1.0),
        score_summary("second only when unsure", pairs, cascade, second_share=float(unsure.mean())),
    ]


# --- Three-band decision: accept, step-up among the top-k, decline ----------------------------

DIGITS_GUESS_CHANCE = 1e-4  # a random 4-digit guess matches one candidate's digits
STEP_UP_TOP_K = 3
STEP_UP_NON_ENROLLED_SHARE = 0.05  # strangers asked for digits at most this often
ACCEPT_FPIR_TARGET = 1e-3  # the accept band's FPIR bound that the gallery limit scales to


@dataclass(frozen=True)
class BandShares:
    enrolled: int
    non_enrolled: int
    accepted_no_digits: float  # enrolled: right person, accept band
    accepted_with_digits: float  # enrolled: right person among the step-up candidates
    declined: float  # enrolled: neither (below the band, or not among the candidates)
    wrong_person_accepted: float  # enrolled: accepted without digits as somebody else
    stranger_confirm_no_digits: float  # non-enrolled reaching the confirm screen, no digits
    stranger_confirm_random_guess: float  # ... after one random wrong 4-digit guess
    stranger_step_up: float  # non-enrolled asked for digits


def _top_k(
    split: IdentificationSplit, embedded: EmbeddedSet, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(similarities top-k, labels top-k, probe labels, probe has face) of every probe."""
    index = embedded.index()
    gallery = [name for name in split.gallery if embedded.has_face[index[name]]]
    gallery_vectors = embedded.embeddings[[index[name] for name in gallery]]
    gallery_labels = np.array([identity_of(name) for name in gallery])
    probes = split.mated_probes + split.non_mated_probes
    vectors = embedded.embeddings[[index[name] for name in probes]]
    has_face = np.array([embedded.has_face[index[name]] for name in probes])
    similarities = vectors @ gallery_vectors.T
    order = np.argsort(-similarities, axis=1)[:, :k]
    top = np.take_along_axis(similarities, order, axis=1)
    top = np.where(has_face[:, None], top, -1.0)
    return top, gallery_labels[order], np.array([identity_of(n) for n in probes]), has_face


def band_shares(
    split: IdentificationSplit,
    embedded: EmbeddedSet,
    *,
    accept_threshold: float,
    accept_margin: float,
    step_up_threshold: float,
    top_k: int,
) -> BandShares:
    """What the three-band rule does to enrolled and non-enrolled probes (gallery below limit)."""
    top, top_labels, labels, _ = _top_k(split, embedded, max(top_k, 2))
    is_mated = np.isin(labels, np.array([identity_of(name) for name in split.gallery]))
    gap = top[:, 0] - top[:, 1]
    accept = (top[:, 0] >= accept_threshold) & (gap >= accept_margin)
    in_band = top[:, :top_k] >= step_up_threshold
    step_up = ~accept & in_band[:, 0]
    right_first = top_labels[:, 0] == labels
    right_in_band = ((top_labels[:, :top_k] == labels[:, None]) & in_band).any(axis=1)
    mated, stranger = is_mated, ~is_mated
    candidates = in_band.sum(axis=1)
    guess = np.where(step_up, candidates * DIGITS_GUESS_CHANCE, 0.0)
    share = lambda mask, of: float(mask[of].mean()) if of.any() else float("nan")  # noqa: E731
    return BandShares(
        enrolled=int(mated.sum()),
        non_enrolled=int(stranger.sum()),
        accepted_no_digits=share(accept & right_first, mated),
        accepted_with_digits=share(step_up & right_in_band, mated),
        declined=share(~((accept & right_first) | (step_up & right_in_band)), mated),
        wrong_person_accepted=share(accept & ~right_first, mated),
        stranger_confirm_no_digits=share(accept, stranger),
        stranger_confirm_random_guess=float(guess[stranger].mean()) if stranger.any() else 0.0,
        stranger_step_up=share(step_up, stranger),
    )


def propose_bands(
    split: IdentificationSplit, embedded: EmbeddedSet, *, source: str
) -> CalibrationProposal:
    """Accept band: above every non-enrolled probe's top-1 (FPIR 0 measured) with the margin at
    the 0.5 % point of right accepts' gaps; step-up band: down to where at most 5 % of
    non-enrolled probes are asked for digits; the gallery limit scales the measured accept FPIR
    bound (< 1 / non-enrolled probes at this gallery size) linearly up to 1e-3."""
    top, top_labels, labels, _ = _top_k(split, embedded, STEP_UP_TOP_K)
    gallery_size = int(sum(embedded.has_face[embedded.index()[name]] for name in split.gallery))
    is_mated = np.isin(labels, np.array([identity_of(name) for name in split.gallery]))
    stranger_top = np.sort(top[~is_mated, 0])
    accept_threshold = float(np.nextafter(stranger_top[-1], np.inf))
    gap = top[:, 0] - top[:, 1]
    right = is_mated & (top_labels[:, 0] == labels) & (top[:, 0] >= accept_threshold)
    accept_margin = (
        float(np.percentile(gap[right], 100 * MARGIN_LOSS_SHARE)) if right.any() else 0.0
    )
    position = int(np.floor((1 - STEP_UP_NON_ENROLLED_SHARE) * len(stranger_top)))
    step_up_threshold = float(stranger_top[min(position, len(stranger_top) - 1)])
    limit = float(np.floor(gallery_size * ACCEPT_FPIR_TARGET * len(stranger_top)))
    shares = band_shares(
        split,
        embedded,
        accept_threshold=accept_threshold,
        accept_margin=accept_margin,
        step_up_threshold=step_up_threshold,
        top_k=STEP_UP_TOP_K,
    )
    text = (
        f"{source}: gallery {gallery_size}, {shares.enrolled} enrolled and "
        f"{shares.non_enrolled} non-enrolled probes"
    )
    return CalibrationProposal(
        values={
            "accept_threshold": accept_threshold,
            "accept_margin": accept_margin,
            "step_up_threshold": step_up_threshold,
            "step_up_top_k": float(STEP_UP_TOP_K),
            "accept_gallery_limit": limit,
        },
        sources={
            "accept_threshold": f"{text}; just above the highest non-enrolled top-1 (FPIR 0)",
            "accept_margin": (
                f"{text}; {100 * MARGIN_LOSS_SHARE:g} % point of right accepts' top-1 minus top-2"
            ),
            "step_up_threshold": (
                f"{text}; {100 * shares.stranger_step_up:.2f} % of non-enrolled probes asked for "
                f"digits (target <= {100 * STEP_UP_NON_ENROLLED_SHARE:g} %); enrolled declined "
                f"{100 * shares.declined:.2f} %"
            ),
            "step_up_top_k": f"{text}; candidates checked against the digits",
            "accept_gallery_limit": (
                f"{text}; accept FPIR < 1/{len(stranger_top)} at gallery {gallery_size}, scaled "
                f"linearly to {ACCEPT_FPIR_TARGET:g}"
            ),
        },
    )
