"""Liveness attack kit: print, screen and replay attacks rendered from the project's own data.

Run: `python bench/liveness_kit.py --out var/liveness-kit [--per-species 100] [--seed 12]`.

Every attack is a burst of the product's recording (`burst.RECORDING_FRAMES`, 12 frames at
7.5 fps, 1.47 s; 640x480) written as an MP4, rendered by
projecting a textured card (paper or a device screen) through a pinhole camera while a hand
moves it. The species:

- `print_flat`: a dev photo printed (reduced gamut, ordered-dither halftone, paper texture,
  blur) on a flat sheet; the attacker sees the challenge and tilts the sheet to fake it.
- `print_bent`: the same print bent round a vertical cylinder (radius 80-220 mm), tilted too.
- `print_cutout`: a flat print with the eyes cut out; the attacker's eyes sit 10-20 mm behind
  the holes and blink when asked (eyelids drawn closed over 2-3 frames); tilts for turns/nods.
- `screen_photo`: a dev photo on a phone (gamma, tint, RGB sub-pixel grid that aliases into
  moire, bezel, moving glare), held and tilted to fake the challenge.
- `video_replay`: a live clip of liveness-dev played on a tablet (same display model) and
  held with hand tremor; the replay does not follow the challenge (its start is random).

Each attack draws its challenge at random from the four; the photo attacks pick distinct
identities (one per attack, FACEPAY_FACES_DIR/dev); the replays can only use the 14 people of
liveness-dev. Every random draw is recorded in `manifest.csv` (column `params`, JSON) with the
attack's own seed, so one row can be rendered again alone. The live rows point at the shared
clips with the hand-made labels of `bench/liveness_labels.csv` (window start, challenge) and,
for each, its mirror image (a turn to the left becomes a turn to the right).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facepay.face import burst, intake, pack
from facepay.face.config import get_config
from facepay.face.engine import FaceEngine, prominence

LABELS = Path(__file__).resolve().parent / "liveness_labels.csv"
KIT_VERSION = "2"  # 2: bursts of the product's recording (burst.RECORDING_FRAMES)
WIDTH, HEIGHT = 640, 480
FOCAL_PX = 600.0
FRAMES = burst.RECORDING_FRAMES
FRAME_MS = burst.RECORDING_FRAME_MS
STRIDE = 2  # live clips are 15 fps: every second frame gives the kit's 7.5 fps
SPECIES = ("print_flat", "print_bent", "print_cutout", "screen_photo", "video_replay")


@dataclass(frozen=True)
class Live:
    clip: str
    challenge: str
    window_start: int
    note: str


def read_labels(path: Path = LABELS) -> list[Live]:
    with path.open(newline="") as handle:
        return [
            Live(row["clip"], row["challenge"], int(row["window_start"]), row["note"])
            for row in csv.DictReader(handle)
        ]


def clip_people(faces_dir: Path) -> dict[str, str]:
    """Clip path (relative to liveness-dev) -> the person in it, from the set's manifest.csv."""
    with (faces_dir / "liveness-dev" / "manifest.csv").open(newline="") as handle:
        return {row["file"]: row["person"] for row in csv.DictReader(handle)}


def read_clip(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        is_read, frame = capture.read()
        if not is_read:
            break
        frames.append(frame)
    capture.release()
    return frames


def write_clip(path: Path, frames: list[np.ndarray]) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 7.5, (WIDTH, HEIGHT))
    for frame in frames:
        writer.write(frame)
    writer.release()


# --- camera and hand -------------------------------------------------------------------------


def rotation(rx_deg: float, ry_deg: float, rz_deg: float) -> np.ndarray:
    rx, ry, rz = (math.radians(value) for value in (rx_deg, ry_deg, rz_deg))
    x = np.array([[1, 0, 0], [0, math.cos(rx), -math.sin(rx)], [0, math.sin(rx), math.cos(rx)]])
    y = np.array([[math.cos(ry), 0, math.sin(ry)], [0, 1, 0], [-math.sin(ry), 0, math.cos(ry)]])
    z = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0], [0, 0, 1]])
    return z @ y @ x


def project(points_mm: np.ndarray, pose: dict[str, float]) -> np.ndarray:
    """Card-frame 3-D points (mm, y down) to image pixels for one hand pose."""
    turned = points_mm @ rotation(pose["rx"], pose["ry"], pose["rz"]).T
    turned = turned + np.array([pose["tx"], pose["ty"], pose["tz"]])
    x = FOCAL_PX * turned[:, 0] / turned[:, 2] + WIDTH / 2
    y = FOCAL_PX * turned[:, 1] / turned[:, 2] + HEIGHT / 2
    return np.stack([x, y], axis=1).astype(np.float32)


def smooth_walk(rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Hand tremor: a random walk, smoothed, scaled so its RMS is `amplitude`."""
    steps = rng.normal(0, 1, FRAMES + 4).cumsum()
    walk = np.convolve(steps, np.ones(5) / 5, mode="valid")[:FRAMES]
    walk = walk - walk.mean()
    rms = float(np.sqrt(np.mean(walk**2))) or 1.0
    return walk / rms * amplitude


def hand_poses(
    rng: np.random.Generator, *, distance_mm: float, follows: str | None
) -> tuple[list[dict[str, float]], dict[str, Any]]:
    """Per-frame card poses: a base pose, tremor, and (when `follows` is a challenge the
    attacker fakes by tilting) a ramp of the tilt after a reaction time."""
    base = {
        "rx": float(rng.uniform(-6, 6)),
        "ry": float(rng.uniform(-6, 6)),
        "rz": float(rng.uniform(-5, 5)),
        "tx": float(rng.uniform(-25, 25)),
        "ty": float(rng.uniform(-20, 20)),
        "tz": distance_mm,
    }
    tremor = {
        "translate_mm": float(rng.uniform(1.0, 4.0)),
        "rotate_deg": float(rng.uniform(0.3, 1.5)),
    }
    walks = {
        name: smooth_walk(
            rng, tremor["translate_mm"] if name.startswith("t") else tremor["rotate_deg"]
        )
        for name in ("rx", "ry", "rz", "tx", "ty", "tz")
    }
    tilt = {"axis": None, "degrees": 0.0, "onset_frame": 0, "ramp_frames": 0}
    if follows in {"turn_left", "turn_right", "nod"}:
        tilt = {
            "axis": "ry" if follows.startswith("turn") else "rx",
            "degrees": float(rng.uniform(15, 35)),
            "onset_frame": int(rng.integers(3, 7)),
            "ramp_frames": int(rng.integers(3, 6)),
        }
        # Turning the card's left edge away reads as the face turning to the image's right.
        if follows == "turn_right":
            tilt["degrees"] = -tilt["degrees"]
    poses = []
    for index in range(FRAMES):
        pose = {name: base[name] + float(walks[name][index]) for name in base}
        if tilt["axis"]:
            progress = (index - tilt["onset_frame"]) / max(tilt["ramp_frames"], 1)
            pose[str(tilt["axis"])] += float(tilt["degrees"]) * min(max(progress, 0.0), 1.0)
        poses.append(pose)
    return poses, {"base_pose": base, "tremor": tremor, "tilt": tilt}


# --- surfaces ----------------------------------------------------------------------------------


def background(rng: np.random.Generator) -> tuple[np.ndarray, dict[str, Any]]:
    """A room-ish backdrop: a two-colour gradient with a few soft rectangles."""
    top = rng.integers(40, 220, 3)
    bottom = rng.integers(40, 220, 3)
    ramp = np.linspace(0, 1, HEIGHT)[:, None, None]
    image = (top * (1 - ramp) + bottom * ramp) * np.ones((1, WIDTH, 1))
    for _ in range(int(rng.integers(1, 4))):
        x1, y1 = int(rng.integers(0, WIDTH - 60)), int(rng.integers(0, HEIGHT - 60))
        x2, y2 = x1 + int(rng.integers(40, 260)), y1 + int(rng.integers(40, 200))
        image[y1:y2, x1:x2] = image[y1:y2, x1:x2] * 0.6 + rng.integers(30, 230, 3) * 0.4
    image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), 3)
    return image, {"top_bgr": top.tolist(), "bottom_bgr": bottom.tolist()}


def print_texture(
    photo: np.ndarray, rng: np.random.Generator, *, side_px: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """A photo as an inkjet/laser print: gamut, halftone dither, paper texture, blur."""
    params = {
        "black_lift": float(rng.uniform(15, 40)),
        "white_cut": float(rng.uniform(0.78, 0.92)),
        "saturation": float(rng.uniform(0.6, 0.9)),
        "dither_levels": int(rng.integers(4, 9)),
        "dither_cell": int(rng.integers(1, 3)),
        "paper_grain": float(rng.uniform(0.02, 0.06)),
        "blur_sigma": float(rng.uniform(0.6, 1.6)),
    }
    image = cv2.resize(photo, (side_px, side_px), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    grey = image.mean(axis=2, keepdims=True)
    image = grey + params["saturation"] * (image - grey)
    image = params["black_lift"] + image * params["white_cut"]
    bayer = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) / 16.0
    cell = params["dither_cell"]
    tile = np.kron(bayer, np.ones((cell, cell)))
    reps = (side_px // tile.shape[0] + 1, side_px // tile.shape[1] + 1)
    threshold = np.tile(tile, reps)[:side_px, :side_px, None] - 0.5
    levels = params["dither_levels"] - 1
    image = np.floor(image / 255.0 * levels + 0.5 + threshold) / levels * 255.0
    grain = cv2.GaussianBlur(rng.normal(0, 1, (side_px, side_px)).astype(np.float32), (0, 0), 6)
    grain = grain / (grain.std() or 1.0)
    image = image * (1 + params["paper_grain"] * grain[:, :, None])
    image = cv2.GaussianBlur(np.clip(image, 0, 255), (0, 0), params["blur_sigma"])
    return image, params


def screen_texture(
    picture: np.ndarray, rng: np.random.Generator, *, params: dict[str, Any] | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """A picture on an LCD: gamma, tint, 3x RGB sub-pixel stripes (moire when filmed), bezel."""
    if params is None:
        params = {
            "gamma": float(rng.uniform(0.75, 1.25)),
            "tint_bgr": [float(rng.uniform(1.0, 1.15)), 1.0, float(rng.uniform(0.85, 1.0))],
            "brightness": float(rng.uniform(1.0, 1.25)),
            "bezel_fraction": float(rng.uniform(0.03, 0.08)),
        }
    image = picture.astype(np.float32) / 255.0
    image = np.power(image, params["gamma"]) * params["brightness"]
    image = image * np.array(params["tint_bgr"], dtype=np.float32)
    height, width = image.shape[:2]
    image = cv2.resize(image, (width * 3, height * 3), interpolation=cv2.INTER_NEAREST)
    stripes = np.zeros((1, 3, 3), dtype=np.float32)
    stripes[0, 0, 2], stripes[0, 1, 1], stripes[0, 2, 0] = 1.0, 1.0, 1.0  # R, G, B columns (BGR)
    mask = np.tile(stripes, (height * 3, width, 1)) * 0.75 + 0.25
    image = np.clip(image * mask * 255.0, 0, 255)
    bezel = int(params["bezel_fraction"] * image.shape[1])
    framed = cv2.copyMakeBorder(image, bezel, bezel, bezel, bezel, cv2.BORDER_CONSTANT, value=12)
    return framed, params


def render_card(
    canvas: np.ndarray,
    texture: np.ndarray,
    *,
    size_mm: tuple[float, float],
    pose: dict[str, float],
    bend_radius_mm: float | None = None,
    depth_mm: float = 0.0,
    strips: int = 1,
) -> np.ndarray:
    """Draw `texture` on a card of `size_mm` (optionally bent round a vertical cylinder, or set
    `depth_mm` behind the card plane) seen from `pose`; returns the canvas. A bent card is
    drawn as `strips` flat vertical strips, each warped only inside its own bounding box."""
    canvas = canvas.copy()
    height, width = texture.shape[:2]
    card_width, card_height = size_mm
    count = strips if bend_radius_mm else 1
    for strip in range(count):
        column_start = int(strip * width / count)
        column_end = min(width, math.ceil((strip + 1) * width / count) + (1 if count > 1 else 0))
        u = np.array([column_start, column_end, column_end, column_start]) / width
        x = (u - 0.5) * card_width
        y = (np.array([0, 0, 1, 1]) - 0.5) * card_height
        if bend_radius_mm:
            angle = x / bend_radius_mm
            z = bend_radius_mm * (1 - np.cos(angle)) + depth_mm
            x = bend_radius_mm * np.sin(angle)
        else:
            z = np.full_like(x, depth_mm)
        image_points = project(np.stack([x, y, z], axis=1), pose)
        left = max(math.floor(image_points[:, 0].min()), 0)
        top = max(math.floor(image_points[:, 1].min()), 0)
        right = min(math.ceil(image_points[:, 0].max()) + 1, WIDTH)
        bottom = min(math.ceil(image_points[:, 1].max()) + 1, HEIGHT)
        if right <= left or bottom <= top:
            continue
        piece = np.ascontiguousarray(texture[:, column_start:column_end])
        piece_width = column_end - column_start
        source = np.array(
            [[0, 0], [piece_width, 0], [piece_width, height], [0, height]], dtype=np.float32
        )
        target = (image_points - np.array([left, top], dtype=np.float32)).astype(np.float32)
        homography = cv2.getPerspectiveTransform(source, target)
        size = (right - left, bottom - top)
        warped = cv2.warpPerspective(piece, homography, size, flags=cv2.INTER_AREA)
        coverage = cv2.warpPerspective(
            np.ones((height, piece_width), np.float32), homography, size, flags=cv2.INTER_AREA
        )
        if warped.ndim == 2:
            warped = warped[:, :, None]
        alpha = coverage[:, :, None]
        region = canvas[top:bottom, left:right]
        canvas[top:bottom, left:right] = region * (1 - alpha) + warped * alpha
    return canvas


def camera_finish(
    canvas: np.ndarray, rng: np.random.Generator, camera: dict[str, Any]
) -> np.ndarray:
    """Defocus, white balance and sensor noise of the counter's webcam."""
    image = cv2.GaussianBlur(canvas, (0, 0), camera["defocus_sigma"])
    image = image * np.array(camera["white_balance_bgr"], dtype=np.float32)
    image = image + rng.normal(0, camera["noise_sigma"], image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def draw_camera(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "defocus_sigma": float(rng.uniform(0.4, 1.1)),
        "white_balance_bgr": [float(rng.uniform(0.92, 1.08)), 1.0, float(rng.uniform(0.92, 1.08))],
        "noise_sigma": float(rng.uniform(1.5, 4.0)),
    }


def shading(pose: dict[str, float], light: dict[str, float]) -> float:
    """Lambert term of the card under a fixed light as the hand tilts it."""
    normal = rotation(pose["rx"], pose["ry"], pose["rz"]) @ np.array([0, 0, -1.0])
    direction = np.array([light["x"], light["y"], -1.0])
    direction = direction / np.linalg.norm(direction)
    return float(max(0.35, normal @ direction))


# --- the attacks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    identity: str
    file: str  # relative to FACEPAY_FACES_DIR/dev
    photo: np.ndarray  # square BGR crop around the face
    eyes: tuple[np.ndarray, np.ndarray]  # 6 x 2 eye contour points of each eye, crop pixels


def face_square(engine: FaceEngine, image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A square crop 1.8 face boxes wide around the most prominent face, and its 68 points."""
    height, width = image.shape[:2]
    detections = engine.detect(image)
    if not detections or engine.landmarker is None:
        return None
    detection = max(detections, key=lambda item: prominence(item.box, width=width, height=height))
    points = engine.landmarker.predict(image, detection.box)
    x1, y1, x2, y2 = detection.box
    side = 1.8 * max(x2 - x1, y2 - y1)
    centre_x, centre_y = (x1 + x2) / 2, (y1 + y2) / 2
    left, top = int(centre_x - side / 2), int(centre_y - side / 2)
    size = int(side)
    padded = cv2.copyMakeBorder(image, size, size, size, size, cv2.BORDER_REFLECT)
    crop = padded[top + size : top + 2 * size, left + size : left + 2 * size]
    return crop, points - np.array([left, top], dtype=np.float32)


def pick_sources(
    engine: FaceEngine, faces_dir: Path, rng: np.random.Generator, count: int
) -> list[Source]:
    identities = sorted(path.name for path in (faces_dir / "dev").iterdir() if path.is_dir())
    chosen: list[Source] = []
    for position in rng.permutation(len(identities)):
        identity = identities[int(position)]
        file = sorted((faces_dir / "dev" / identity).glob("*.jpg"))[0]
        image = intake.read_image_file(
            file, max_bytes=8 << 20, max_pixels=16_000_000, allowed_formats=intake.RESEARCH_FORMATS
        ).pixels_bgr
        found = face_square(engine, image)
        if found is None:
            continue
        crop, points = found
        chosen.append(
            Source(
                identity=identity,
                file=f"{identity}/{file.name}",
                photo=crop,
                eyes=(points[36:42], points[42:48]),
            )
        )
        if len(chosen) == count:
            break
    return chosen


def eye_holes(
    texture: np.ndarray, source: Source, *, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Mask (1 = hole) of both eyes' cut-out ellipses in texture pixels, and the eye layer."""
    mask = np.zeros(texture.shape[:2], np.float32)
    for eye in source.eyes:
        centre = eye.mean(axis=0) * scale
        half_width = (np.ptp(eye[:, 0]) * 0.5 + 4) * scale
        half_height = max(np.ptp(eye[:, 1]) * 0.5 + 3, half_width * 0.45) * scale
        cv2.ellipse(
            mask,
            (int(centre[0]), int(centre[1])),
            (int(half_width), int(half_height)),
            0,
            0,
            360,
            1.0,
            -1,
        )
    return mask, texture.copy()


def close_eyes(layer: np.ndarray, source: Source, *, scale: float, amount: float) -> np.ndarray:
    """The attacker's eyes behind the holes, lids closed by `amount` (0 open, 1 shut)."""
    if amount <= 0:
        return layer
    out = layer.copy()
    for eye in source.eyes:
        centre = eye.mean(axis=0) * scale
        half_width = (np.ptp(eye[:, 0]) * 0.5 + 4) * scale
        half_height = (np.ptp(eye[:, 1]) * 0.5 + 3) * scale
        above = int(max(centre[1] - 2.5 * half_height, 0))
        skin = layer[above, int(centre[0])].astype(np.float32)
        lid_bottom = int(centre[1] - half_height + 2 * half_height * amount)
        cv2.rectangle(
            out,
            (int(centre[0] - half_width), int(centre[1] - half_height - 2)),
            (int(centre[0] + half_width), lid_bottom),
            skin.tolist(),
            -1,
        )
        cv2.line(
            out,
            (int(centre[0] - half_width), lid_bottom),
            (int(centre[0] + half_width), lid_bottom),
            (skin * 0.35).tolist(),
            max(1, int(scale)),
        )
    return out


def render_photo_attack(
    species: str, source: Source, challenge: str, rng: np.random.Generator
) -> tuple[list[np.ndarray], dict[str, Any]]:
    canvas_background, background_params = background(rng)
    camera = draw_camera(rng)
    light = {"x": float(rng.uniform(-0.6, 0.6)), "y": float(rng.uniform(-0.8, 0.2))}
    params: dict[str, Any] = {"background": background_params, "camera": camera, "light": light}
    if species == "screen_photo":
        texture, display = screen_texture(source.photo, rng)
        params["display"] = display
        size_mm = (70.0, 70.0 * texture.shape[0] / texture.shape[1])
        distance = float(rng.uniform(90, 130))
        glare = {
            "x": float(rng.uniform(0.2, 0.8)),
            "y": float(rng.uniform(0.2, 0.8)),
            "strength": float(rng.uniform(20, 70)),
            "radius": float(rng.uniform(0.1, 0.3)),
        }
        params["glare"] = glare
    else:
        side_px = 600
        texture, printing = print_texture(source.photo, rng, side_px=side_px)
        params["print"] = printing
        size_mm = (float(rng.uniform(150, 210)),) * 2
        distance = float(rng.uniform(200, 280))
    params["card_mm"] = size_mm
    params["distance_mm"] = distance
    bend = float(rng.uniform(80, 220)) if species == "print_bent" else None
    params["bend_radius_mm"] = bend
    poses, hand = hand_poses(rng, distance_mm=distance, follows=challenge)
    params["hand"] = hand
    hole_mask = None
    blink = None
    scale = texture.shape[1] / source.photo.shape[1]
    if species == "print_cutout":
        hole_mask, eye_layer = eye_holes(texture, source, scale=scale)
        around = cv2.dilate(hole_mask, np.ones((31, 31), np.uint8))
        eye_region = np.repeat(around[:, :, None], 3, axis=2)
        params["eyes_behind_mm"] = float(rng.uniform(10, 20))
        if challenge == "blink":
            blink = {
                # eyes shut from frame 3-7 and open again inside the window
                "onset_frame": int(rng.integers(3, FRAMES - 4)),
                "closed_frames": int(rng.integers(1, 3)),
            }
        params["blink"] = blink
    frames = []
    for index, pose in enumerate(poses):
        lit = shading(pose, light)
        if species == "screen_photo":
            lit = 0.85 + 0.15 * lit  # a screen emits its own light
        if hole_mask is not None:
            amount = 0.0
            if blink is not None:
                step = index - blink["onset_frame"]
                amount = {0: 0.6}.get(step, 1.0 if 0 < step <= blink["closed_frames"] else 0.0)
                if step == blink["closed_frames"] + 1:
                    amount = 0.4
            eyes = close_eyes(eye_layer, source, scale=scale, amount=amount) * eye_region
            behind = {"size_mm": size_mm, "pose": pose, "depth_mm": params["eyes_behind_mm"]}
            eyes_drawn = render_card(np.zeros((HEIGHT, WIDTH, 3), np.float32), eyes, **behind)
            eyes_cover = render_card(np.zeros((HEIGHT, WIDTH, 3), np.float32), eye_region, **behind)
            canvas = canvas_background * (1 - eyes_cover) + eyes_drawn
            paper = texture * (1 - hole_mask[:, :, None])
            card = render_card(np.zeros_like(canvas), paper * lit, size_mm=size_mm, pose=pose)
            cover = render_card(
                np.zeros((HEIGHT, WIDTH, 3), np.float32),
                np.repeat((1 - hole_mask)[:, :, None], 3, axis=2),
                size_mm=size_mm,
                pose=pose,
            )
            canvas = canvas * (1 - cover) + card
        else:
            canvas = render_card(
                canvas_background.copy(),
                texture * lit,
                size_mm=size_mm,
                pose=pose,
                bend_radius_mm=bend,
                strips=24,
            )
        if species == "screen_photo":
            canvas = add_glare(canvas, params["glare"], pose)
        frames.append(camera_finish(canvas, rng, camera))
    return frames, params


def add_glare(canvas: np.ndarray, glare: dict[str, float], pose: dict[str, float]) -> np.ndarray:
    """A reflection on the glass that slides as the device tilts."""
    x = (glare["x"] - pose["ry"] / 60.0) * WIDTH
    y = (glare["y"] + pose["rx"] / 60.0) * HEIGHT
    grid_y, grid_x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    radius = glare["radius"] * WIDTH
    spot = np.exp(-((grid_x - x) ** 2 + (grid_y - y) ** 2) / (2 * radius**2))
    return canvas + glare["strength"] * spot[:, :, None]


def render_replay(
    clip_frames: list[np.ndarray], rng: np.random.Generator
) -> tuple[list[np.ndarray], dict[str, Any]]:
    canvas_background, background_params = background(rng)
    camera = draw_camera(rng)
    start = int(rng.integers(0, len(clip_frames) - STRIDE * (FRAMES - 1)))
    is_mirrored = bool(rng.integers(0, 2))
    _, display = screen_texture(clip_frames[0], rng)
    glare = {
        "x": float(rng.uniform(0.2, 0.8)),
        "y": float(rng.uniform(0.2, 0.8)),
        "strength": float(rng.uniform(15, 60)),
        "radius": float(rng.uniform(0.1, 0.3)),
    }
    width_mm = float(rng.uniform(150, 240))  # a tablet or a small monitor
    distance = float(rng.uniform(140, 220))
    poses, hand = hand_poses(rng, distance_mm=distance, follows=None)
    params = {
        "background": background_params,
        "camera": camera,
        "display": display,
        "glare": glare,
        "screen_width_mm": width_mm,
        "distance_mm": distance,
        "hand": hand,
        "clip_start_frame": start,
        "clip_stride": STRIDE,
        "mirrored": is_mirrored,
    }
    frames = []
    for index, pose in enumerate(poses):
        picture = clip_frames[start + STRIDE * index]
        if is_mirrored:
            picture = picture[:, ::-1]
        texture, _ = screen_texture(picture, rng, params=display)
        size_mm = (width_mm, width_mm * texture.shape[0] / texture.shape[1])
        canvas = render_card(canvas_background.copy(), texture, size_mm=size_mm, pose=pose)
        canvas = add_glare(canvas, glare, pose)
        frames.append(camera_finish(canvas, rng, camera))
    return frames, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="kit folder (outside git)")
    parser.add_argument("--per-species", type=int, default=100)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--species", default=",".join(SPECIES))
    args = parser.parse_args()
    config = get_config()
    manifest = pack.load_manifest(config.pack)
    engine = FaceEngine(manifest, config=config)
    out: Path = args.out.resolve()
    (out / "attacks").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    people = clip_people(config.faces_dir)
    for live in read_labels():
        for is_mirrored in (False, True):
            challenge = live.challenge
            if is_mirrored and challenge.startswith("turn_"):
                challenge = "turn_right" if challenge == "turn_left" else "turn_left"
            person = people[live.clip]
            rows.append(
                {
                    "id": f"live-{Path(live.clip).stem}{'-mirror' if is_mirrored else ''}",
                    "kind": "live",
                    "species": "live_mirrored" if is_mirrored else "live",
                    "identity": person,
                    "source": f"FACEPAY_FACES_DIR/liveness-dev/{live.clip}",
                    "challenge": challenge,
                    "file": f"FACEPAY_FACES_DIR/liveness-dev/{live.clip}",
                    "start": live.window_start,
                    "stride": STRIDE,
                    "mirror": int(is_mirrored),
                    "seed": "",
                    "params": json.dumps({"label_note": live.note}),
                }
            )
    species_list = [item for item in args.species.split(",") if item]
    clips = {
        live.clip: read_clip(config.faces_dir / "liveness-dev" / live.clip)
        for live in read_labels()
    }
    clip_names = sorted(clips)
    for species_index, species in enumerate(species_list):
        species_rng = np.random.default_rng([args.seed, species_index])
        sources = (
            []
            if species == "video_replay"
            else pick_sources(engine, config.faces_dir, species_rng, args.per_species)
        )
        for number in range(args.per_species):
            seed = [args.seed, species_index, number]
            rng = np.random.default_rng(seed)
            challenge = str(rng.choice(burst.CHALLENGES))
            if species == "video_replay":
                clip = clip_names[number % len(clip_names)]
                frames, params = render_replay(clips[clip], rng)
                identity = people[clip]
                source = f"FACEPAY_FACES_DIR/liveness-dev/{clip}"
            else:
                item = sources[number]
                frames, params = render_photo_attack(species, item, challenge, rng)
                identity = item.identity
                source = f"FACEPAY_FACES_DIR/dev/{item.file}"
            name = f"attacks/{species}-{number:03d}.mp4"
            write_clip(out / name, frames)
            rows.append(
                {
                    "id": f"{species}-{number:03d}",
                    "kind": "attack",
                    "species": species,
                    "identity": identity,
                    "source": source,
                    "challenge": challenge,
                    "file": name,
                    "start": 0,
                    "stride": 1,
                    "mirror": 0,
                    "seed": json.dumps(seed),
                    "params": json.dumps(params, sort_keys=True),
                }
            )
        print(f"{species}: {args.per_species} attacks ({time.perf_counter() - started:.0f} s)")
    with (out / "manifest.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (out / "kit.json").write_text(
        json.dumps(
            {
                "kit_version": KIT_VERSION,
                "seed": args.seed,
                "per_species": args.per_species,
                "species": species_list,
                "frames": FRAMES,
                "frame_ms": FRAME_MS,
                "size": [WIDTH, HEIGHT],
                "focal_px": FOCAL_PX,
                "labels": "bench/liveness_labels.csv",
                "pack": manifest.name,
                "faces_dir": "FACEPAY_FACES_DIR",
            },
            indent=2,
        )
        + "\n"
    )
    print(f"{len(rows)} rows in {out / 'manifest.csv'} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
