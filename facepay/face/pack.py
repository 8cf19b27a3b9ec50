"""Model packs: a committed manifest (files, sha256, source, licence, inputs, calibration).

Weights are fetched from a package registry into a git-ignored folder and verified by sha256
before every load. A pack is either a committed manifest (`packs/<name>.json`) or an operator's
insightface folder holding its own `pack.json` in the same schema.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import onnxruntime as ort

from facepay.face import errors, transform
from facepay.face.config import FaceConfig

PACKS_DIR = Path(__file__).resolve().parent / "packs"
OPERATOR_MANIFEST = "pack.json"
DOWNLOAD_TIMEOUT_S = 120
MAX_TARBALL_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class ModelFile:
    role: str  # detector, landmarker, embedder, liveness
    file: str  # name inside the pack folder
    sha256: str
    size_bytes: int | None
    member: str | None  # path inside the registry tarball or wheel
    input: dict[str, Any]
    source: dict[str, Any] | None = None  # a file from another package than the pack's source
    member_sha256: str | None = None  # the registry member before `transform`
    transform: tuple[str, ...] = ()  # fetch-time rewrites (facepay.face.transform)


@dataclass(frozen=True)
class Calibration:
    """Thresholds measured by `face_eval --calibrate`; `sources` says which data gave each one."""

    match_threshold: float  # cosine similarity of L2-normalised embeddings
    match_margin: float  # minimum top-1 minus top-2 similarity for an accept
    liveness_threshold: float  # passive model p(live) at or above this is live
    depth_min_relief_mm: float  # plane-fit RMS residual of the face region; below = flat = spoof
    min_eye_distance_px: float
    min_sharpness: float  # variance of Laplacian on the 112x112 aligned grey crop
    max_yaw_deg: float
    max_pitch_deg: float
    min_brightness: float  # mean grey level (0-255) of the aligned crop
    max_brightness: float
    multiple_faces_ratio: float  # a second face scoring >= ratio x the chosen one is ambiguous
    sources: dict[str, str] = field(default_factory=dict)
    # Three-band decision (absent in packs calibrated before it: one band, match_threshold).
    accept_threshold: float | None = None  # accept without digits at or above (with the margin)
    accept_margin: float | None = None  # top-1 minus top-2 needed for an accept without digits
    step_up_threshold: float | None = None  # below: decline; between: ask for the phone digits
    step_up_top_k: int = 1  # candidates in the band whose digits are checked
    accept_gallery_limit: int | None = None  # from this gallery size on, every match steps up

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        optional = {"accept_threshold", "accept_margin", "step_up_threshold"}
        names = [
            name
            for name in cls.__dataclass_fields__
            if name not in {"sources", "step_up_top_k", "accept_gallery_limit", *optional}
        ]
        values: dict[str, Any] = {name: float(data[name]) for name in names}
        values |= {name: float(data[name]) for name in optional if data.get(name) is not None}
        if data.get("step_up_top_k") is not None:
            values["step_up_top_k"] = int(data["step_up_top_k"])
        if data.get("accept_gallery_limit") is not None:
            values["accept_gallery_limit"] = int(data["accept_gallery_limit"])
        return cls(**values, sources=dict(data.get("sources", {})))

    @property
    def bands(self) -> tuple[float, float, float]:
        """(accept threshold, accept margin, step-up threshold); one band when uncalibrated."""
        return (
            self.match_threshold if self.accept_threshold is None else self.accept_threshold,
            self.match_margin if self.accept_margin is None else self.accept_margin,
            self.match_threshold if self.step_up_threshold is None else self.step_up_threshold,
        )


@dataclass(frozen=True)
class PackManifest:
    name: str
    kind: str  # "faceplugin" or "insightface"
    license: str
    source: dict[str, Any]
    files: dict[str, ModelFile]
    calibration: Calibration | None
    manifest_path: Path
    directory_override: Path | None  # operator packs live in their own folder

    @property
    def model_version(self) -> str:
        """Audit string: pack name plus the embedders' hash prefixes (templates record it, so a
        pack change re-enrols instead of mixing vectors)."""
        version = f"{self.name}@{self.files['embedder'].sha256[:16]}"
        if "embedder_secondary" in self.files:
            version += f"+{self.files['embedder_secondary'].sha256[:16]}"
        return version

    @property
    def embedding_dimension(self) -> int:
        """Length of a template: the embedder's, plus the second embedder's when fused."""
        return sum(
            int(self.files[role].input.get("dimension", 512))
            for role in ("embedder", "embedder_secondary")
            if role in self.files
        )

    def directory(self, config: FaceConfig) -> Path:
        return self.directory_override or (config.model_dir / self.name)

    def path_of(self, role: str, config: FaceConfig) -> Path:
        return self.directory(config) / self.files[role].file


@dataclass(frozen=True)
class FetchReport:
    pack: str
    directory: Path
    downloaded: tuple[str, ...]  # file names written this time; empty when already complete
    verified: tuple[str, ...]


def _parse_manifest(data: dict[str, Any], path: Path, directory: Path | None) -> PackManifest:
    files = {
        role: ModelFile(
            role=role,
            file=str(spec["file"]),
            sha256=str(spec["sha256"]).lower(),
            size_bytes=spec.get("size_bytes"),
            member=spec.get("member"),
            input=dict(spec.get("input", {})),
            source=dict(spec["source"]) if spec.get("source") else None,
            member_sha256=str(spec["member_sha256"]).lower() if spec.get("member_sha256") else None,
            transform=tuple(spec.get("transform", ())),
        )
        for role, spec in data["files"].items()
    }
    calibration_data = data.get("calibration") or None
    return PackManifest(
        name=str(data["name"]),
        kind=str(data.get("kind", "faceplugin")),
        license=str(data.get("license", "unknown")),
        source=dict(data.get("source", {})),
        files=files,
        calibration=Calibration.from_dict(calibration_data) if calibration_data else None,
        manifest_path=path,
        directory_override=directory,
    )


def load_manifest(pack: str) -> PackManifest:
    """Load a committed manifest by name, or an operator pack folder's `pack.json` by path."""
    folder = Path(pack)
    if folder.is_dir():
        path = folder / OPERATOR_MANIFEST
        if not path.is_file():
            raise errors.ModelPackMissing(
                f"The operator pack folder {folder} has no {OPERATOR_MANIFEST}.", pack=pack
            )
        return _parse_manifest(json.loads(path.read_text()), path, folder.resolve())
    path = PACKS_DIR / f"{pack}.json"
    if not path.is_file():
        raise errors.ModelPackMissing(f"No model pack manifest named {pack!r}.", pack=pack)
    return _parse_manifest(json.loads(path.read_text()), path, None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_pack(manifest: PackManifest, *, config: FaceConfig) -> tuple[str, ...]:
    """Check every file's sha256. Raises ModelPackMissing or ModelPackTampered; returns names."""
    verified = []
    for model in manifest.files.values():
        path = manifest.path_of(model.role, config)
        if not path.is_file():
            raise errors.ModelPackMissing(
                f"Model file {path} is missing: run `python manage.py face_fetch`.",
                pack=manifest.name,
                file=model.file,
            )
        actual = sha256_of(path)
        if actual != model.sha256:
            raise errors.ModelPackTampered(
                f"Model file {path} has sha256 {actual}, but the manifest expects "
                f"{model.sha256}: refusing to load it. Run `python manage.py face_fetch --repair` "
                "to replace it with a verified download.",
                pack=manifest.name,
                file=model.file,
                expected_sha256=model.sha256,
                actual_sha256=actual,
            )
        verified.append(model.file)
    return tuple(verified)


def check_license(manifest: PackManifest, *, config: FaceConfig) -> None:
    """Outside DEBUG, refuse a pack whose licence is not in FACEPAY_ALLOWED_MODEL_LICENSES."""
    if config.is_debug or manifest.license in config.allowed_licenses:
        return
    raise errors.ModelPackLicenseRefused(
        f"Model pack {manifest.name!r} is licensed {manifest.license!r}, which is not in "
        "FACEPAY_ALLOWED_MODEL_LICENSES.",
        pack=manifest.name,
        license=manifest.license,
        allowed=list(config.allowed_licenses),
    )


def _npm_integrity_ok(tarball: bytes, integrity: str) -> bool:
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in {"sha512", "sha384", "sha256", "sha1"}:
        return False
    actual = base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode()
    return actual == expected


def _download(url: str) -> bytes:
    if not url.startswith("https://"):
        raise errors.ModelPackFetchFailed(f"Refusing a non-HTTPS download URL: {url}")
    # Only https:// reaches here (checked above), so no file: or custom scheme can be opened.
    request = urllib.request.Request(url, headers={"User-Agent": "facepay-face-fetch"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
        data = response.read(MAX_TARBALL_BYTES + 1)
    if len(data) > MAX_TARBALL_BYTES:
        raise errors.ModelPackFetchFailed(f"{url} is larger than {MAX_TARBALL_BYTES} bytes.")
    return bytes(data)


def _registry_integrity(source: dict[str, Any]) -> str:
    url = f"{source['registry_url']}/{source['package']}/{source['version']}"
    metadata = json.loads(_download(url))
    return str(metadata["dist"]["integrity"])


def _fetch_npm_tarball_of(manifest: PackManifest, source: dict[str, Any]) -> bytes:
    try:
        registry_integrity = _registry_integrity(source)
        tarball = _download(str(source["tarball"]))
    except OSError as exc:  # URLError and socket errors are OSErrors
        raise errors.ModelPackFetchFailed(
            f"Could not download {source['package']}@{source['version']}: {exc}",
            pack=manifest.name,
        ) from exc
    # The committed integrity pins the exact tarball; the registry's must agree with it.
    if registry_integrity != source["integrity"] or not _npm_integrity_ok(
        tarball, str(source["integrity"])
    ):
        raise errors.ModelPackTampered(
            f"The tarball of {source['package']}@{source['version']} does not match the "
            "integrity recorded in the manifest.",
            pack=manifest.name,
            expected=source["integrity"],
            registry=registry_integrity,
        )
    return tarball


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)


def _fetch_pypi_wheel(manifest: PackManifest, source: dict[str, Any]) -> bytes:
    """The pinned wheel, by name and version from the index's JSON (PEP 691), sha256 checked."""
    index = f"{source['registry_url'].rstrip('/')}/{source['package']}/"
    try:
        request = urllib.request.Request(  # noqa: S310 - https only, checked in _download
            index,
            headers={
                "User-Agent": "facepay-face-fetch",
                "Accept": "application/vnd.pypi.simple.v1+json",
            },
        )
        if not index.startswith("https://"):
            raise errors.ModelPackFetchFailed(f"Refusing a non-HTTPS index URL: {index}")
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
            listing = json.loads(response.read())
        entry = next(
            (item for item in listing["files"] if item["filename"] == source["filename"]), None
        )
        if entry is None:
            raise errors.ModelPackFetchFailed(
                f"{source['filename']} is not in the registry's list of {source['package']}.",
                pack=manifest.name,
            )
        wheel = _download(str(entry["url"]))
    except OSError as exc:
        raise errors.ModelPackFetchFailed(
            f"Could not download {source['package']}=={source['version']}: {exc}",
            pack=manifest.name,
        ) from exc
    registry_sha = str(entry.get("hashes", {}).get("sha256", ""))
    actual = hashlib.sha256(wheel).hexdigest()
    if registry_sha != source["sha256"] or actual != source["sha256"]:
        raise errors.ModelPackTampered(
            f"The wheel {source['filename']} does not match the sha256 recorded in the manifest.",
            pack=manifest.name,
            expected=source["sha256"],
            registry=registry_sha,
            actual=actual,
        )
    return wheel


def _source_key(source: dict[str, Any]) -> str:
    return json.dumps(source, sort_keys=True)


def _read_members(
    manifest: PackManifest, source: dict[str, Any], names: list[str]
) -> dict[str, bytes | None]:
    """The named members of the package that `source` pins (None where a member is absent)."""
    registry = source.get("registry")
    found: dict[str, bytes | None] = dict.fromkeys(names)
    if registry == "npm":
        tarball = io.BytesIO(_fetch_npm_tarball_of(manifest, source))
        with tarfile.open(fileobj=tarball, mode="r:gz") as archive:
            for name in names:
                try:
                    member = archive.extractfile(name)
                except KeyError:
                    continue
                found[name] = None if member is None else member.read()
        return found
    if registry == "pypi":
        with zipfile.ZipFile(io.BytesIO(_fetch_pypi_wheel(manifest, source))) as wheel:
            for name in names:
                if name in wheel.namelist():
                    found[name] = wheel.read(name)
        return found
    raise errors.ModelPackMissing(
        f"Pack {manifest.name!r} is operator-supplied: copy its files into the pack folder.",
        pack=manifest.name,
    )


def _extract(manifest: PackManifest, model: ModelFile, data: bytes | None) -> bytes:
    if data is None:
        raise errors.ModelPackFetchFailed(
            f"{model.member} is not a file in the registry package.", pack=manifest.name
        )
    expected_member = model.member_sha256 or model.sha256
    if hashlib.sha256(data).hexdigest() != expected_member:
        raise errors.ModelPackTampered(
            f"{model.member} in the registry package does not match its sha256.",
            pack=manifest.name,
            file=model.file,
        )
    if model.transform:
        data = transform.apply(list(model.transform), data, pack=manifest.name, file=model.file)
        actual = hashlib.sha256(data).hexdigest()
        if actual != model.sha256:
            raise errors.ModelPackTampered(
                f"{model.file} after {', '.join(model.transform)} has sha256 {actual}, not the "
                f"manifest's {model.sha256}.",
                pack=manifest.name,
                file=model.file,
                expected_sha256=model.sha256,
                actual_sha256=actual,
            )
    return bytes(data)


def fetch_pack(manifest: PackManifest, *, config: FaceConfig, repair: bool = False) -> FetchReport:
    """Fetch missing files from their registries and verify all of them. Idempotent.

    A present file with a wrong sha256 raises ModelPackTampered unless `repair` is true, in
    which case it is replaced by a verified download. A file may come from another package
    than the pack's (its own `source`) and may be rewritten by code at fetch time (`transform`),
    the output's sha256 checked like any file's. Operator packs cannot be fetched.
    """
    directory = manifest.directory(config)
    missing = []
    for model in manifest.files.values():
        path = directory / model.file
        if not path.is_file():
            missing.append(model)
        elif sha256_of(path) != model.sha256:
            if not repair:
                verify_pack(manifest, config=config)  # raises the clear tampered message
            missing.append(model)
    downloaded = []
    by_source: dict[str, list[ModelFile]] = {}
    for model in missing:
        by_source.setdefault(_source_key(model.source or manifest.source), []).append(model)
    for key, models in by_source.items():
        members = _read_members(manifest, json.loads(key), [str(model.member) for model in models])
        for model in models:
            data = _extract(manifest, model, members[str(model.member)])
            _write_atomically(directory / model.file, data)
            downloaded.append(model.file)
    verified = verify_pack(manifest, config=config)
    return FetchReport(
        pack=manifest.name,
        directory=directory,
        downloaded=tuple(downloaded),
        verified=verified,
    )


def write_calibration(
    manifest: PackManifest, *, values: dict[str, float], sources: dict[str, str]
) -> Calibration:
    """Merge measured thresholds into the manifest file's calibration (with their sources)."""
    data = json.loads(manifest.manifest_path.read_text())
    calibration = dict(data.get("calibration") or {})
    calibration.update({name: float(value) for name, value in values.items()})
    merged_sources = dict(calibration.get("sources", {}))
    stamp = datetime.now(tz=UTC).date().isoformat()
    merged_sources.update({name: f"{text} ({stamp})" for name, text in sources.items()})
    calibration["sources"] = merged_sources
    data["calibration"] = calibration
    manifest.manifest_path.write_text(json.dumps(data, indent=2) + "\n")
    return Calibration.from_dict(calibration)


def _operator_role(path: Path) -> str | None:
    """insightface's own routing: >= 5 outputs is a detector, a square >= 112 input an embedder."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    shape = session.get_inputs()[0].shape
    if len(session.get_outputs()) >= 5:
        return "detector"
    side = shape[2] if len(shape) == 4 else None
    if isinstance(side, int) and side == shape[3] and side >= 112 and side % 16 == 0:
        return "embedder"
    return None


def describe_operator_pack(folder: Path, *, name: str, license_name: str) -> PackManifest:
    """Write `pack.json` for an operator's insightface folder (e.g. a licensed buffalo_l).

    Pins each file's sha256 as found now, so later loads refuse changed files. Raises
    ModelPackMissing when no detector or no embedder is in the folder.
    """
    files: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.onnx")):
        role = _operator_role(path)
        if role is not None and role not in files:
            files[role] = {
                "file": path.name,
                "sha256": sha256_of(path),
                "size_bytes": path.stat().st_size,
                "input": {"size": [640, 640], "score_threshold": 0.5, "nms_iou": 0.4}
                if role == "detector"
                else {"colour": "RGB", "crop": "insightface norm_crop on 5 points"},
            }
    missing = {"detector", "embedder"} - set(files)
    if missing:
        raise errors.ModelPackMissing(
            f"{folder} has no {' and no '.join(sorted(missing))} ONNX file.", pack=name
        )
    data = {
        "name": name,
        "kind": "insightface",
        "license": license_name,
        "source": {"registry": "operator", "folder": str(folder.resolve())},
        "files": files,
        "calibration": {},
    }
    (folder / OPERATOR_MANIFEST).write_text(json.dumps(data, indent=2) + "\n")
    return load_manifest(str(folder))
