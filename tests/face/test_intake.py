"""Every intake refusal has its own code; accepted images come out upright, 8-bit BGR."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facepay.face import errors, intake

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 16_000_000}


def encode(image: Image.Image, format_name: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format_name, **params)
    return buffer.getvalue()


def test_decode_image_refuses_bytes_that_are_not_an_image() -> None:
    with pytest.raises(errors.ImageUnreadable) as caught:
        intake.decode_image(b"this is a text file, not a photo", **LIMITS)
    assert caught.value.code == "image_unreadable"


def test_decode_image_refuses_an_empty_upload() -> None:
    with pytest.raises(errors.ImageUnreadable):
        intake.decode_image(b"", **LIMITS)


def test_decode_image_refuses_a_file_over_the_byte_limit() -> None:
    data = encode(Image.new("RGB", (64, 64), "white"), "PNG")
    with pytest.raises(errors.ImageTooLarge) as caught:
        intake.decode_image(data, max_bytes=len(data) - 1, max_pixels=16_000_000)
    assert caught.value.code == "image_too_large"
    assert caught.value.extra == {"size_bytes": len(data), "max_bytes": len(data) - 1}


def test_decode_image_refuses_too_many_pixels_before_decoding() -> None:
    # 5000 x 4000 blank pixels compress to a few kB: a small file, a large bitmap.
    data = encode(Image.new("L", (5000, 4000)), "PNG")
    assert len(data) < 100_000
    with pytest.raises(errors.ImageTooManyPixels) as caught:
        intake.decode_image(data, **LIMITS)
    assert caught.value.code == "image_too_many_pixels"
    assert caught.value.extra["width"] == 5000


def test_decode_image_refuses_a_decompression_bomb_header() -> None:
    # Pillow's own bomb guard fires at open for > 2 x MAX_IMAGE_PIXELS; same code for callers.
    data = encode(Image.new("1", (20000, 20000)), "PNG")
    with pytest.raises(errors.ImageTooManyPixels):
        intake.decode_image(data, max_bytes=50 << 20, max_pixels=16_000_000)


@pytest.mark.parametrize("format_name", ["GIF", "BMP", "TIFF"])
def test_decode_image_refuses_other_formats(format_name: str) -> None:
    data = encode(Image.new("RGB", (32, 32), "red"), format_name)
    with pytest.raises(errors.ImageUnsupportedFormat) as caught:
        intake.decode_image(data, **LIMITS)
    assert caught.value.code == "image_unsupported_format"
    assert caught.value.extra["format"] == format_name


def test_decode_image_refuses_a_truncated_jpeg() -> None:
    data = encode(Image.new("RGB", (256, 256), "blue"), "JPEG")
    with pytest.raises(errors.ImageUnreadable):
        intake.decode_image(data[: len(data) // 2], **LIMITS)


@pytest.mark.parametrize("kept_bytes", [100, 300, 600])
def test_decode_image_refuses_a_jpeg_cut_inside_its_header(dev_dir: Path, kept_bytes: int) -> None:
    data = (dev_dir / "Abel_Pacheco" / "1.jpg").read_bytes()[:kept_bytes]
    with pytest.raises(errors.ImageUnreadable) as caught:
        intake.decode_image(data, **LIMITS)
    assert caught.value.code == "image_unreadable"


def test_decode_image_applies_exif_orientation() -> None:
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise for display
    decoded = intake.decode_image(encode(image, "JPEG", exif=exif), **LIMITS)
    assert (decoded.width, decoded.height) == (20, 40)


@pytest.mark.parametrize(
    ("mode", "format_name"),
    [
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("RGB", "WEBP"),
        ("I;16", "PNG"),
    ],
)
def test_decode_image_converts_every_mode_to_8_bit_bgr(mode: str, format_name: str) -> None:
    decoded = intake.decode_image(encode(Image.new(mode, (16, 12)), format_name), **LIMITS)
    assert decoded.pixels_bgr.shape == (12, 16, 3)
    assert decoded.pixels_bgr.dtype == np.uint8
    assert decoded.source_format == format_name


def test_decode_image_puts_transparent_pixels_on_white() -> None:
    decoded = intake.decode_image(encode(Image.new("RGBA", (4, 4), (0, 0, 0, 0)), "PNG"), **LIMITS)
    assert decoded.pixels_bgr[0, 0].tolist() == [255, 255, 255]


def test_decode_image_keeps_colour_order_bgr() -> None:
    decoded = intake.decode_image(encode(Image.new("RGB", (4, 4), (255, 0, 0)), "PNG"), **LIMITS)
    assert decoded.pixels_bgr[0, 0].tolist() == [0, 0, 255]


def test_decode_depth_png_keeps_16_bit_values() -> None:
    depth = np.full((8, 8), 600, dtype=np.uint16)
    data = encode(Image.fromarray(depth), "PNG")
    decoded = intake.decode_depth_png(data, **LIMITS)
    assert decoded.dtype == np.uint16
    assert int(decoded[0, 0]) == 600


def test_decode_depth_png_refuses_jpeg_and_colour() -> None:
    with pytest.raises(errors.ImageUnsupportedFormat):
        intake.decode_depth_png(encode(Image.new("L", (8, 8)), "JPEG"), **LIMITS)
    with pytest.raises(errors.ImageUnsupportedFormat):
        intake.decode_depth_png(encode(Image.new("RGB", (8, 8)), "PNG"), **LIMITS)


def test_decode_image_accepts_a_real_photo(dev_dir: Path) -> None:
    decoded = intake.decode_image((dev_dir / "Abel_Pacheco" / "1.jpg").read_bytes(), **LIMITS)
    assert (decoded.width, decoded.height, decoded.source_format) == (250, 250, "JPEG")


def test_refusals_need_no_django_project() -> None:
    """The face bench runs the engine without Django: messages stay as written, nothing raises."""
    script = (
        "from facepay.face import errors, intake\n"
        "try:\n"
        "    intake.decode_image(b'', max_bytes=10, max_pixels=10)\n"
        "except errors.ImageUnreadable as exc:\n"
        "    print(exc.code, exc.message)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "image_unreadable The upload is empty."
