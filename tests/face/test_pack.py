"""The model pack is fetched and verified by sha256; a tampered file is never loaded."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from facepay.face import errors, pack
from facepay.face.config import FaceConfig
from facepay.face.engine import FaceEngine


@pytest.fixture
def copied_pack(
    face_manifest: pack.PackManifest, face_config: FaceConfig, tmp_path: Path
) -> FaceConfig:
    source = face_manifest.directory(face_config)
    shutil.copytree(source, tmp_path / face_manifest.name)
    return dataclasses.replace(face_config, model_dir=tmp_path)


def tamper(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_verify_pack_accepts_the_fetched_files(
    face_manifest: pack.PackManifest, face_config: FaceConfig
) -> None:
    assert pack.verify_pack(face_manifest, config=face_config) == (
        "fr_detect.onnx",
        "fr_landmark.onnx",
        "face_recognition_sface_2021dec_f32.onnx",
        "fr_feature.onnx",
        "fr_liveness.onnx",
    )


def test_fetch_pack_is_idempotent(
    face_manifest: pack.PackManifest, face_config: FaceConfig
) -> None:
    report = pack.fetch_pack(face_manifest, config=face_config)
    assert report.downloaded == ()
    assert len(report.verified) == 5


def test_engine_refuses_a_tampered_model_file(
    face_manifest: pack.PackManifest, copied_pack: FaceConfig
) -> None:
    embedder = face_manifest.path_of("embedder", copied_pack)
    tamper(embedder)
    with pytest.raises(errors.ModelPackTampered) as caught:
        FaceEngine(face_manifest, config=copied_pack)
    assert caught.value.code == "model_pack_tampered"
    assert caught.value.extra["file"] == "face_recognition_sface_2021dec_f32.onnx"
    assert "refusing to load it" in caught.value.message


def test_fetch_pack_refuses_a_tampered_file_without_repair(
    face_manifest: pack.PackManifest, copied_pack: FaceConfig
) -> None:
    detector = face_manifest.path_of("detector", copied_pack)
    tamper(detector)
    before = detector.read_bytes()
    with pytest.raises(errors.ModelPackTampered):
        pack.fetch_pack(face_manifest, config=copied_pack)
    assert detector.read_bytes() == before  # nothing replaced behind the operator's back


def test_face_fetch_command_exits_non_zero_on_a_tampered_file(
    face_manifest: pack.PackManifest, copied_pack: FaceConfig, settings: object
) -> None:
    settings.FACEPAY_MODEL_DIR = copied_pack.model_dir  # type: ignore[attr-defined]
    tamper(face_manifest.path_of("liveness", copied_pack))
    with pytest.raises(CommandError, match=r"\[model_pack_tampered\].*fr_liveness.onnx"):
        call_command("face_fetch")


def test_missing_file_is_reported_with_the_fetch_command(
    face_manifest: pack.PackManifest, copied_pack: FaceConfig
) -> None:
    face_manifest.path_of("landmarker", copied_pack).unlink()
    with pytest.raises(errors.ModelPackMissing, match="face_fetch"):
        pack.verify_pack(face_manifest, config=copied_pack)


def test_license_guard_refuses_outside_debug(
    face_manifest: pack.PackManifest, face_config: FaceConfig
) -> None:
    strict = dataclasses.replace(face_config, is_debug=False, allowed_licenses=("Apache-2.0",))
    with pytest.raises(errors.ModelPackLicenseRefused):
        pack.check_license(face_manifest, config=strict)
    pack.check_license(face_manifest, config=dataclasses.replace(strict, is_debug=True))
    pack.check_license(face_manifest, config=dataclasses.replace(strict, allowed_licenses=("MIT",)))


def test_model_version_names_pack_and_embedder_hash(face_manifest: pack.PackManifest) -> None:
    assert face_manifest.model_version == "sface-fusion-v1@107111c7155b7f43+87aacdfe57510db2"


def test_operator_pack_needs_a_detector_and_an_embedder(
    face_manifest: pack.PackManifest, face_config: FaceConfig, tmp_path: Path
) -> None:
    # The npm pack's 2-output detector is not an insightface detector: only the embedder routes.
    for role in ("detector", "embedder"):
        shutil.copy(face_manifest.path_of(role, face_config), tmp_path)
    with pytest.raises(errors.ModelPackMissing, match="no detector"):
        pack.describe_operator_pack(tmp_path, name="operator", license_name="contract-42")
    assert not (tmp_path / pack.OPERATOR_MANIFEST).exists()


def test_operator_pack_folder_without_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(errors.ModelPackMissing, match=r"pack\.json"):
        pack.load_manifest(str(tmp_path))
