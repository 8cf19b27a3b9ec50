"""Image intake shared by every caller: limits before decoding, one stable code per refusal.

Order of checks (cheapest first, nothing is decoded until the header passed):
byte size -> header (format, width, height) -> pixel count -> full decode -> orientation -> BGR.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from facepay.face import errors
from facepay.face.config import translate as _

UPLOAD_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP")
# Research sets (NUAA) ship BMP; only evaluation code on local files may widen the list.
RESEARCH_FORMATS: tuple[str, ...] = (*UPLOAD_FORMATS, "BMP")
DEPTH_FORMATS: tuple[str, ...] = ("PNG",)


@dataclass(frozen=True)
class IntakeImage:
    pixels_bgr: np.ndarray  # H x W x 3, uint8, OpenCV channel order, upright (EXIF applied)
    source_format: str  # Pillow format name: JPEG, PNG or WEBP
    source_mode: str  # Pillow mode before conversion, e.g. RGB, L, CMYK, RGBA, I;16

    @property
    def width(self) -> int:
        return int(self.pixels_bgr.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels_bgr.shape[0])


def _open_checked(
    data: bytes, *, max_bytes: int, max_pixels: int, allowed_formats: tuple[str, ...]
) -> Image.Image:
    if len(data) == 0:
        raise errors.ImageUnreadable(_("The upload is empty."))
    if len(data) > max_bytes:
        raise errors.ImageTooLarge(
            _("The image file is too large."), size_bytes=len(data), max_bytes=max_bytes
        )
    try:
        with warnings.catch_warnings():
            # Our own pixel limit below is stricter; Pillow's warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
    except Image.DecompressionBombError as exc:
        raise errors.ImageTooManyPixels(
            _("The image has too many pixels."), max_pixels=max_pixels
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        # Not an image, or a header cut short (Pillow raises a bare OSError for that).
        raise errors.ImageUnreadable(_("The upload is not a readable image.")) from exc
    if image.format not in allowed_formats:
        raise errors.ImageUnsupportedFormat(
            _("Only JPEG, PNG and WebP images are accepted."),
            format=image.format,
            allowed=list(allowed_formats),
        )
    width, height = image.size
    if width <= 0 or height <= 0:
        raise errors.ImageUnreadable(_("The image has no pixels."))
    if width * height > max_pixels:
        raise errors.ImageTooManyPixels(
            _("The image has too many pixels."),
            width=width,
            height=height,
            max_pixels=max_pixels,
        )
    return image


def _decode(image: Image.Image) -> Image.Image:
    try:
        image.load()
        return ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        # Truncated or corrupt data past a valid header.
        raise errors.ImageUnreadable(_("The image data is damaged.")) from exc


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in {"I;16", "I;16B", "I;16L", "I"}:
        # 16-bit grey: keep the top 8 bits of the full range the file actually uses.
        array = np.asarray(image, dtype=np.uint32)
        top = int(array.max()) or 1
        scaled = (array * 255 // top).astype(np.uint8) if top > 255 else array.astype(np.uint8)
        return Image.fromarray(scaled, mode="L").convert("RGB")
    if mode == "F":
        array = np.nan_to_num(np.asarray(image, dtype=np.float32))
        return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), mode="L").convert("RGB")
    if mode in {"RGBA", "LA", "PA"} or (mode == "P" and "transparency" in image.info):
        # Transparent pixels become white, as a browser would show them on a page.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")  # L, P, CMYK, YCbCr, RGB


def decode_image(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    allowed_formats: tuple[str, ...] = UPLOAD_FORMATS,
) -> IntakeImage:
    """Decode an untrusted upload into an upright BGR array.

    Raises ImageTooLarge, ImageUnreadable, ImageUnsupportedFormat or ImageTooManyPixels; the
    size and pixel limits are checked before any pixel data is decoded.
    """
    image = _open_checked(
        data, max_bytes=max_bytes, max_pixels=max_pixels, allowed_formats=allowed_formats
    )
    source_format, source_mode = str(image.format), image.mode
    upright = _decode(image)
    rgb = np.asarray(_to_rgb(upright), dtype=np.uint8)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    return IntakeImage(pixels_bgr=bgr, source_format=source_format, source_mode=source_mode)


def decode_depth_png(data: bytes, *, max_bytes: int, max_pixels: int) -> np.ndarray:
    """Decode a depth map (PNG, 16-bit or 8-bit grey) into an H x W uint16 array of raw units.

    Same refusals as `decode_image`; colour PNGs are refused as image_unsupported_format.
    """
    image = _open_checked(
        data, max_bytes=max_bytes, max_pixels=max_pixels, allowed_formats=DEPTH_FORMATS
    )
    if image.mode not in {"I;16", "I;16B", "I;16L", "I", "L"}:
        raise errors.ImageUnsupportedFormat(
            _("A depth map must be a grey PNG (16-bit preferred)."), mode=image.mode
        )
    decoded = _decode(image)
    return np.asarray(decoded, dtype=np.uint16)


def read_image_file(
    path: Path, *, max_bytes: int, max_pixels: int, allowed_formats: tuple[str, ...]
) -> IntakeImage:
    """Read a local file through the same intake checks (evaluation and bench)."""
    return decode_image(
        path.read_bytes(),
        max_bytes=max_bytes,
        max_pixels=max_pixels,
        allowed_formats=allowed_formats,
    )
