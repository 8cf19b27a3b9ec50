"""Face-engine fixtures: the real model pack (fetched once into var/models) and real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facepay.face import intake, pack
from facepay.face.config import FaceConfig, get_config
from facepay.face.engine import FaceEngine
from facepay.face.intake import IntakeImage


@pytest.fixture(scope="session")
def face_config() -> FaceConfig:
    return get_config()


@pytest.fixture(scope="session")
def face_manifest(face_config: FaceConfig) -> pack.PackManifest:
    manifest = pack.load_manifest(face_config.pack)
    pack.fetch_pack(manifest, config=face_config)  # no download when already verified
    return manifest


@pytest.fixture(scope="session")
def engine(face_manifest: pack.PackManifest, face_config: FaceConfig) -> FaceEngine:
    return FaceEngine(face_manifest, config=face_config)


@pytest.fixture(scope="session")
def dev_dir(faces_dir: Path) -> Path:
    return faces_dir / "dev"


@pytest.fixture(scope="session")
def load_photo(dev_dir: Path):  # type: ignore[no-untyped-def]
    def load(name: str) -> IntakeImage:
        return intake.decode_image(
            (dev_dir / name).read_bytes(), max_bytes=8 << 20, max_pixels=16_000_000
        )

    return load


def letterbox_frame(image: np.ndarray, *, width: int = 640, height: int = 480) -> np.ndarray:
    """A camera-shaped frame: the photo scaled (never stretched) and centred on grey."""
    scale = min(width / image.shape[1], height / image.shape[0])
    resized_width, resized_height = round(image.shape[1] * scale), round(image.shape[0] * scale)
    resized = np.asarray(
        intake.Image.fromarray(image[:, :, ::-1]).resize((resized_width, resized_height))
    )[:, :, ::-1]
    frame = np.full((height, width, 3), 128, dtype=np.uint8)
    top, left = (height - resized_height) // 2, (width - resized_width) // 2
    frame[top : top + resized_height, left : left + resized_width] = resized
    return frame
