"""Face-engine benchmark: per-stage latency on camera-shaped frames, fps, gallery search.

Run: `python bench/face_engine.py [--frames 60] [--sizes 10000,100000,1000000] [--write-docs]`.
Frames are real photos from FACEPAY_FACES_DIR/dev letterboxed into 640x480 (never stretched).
Gallery vectors are random unit vectors; each query is a gallery vector plus noise (cosine
about 0.6 to its source, like a probe to its template), so recall@1 is measured against exact
search. Stays plain Python (no Django) so it measures the engine, not the web stack.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facepay.face import intake, pack
from facepay.face.config import FaceConfig, get_config
from facepay.face.embedder import align
from facepay.face.engine import FaceEngine
from facepay.face.gallery import PREFILTER_BITS, PREFILTER_CANDIDATES, GalleryIndex
from facepay.face.landmarks import five_points
from facepay.face.runtime import available_providers, onnxruntime_version

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Face engine"


def percentile(values: list[float], point: float) -> float:
    return float(np.percentile(np.array(values), point))


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def cpu_model() -> str:
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def camera_frames(config: FaceConfig, count: int) -> list[np.ndarray]:
    """Real photos letterboxed into 640x480 grey-padded frames, spread over the dev set."""
    root = config.faces_dir / "dev"
    folders = sorted(path for path in root.iterdir() if path.is_dir())
    step = max(1, len(folders) // count)
    frames = []
    for folder in folders[::step][:count]:
        photo = sorted(folder.glob("*.jpg"))[0]
        image = intake.decode_image(photo.read_bytes(), max_bytes=32 << 20, max_pixels=64_000_000)
        pixels = image.pixels_bgr
        scale = min(640 / pixels.shape[1], 480 / pixels.shape[0])
        size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
        resized = cv2.resize(
            pixels, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        )
        frame = np.full((480, 640, 3), 128, dtype=np.uint8)
        top, left = (480 - size[1]) // 2, (640 - size[0]) // 2
        frame[top : top + size[1], left : left + size[0]] = resized
        frames.append(frame)
    return frames


@dataclass(frozen=True)
class StageTimes:
    name: str
    p50_ms: float
    p95_ms: float


def time_stages(engine: FaceEngine, frames: list[np.ndarray], repeats: int) -> list[StageTimes]:
    """Per-stage wall time on one thread; the probe path is what a payment runs per frame."""
    stages: dict[str, list[float]] = {
        name: []
        for name in (
            "intake (JPEG decode)",
            "detect",
            "landmarks",
            "liveness",
            "align",
            "embed (1 pass)",
            "embed (flip, 2 passes)",
            "frame: detect+landmarks+liveness+align+embed(flip)",
            "frame, CPU time only (thread_time)",
            "frame without embed flip, CPU time only",
            "attempt: 3 frames + 1:N top-3 search (10,000 templates)",
        )
    }
    encoded = [
        cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes() for frame in frames
    ]
    single = FaceEngine(engine.manifest, config=get_config(), use_flip=False)
    for _ in range(repeats):
        for frame, data in zip(frames, encoded, strict=True):
            clock = time.perf_counter
            start = clock()
            intake.decode_image(data, max_bytes=8 << 20, max_pixels=16_000_000)
            stages["intake (JPEG decode)"].append(clock() - start)
            start = clock()
            detections = engine.detect(frame)
            stages["detect"].append(clock() - start)
            if not detections:
                continue
            box = detections[0].box
            start = clock()
            points = engine.landmarker.predict(frame, box)
            stages["landmarks"].append(clock() - start)
            start = clock()
            if engine.liveness is not None:
                engine.liveness.score(frame, box)
            stages["liveness"].append(clock() - start)
            start = clock()
            aligned = align(frame, five_points(points))
            stages["align"].append(clock() - start)
            start = clock()
            single.embedder.embed(aligned)
            stages["embed (1 pass)"].append(clock() - start)
            start = clock()
            engine.embedder.embed(aligned)
            stages["embed (flip, 2 passes)"].append(clock() - start)
            start, cpu_start = clock(), time.thread_time()
            engine.analyze(frame)
            stages["frame: detect+landmarks+liveness+align+embed(flip)"].append(clock() - start)
            # CPU seconds of this thread: what the frame costs when no other work competes.
            stages["frame, CPU time only (thread_time)"].append(time.thread_time() - cpu_start)
            start, cpu_start = clock(), time.thread_time()
            single.analyze(frame)
            stages["frame without embed flip, CPU time only"].append(time.thread_time() - cpu_start)
    # An attempt: the terminal's 3 frames through the whole frame path, their embeddings
    # averaged, then one 1:N search (top-3, as the step-up band asks) in a 10,000 gallery.
    dimension = engine.manifest.embedding_dimension
    gallery = GalleryIndex(dimension=dimension)
    gallery.replace_all(
        enumerate(random_units(10_000, np.random.default_rng(13), dimension=dimension))
    )
    attempts: list[float] = []
    for _ in range(repeats):
        for start_index in range(0, len(frames) - 2, 3):
            start = time.perf_counter()
            vectors = [
                face.embedding
                for frame in frames[start_index : start_index + 3]
                for face in engine.analyze(frame)[:1]
            ]
            if vectors:
                gallery.search(np.mean(np.stack(vectors), axis=0), k=3)
                attempts.append(time.perf_counter() - start)
    stages["attempt: 3 frames + 1:N top-3 search (10,000 templates)"] = attempts
    return [
        StageTimes(name, 1000 * percentile(values, 50), 1000 * percentile(values, 95))
        for name, values in stages.items()
        if values
    ]


_worker: FaceEngine | None = None


def _start_worker() -> None:
    global _worker
    config = get_config()
    _worker = FaceEngine(pack.load_manifest(config.pack), config=config)


def _analyze_all(frames: list[np.ndarray]) -> int:
    assert _worker is not None  # noqa: S101
    for frame in frames:
        _worker.analyze(frame)
    return len(frames)


def frames_per_second(frames: list[np.ndarray], processes: int, repeats: int) -> float:
    """Throughput of `processes` single-threaded engines (the Celery worker layout)."""
    work = [frames * repeats for _ in range(processes)]
    with ProcessPoolExecutor(max_workers=processes, initializer=_start_worker) as pool:
        list(pool.map(_analyze_all, [frames[:2]] * processes))  # warm up every worker
        start = time.perf_counter()
        done = sum(pool.map(_analyze_all, work))
        return done / (time.perf_counter() - start)


@dataclass(frozen=True)
class GalleryRow:
    size: int
    mode: str
    build_s: float
    memory_mib: float
    p50_ms: float
    p99_ms: float
    recall_at_1: float


def random_units(count: int, rng: np.random.Generator, dimension: int = 640) -> np.ndarray:
    vectors = np.empty((count, dimension), dtype=np.float32)
    for start in range(0, count, 100_000):  # chunks keep the float64 temporaries small
        block = rng.standard_normal((min(100_000, count - start), dimension), dtype=np.float32)
        vectors[start : start + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def timed_search(
    search: Callable[[np.ndarray], int], queries: np.ndarray
) -> tuple[list[float], list[int]]:
    times, answers = [], []
    for query in queries:
        start = time.perf_counter()
        answers.append(search(query))
        times.append(time.perf_counter() - start)
    return times, answers


def bench_gallery(
    size: int, *, queries: int, exact_queries: int, dimension: int
) -> list[GalleryRow]:
    """The product's two modes (GalleryIndex) on one copy of the gallery: exact search, and the
    sign-bit prefilter with exact rerank. Memory is the process's RSS growth for the index."""
    gc.collect()
    before = rss_mib()  # before the vectors, which the index takes over
    rng = np.random.default_rng(size)
    vectors = random_units(size, rng, dimension)
    sources = rng.integers(0, size, queries)
    noise = random_units(queries, rng, dimension)
    probes = vectors[sources] * 0.6 + noise * 0.8  # cosine ~0.6 to the source vector
    probes /= np.linalg.norm(probes, axis=1, keepdims=True)
    start = time.perf_counter()
    gallery = GalleryIndex(dimension=dimension, exact_limit=size)
    # As a worker loads the database's templates: the index takes the array over (no copy).
    gallery.load(np.arange(size, dtype=np.int64), vectors, count=size)
    build = time.perf_counter() - start
    gc.collect()
    memory = rss_mib() - before
    exact_times, exact_answers = timed_search(
        lambda query: gallery.search(query, k=2)[0].key, probes[:exact_queries]
    )
    exact = np.array(exact_answers)
    gallery.exact_limit = 0  # the same rows, searched as a large gallery is
    assert gallery.uses_prefilter  # noqa: S101 - the bench measures the mode it names
    prefilter_times, prefilter_answers = timed_search(
        lambda query: gallery.search(query, k=2)[0].key, probes
    )
    answers = np.array(prefilter_answers)
    print(
        f"{size:>9,} prefilter recall@1 vs source {np.mean(answers == sources):.4f} "
        f"({queries} probes); index arrays {gallery.memory_bytes / 2**20:.0f} MiB"
    )
    return [
        GalleryRow(
            size,
            f"exact ({exact_queries} probes)",
            build,
            memory,
            1000 * percentile(exact_times, 50),
            1000 * percentile(exact_times, 99),
            float(np.mean(exact == sources[:exact_queries])),
        ),
        GalleryRow(
            size,
            f"sign-bit {PREFILTER_BITS} + rerank {PREFILTER_CANDIDATES} ({queries} probes)",
            build,
            memory,
            1000 * percentile(prefilter_times, 50),
            1000 * percentile(prefilter_times, 99),
            float(np.mean(answers[:exact_queries] == exact)),
        ),
    ]


def markdown(
    machine: list[str],
    stages: list[StageTimes],
    fps: dict[int, float],
    gallery: list[GalleryRow],
    seconds: float,
) -> str:
    lines = [
        "### Speed (`python bench/face_engine.py --write-docs`)",
        "",
        *machine,
        "",
        "#### Per-stage latency (640x480 frames from real photos, one thread)",
        "",
    ]
    lines += ["| stage | p50 ms | p95 ms |", "|---|---:|---:|"]
    lines += [f"| {item.name} | {item.p50_ms:.1f} | {item.p95_ms:.1f} |" for item in stages]
    lines += [
        "",
        "#### Throughput (single-threaded engines, one per process)",
        "",
        "| processes | frames/s |",
        "|---:|---:|",
    ]
    lines += [f"| {processes} | {value:.1f} |" for processes, value in fps.items()]
    lines += [
        "",
        "#### Gallery search (the product's GalleryIndex, template-sized unit vectors; "
        "query = template + noise, cos about 0.6)",
        "",
    ]
    lines += [
        "| templates | mode | build s | memory MiB | p50 ms | p99 ms | recall@1 vs exact |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {row.size:,} | {row.mode} | {row.build_s:.1f} | {row.memory_mib:.0f} "
        f"| {row.p50_ms:.2f} | {row.p99_ms:.2f} | {row.recall_at_1:.4f} |"
        for row in gallery
    ]
    lines += [
        "",
        "Exact rows: recall@1 is the share of probes whose top-1 is their source vector; "
        "prefilter rows: the share whose top-1 equals exact search's.",
        f"Whole benchmark: {seconds:.0f} s. "
        "Reproduce with `python bench/face_engine.py --write-docs`.",
        "",
    ]
    return "\n".join(lines)


BENCH_START = "<!-- face-bench:start (written by bench/face_engine.py --write-docs) -->"
BENCH_END = "<!-- face-bench:end -->"


def write_section(text: str) -> None:
    """Replace only the bench block inside the face-engine section; the rest is hand-written."""
    existing = DOCS.read_text() if DOCS.is_file() else "# Benchmarks\n"
    block = f"{BENCH_START}\n{text}\n{BENCH_END}"
    if BENCH_START in existing and BENCH_END in existing:
        start = existing.index(BENCH_START)
        end = existing.index(BENCH_END) + len(BENCH_END)
        updated = existing[:start] + block + existing[end:]
    elif SECTION in existing:
        start = existing.index(SECTION) + len(SECTION)
        updated = existing[:start] + "\n\n" + block + existing[start:]
    else:
        updated = existing.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(updated)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--exact-queries", type=int, default=50, help="exact search is slow")
    parser.add_argument("--gallery-only", action="store_true", help="skip the camera stages")
    parser.add_argument("--write-docs", action="store_true")
    options = parser.parse_args()
    started = time.perf_counter()
    config = get_config()
    manifest = pack.load_manifest(config.pack)
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    machine = [
        f"- load average at start: {load} (the machine is shared with other work)",
        f"- machine: {os.cpu_count()} CPU cores (nproc), {cpu_model()}, "
        f"{platform.system()} {platform.release()}",
        f"- onnxruntime {onnxruntime_version()} ({', '.join(available_providers())}), "
        f"faiss {faiss.__version__}, "
        f"numpy {np.__version__}, OpenCV {cv2.__version__}, Python {platform.python_version()}",
        f"- model pack {manifest.model_version}, 1 intra-op thread per session, spinning off",
    ]
    print("\n".join(machine))
    stages: list[StageTimes] = []
    fps: dict[int, float] = {}
    if not options.gallery_only:
        pack.fetch_pack(manifest, config=config)
        engine = FaceEngine(manifest, config=config)
        frames = camera_frames(config, options.frames)
        engine.analyze(frames[0])  # warm-up
        stages = time_stages(engine, frames, options.repeats)
        for item in stages:
            print(f"{item.name:55} p50 {item.p50_ms:6.1f} ms  p95 {item.p95_ms:6.1f} ms")
        fps = {processes: frames_per_second(frames, processes, 1) for processes in (1, 2)}
        for processes, value in fps.items():
            print(f"{processes} process(es): {value:.1f} frames/s")
    gallery: list[GalleryRow] = []
    for size in (int(part) for part in options.sizes.split(",") if part):
        rows = bench_gallery(
            size,
            queries=options.queries,
            exact_queries=min(options.exact_queries, options.queries),
            dimension=manifest.embedding_dimension,
        )
        for row in rows:
            print(
                f"{row.size:>9,} {row.mode:44} build {row.build_s:7.1f} s  "
                f"mem {row.memory_mib:7.0f} MiB  p50 {row.p50_ms:7.2f} ms  "
                f"p99 {row.p99_ms:7.2f} ms  recall@1 {row.recall_at_1:.4f}"
            )
        gallery.extend(rows)
    seconds = time.perf_counter() - started
    print(f"total {seconds:.0f} s")
    if options.write_docs and not options.gallery_only:
        write_section(markdown(machine, stages, fps, gallery, seconds))


if __name__ == "__main__":
    main()
