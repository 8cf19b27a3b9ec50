"""Pure geometry helpers shared by the stages: letterboxing, crops, NMS, pose."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x1, y1, x2, y2 in frame pixels


@dataclass(frozen=True)
class Letterbox:
    scale: float  # model pixels per frame pixel
    pad_x: int  # model pixels of padding on the left
    pad_y: int  # model pixels of padding on the top


def letterbox(
    image: np.ndarray, *, width: int, height: int, fill: int = 0
) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping the aspect ratio and pad to width x height (never stretch)."""
    source_height, source_width = image.shape[:2]
    scale = min(width / source_width, height / source_height)
    new_width = max(1, round(source_width * scale))
    new_height = max(1, round(source_height * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_width, new_height), interpolation=interpolation)
    pad_x = (width - new_width) // 2
    pad_y = (height - new_height) // 2
    canvas = np.full((height, width, *image.shape[2:]), fill, dtype=image.dtype)
    canvas[pad_y : pad_y + new_height, pad_x : pad_x + new_width] = resized
    return canvas, Letterbox(scale=scale, pad_x=pad_x, pad_y=pad_y)


def crop_with_padding(image: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> np.ndarray:
    """Crop a rectangle that may reach outside the image; outside pixels are black."""
    height, width = image.shape[:2]
    top, left = max(0, -y1), max(0, -x1)
    bottom, right = max(0, y2 - height), max(0, x2 - width)
    inside = image[max(0, y1) : min(height, y2), max(0, x1) : min(width, x2)]
    if top or left or bottom or right:
        inside = cv2.copyMakeBorder(inside, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
    return inside


def nms(boxes: np.ndarray, scores: np.ndarray, *, iou_threshold: float) -> list[int]:
    """Greedy non-maximum suppression; returns kept indices by descending score."""
    order = np.argsort(-scores)
    areas = np.maximum(0, boxes[:, 2] - boxes[:, 0]) * np.maximum(0, boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        xx1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        intersection = np.maximum(0, xx2 - xx1) * np.maximum(0, yy2 - yy1)
        iou = intersection / np.maximum(areas[best] + areas[rest] - intersection, 1e-9)
        order = rest[iou <= iou_threshold]
    return keep


# Generic 3D face (mm) for the 68-point indices below: nose tip, chin, eye outer corners,
# mouth corners. The usual head-pose model; only the angles are used, not the distance.
_MODEL_POINTS = np.array(
    [
        (0.0, 0.0, 0.0),
        (0.0, -330.0, -65.0),
        (-225.0, 170.0, -135.0),
        (225.0, 170.0, -135.0),
        (-150.0, -150.0, -125.0),
        (150.0, -150.0, -125.0),
    ],
    dtype=np.float64,
)
_POSE_INDICES = (30, 8, 36, 45, 48, 54)


def head_pose_degrees(
    points68: np.ndarray, *, width: int, height: int
) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from 68 landmarks (solvePnP on a generic face model)."""
    image_points = points68[list(_POSE_INDICES)].astype(np.float64)
    return _solve_pose(_MODEL_POINTS, image_points, width=width, height=height)


def _solve_pose(
    model_points: np.ndarray, image_points: np.ndarray, *, width: int, height: int
) -> tuple[float, float, float]:
    focal = float(max(width, height))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], dtype=np.float64)
    is_solved, rotation_vector, _ = cv2.solvePnP(
        model_points, image_points, camera, np.zeros(4), flags=cv2.SOLVEPNP_ITERATIVE
    )
    if not is_solved:
        return 90.0, 90.0, 0.0
    rotation, _ = cv2.Rodrigues(rotation_vector)
    # Image y points down while the model's y points up: flip it before decomposing.
    rotation = np.diag([1.0, -1.0, -1.0]) @ rotation
    sy = float(np.hypot(rotation[0, 0], rotation[1, 0]))
    pitch = float(np.degrees(np.arctan2(rotation[2, 1], rotation[2, 2])))
    yaw = float(np.degrees(np.arctan2(-rotation[2, 0], sy)))
    roll = float(np.degrees(np.arctan2(rotation[1, 0], rotation[0, 0])))
    return yaw, pitch, roll


# The same generic face at the 5 insightface points: eye centres, nose tip, mouth corners.
_MODEL_POINTS_5 = np.array(
    [
        (-150.0, 170.0, -135.0),
        (150.0, 170.0, -135.0),
        (0.0, 0.0, 0.0),
        (-150.0, -150.0, -125.0),
        (150.0, -150.0, -125.0),
    ],
    dtype=np.float64,
)


def head_pose_degrees_5(
    points5: np.ndarray, *, width: int, height: int
) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from the 5 alignment points (packs without 68 points)."""
    return _solve_pose(_MODEL_POINTS_5, points5.astype(np.float64), width=width, height=height)
