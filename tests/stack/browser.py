"""Browser tests: Debian's chromium driven by Playwright, with a fake camera fed from a photo.

Use the `browser_page` fixture factory from tests/stack/conftest.py:

    page = browser_page(camera_photo=faces_dir / "dev" / "Some_Person" / "1.jpg")
    page.goto(stack.base_url + "/accounts/login/")
    screenshot(page, "enrol-done")          # → test-artifacts/screenshots/enrol-done.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def write_y4m(
    photo: Path, target: Path, *, width: int = 640, height: int = 480, frames: int = 15
) -> Path:
    """A 4:2:0 Y4M clip showing `photo` letterboxed (never stretched) for chromium's fake camera."""
    image = ImageOps.exif_transpose(Image.open(photo)).convert("RGB")
    image = ImageOps.pad(image, (width, height), color=(40, 40, 40))
    ycbcr = np.asarray(image.convert("YCbCr"), dtype=np.uint8)
    y = ycbcr[:, :, 0]
    # 4:2:0: chroma planes at half resolution in both directions (2×2 box average).
    cb = ycbcr[:, :, 1].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round()
    cr = ycbcr[:, :, 2].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round()
    frame = b"FRAME\n" + y.tobytes() + cb.astype(np.uint8).tobytes() + cr.astype(np.uint8).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode()
    target.write_bytes(header + frame * frames)
    return target


def write_y4m_frames(frames_bgr: list[np.ndarray], target: Path, *, fps: tuple[int, int]) -> Path:
    """A 4:2:0 Y4M clip of BGR frames (all one size, even sides) at `fps` (numerator,
    denominator) for chromium's fake camera, which plays it in a loop."""
    height, width = frames_bgr[0].shape[:2]
    parts = [f"YUV4MPEG2 W{width} H{height} F{fps[0]}:{fps[1]} Ip A1:1 C420jpeg\n".encode()]
    for frame in frames_bgr:
        rgb = Image.fromarray(np.ascontiguousarray(frame[:, :, ::-1]))
        ycbcr = np.asarray(rgb.convert("YCbCr"), dtype=np.uint8)
        cb = ycbcr[:, :, 1].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round()
        cr = ycbcr[:, :, 2].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round()
        parts.append(
            b"FRAME\n"
            + ycbcr[:, :, 0].tobytes()
            + cb.astype(np.uint8).tobytes()
            + cr.astype(np.uint8).tobytes()
        )
    target.write_bytes(b"".join(parts))
    return target


def chromium_args(camera_file: Path | None) -> list[str]:
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    if camera_file is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}",
        ]
    return args


def screenshot(page: object, name: str) -> Path:
    """Keep a full-page screenshot as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
