"""Time of one burst's liveness check (issues 12 and 15): what a counter waits for after its
recording, as the recognition job runs it (`burst_probe.examine_burst`: decode, first-frame
quality, every frame observed, texture tracking, screen check, decision).

Run: `FACEPAY_FACES_DIR=../shared/faces python bench/burst_liveness.py [--rounds 3]`. The bursts
are the labelled live clips of liveness-dev (bench/liveness_labels.csv) at their windows, cut
to the product's recording (burst.RECORDING_FRAMES frames at 7.5 fps) and JPEG-encoded as the
page sends them. Each FACEPAY_BURST_THREADS setting runs in its own process (the engine reads it
once). Prints wall seconds per burst (p50, p95) and CPU seconds per burst.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facepay.face import burst, burst_probe
from facepay.face.config import get_config

LABELS = Path(__file__).resolve().parent / "liveness_labels.csv"


def labelled_bursts(faces_dir: Path) -> list[tuple[list[bytes], str]]:
    """(JPEG frames, challenge) of every live clip labelled with a challenge."""
    bursts = []
    with LABELS.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["challenge"] not in burst.CHALLENGES:
                continue
            capture = cv2.VideoCapture(str(faces_dir / "liveness-dev" / row["clip"]))
            frames = []
            while True:
                is_read, frame = capture.read()
                if not is_read:
                    break
                frames.append(frame)
            capture.release()
            start = int(row["window_start"])
            chosen = frames[start : start + 2 * burst.RECORDING_FRAMES : 2]
            jpegs = [
                cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()
                for frame in chosen
            ]
            bursts.append((jpegs, row["challenge"]))
    return bursts


def measure(rounds: int) -> dict[str, float]:
    """Run in the child: every labelled burst `rounds` times, after one warm-up burst."""
    bursts = labelled_bursts(get_config().faces_dir)
    stamps = [index * burst.RECORDING_FRAME_MS for index in range(burst.RECORDING_FRAMES)]
    burst_probe.examine_burst(frames=bursts[0][0], timestamps_ms=stamps, challenge=bursts[0][1])
    walls = []
    cpu_started = time.process_time()
    for _ in range(rounds):
        for frames, challenge in bursts:
            started = time.perf_counter()
            burst_probe.examine_burst(frames=frames, timestamps_ms=stamps, challenge=challenge)
            walls.append(time.perf_counter() - started)
    return {
        "bursts": len(walls),
        "p50": float(np.percentile(walls, 50)),
        "p95": float(np.percentile(walls, 95)),
        "cpu": (time.process_time() - cpu_started) / len(walls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="FACEPAY_BURST_THREADS values to compare")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.rounds)))
        return
    print(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"machine: {os.cpu_count()} CPU cores, {platform.processor() or platform.machine()}")
    print(f"burst: {burst.RECORDING_FRAMES} frames at 7.5 fps, 640x480 JPEG")
    print("| FACEPAY_BURST_THREADS | bursts | wall p50 s | wall p95 s | CPU s per burst |")
    print("|---:|---:|---:|---:|---:|")
    for threads in args.threads.split(","):
        child = subprocess.run(  # noqa: S603 - this script, run again as a child
            [sys.executable, __file__, "--child", "--rounds", str(args.rounds)],
            env={**os.environ, "FACEPAY_BURST_THREADS": threads},
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(child.stdout.strip().splitlines()[-1])
        print(
            f"| {threads} | {row['bursts']} | {row['p50']:.3f} | {row['p95']:.3f} |"
            f" {row['cpu']:.3f} |"
        )


if __name__ == "__main__":
    main()
