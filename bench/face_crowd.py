"""Crowd-photo benchmark (issue 14, finding 14): CPU time of one face check on a frame full of
faces, with detection capped at MAX_FACES (today) and uncapped (as before the fix).

Run: `python bench/face_crowd.py [--grid 16] [--side 125]`. The frame is one dev photo tiled
grid x grid (16 x 125 px = a 2000 x 2000 frame). Prints a table of faces described and CPU
seconds (process time) for `analyze` + `probe`, the work /api/face/check used to do.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facepay.face import engine as face_engine
from facepay.face import errors, intake
from facepay.face.config import get_config


def measure(engine: face_engine.FaceEngine, frame: np.ndarray, *, limit: int) -> tuple[int, float]:
    face_engine.largest.__defaults__ = (limit,)  # the cap detect() applies
    engine.analyze(frame, with_embedding=False)  # warm-up
    started = time.process_time()
    faces = engine.analyze(frame, with_embedding=False)
    # A crowd is refused (multiple_faces); the point is what the refusal costs.
    with contextlib.suppress(errors.FaceError):
        engine.probe(frame)
    return len(faces), time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grid", type=int, default=16)
    parser.add_argument("--side", type=int, default=125)
    args = parser.parse_args()
    config = get_config()
    photo = sorted((config.faces_dir / "dev").glob("*/1.jpg"))[0]
    image = intake.decode_image(photo.read_bytes(), max_bytes=8 << 20, max_pixels=16_000_000)
    tile = cv2.resize(image.pixels_bgr, (args.side, args.side))
    frame = np.tile(tile, (args.grid, args.grid, 1))
    engine = face_engine.FaceEngine(face_engine.load_manifest(config.pack), config=config)
    print(f"{platform.processor() or platform.machine()}, frame {frame.shape[1]}x{frame.shape[0]}")
    print("| detection cap | faces described | CPU s (analyze + probe) |")
    print("|---|---|---|")
    for label, limit in (
        ("none (before)", 1_000_000),
        (f"{face_engine.MAX_FACES}", face_engine.MAX_FACES),
    ):
        faces, seconds = measure(engine, frame, limit=limit)
        print(f"| {label} | {faces} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
