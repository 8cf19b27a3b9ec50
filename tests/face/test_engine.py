"""The engine on real photos: same person matches, different people do not, gates refuse."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np
import pytest

from facepay.face import errors
from facepay.face.engine import FaceEngine
from facepay.face.intake import IntakeImage
from facepay.face.liveness import depth_relief_mm
from tests.face.conftest import letterbox_frame

Loader = Callable[[str], IntakeImage]

# Pairs chosen to sit clearly on their side of the 1:N threshold (cos 0.61-0.86 for the
# same person, below 0 for different people, measured by face_eval); borderline pairs are the
# evaluation's business, not a unit test's.
SAME = [
    ("Amber_Tamblyn/1.jpg", "Amber_Tamblyn/2.jpg"),
    ("Angelina_Jolie/1.jpg", "Angelina_Jolie/2.jpg"),
    ("deepface_Elon/1.jpg", "deepface_Elon/2.jpg"),
    ("deepface_Mark/1.jpg", "deepface_Mark/2.jpg"),
]
DIFFERENT = [
    ("Abel_Pacheco/1.jpg", "Amber_Tamblyn/1.jpg"),
    ("deepface_Elon/1.jpg", "deepface_Mark/1.jpg"),
    ("Angela_Merkel/1.jpg", "Amber_Tamblyn/2.jpg"),
    ("Andre_Agassi/1.jpg", "Abel_Pacheco/4.jpg"),
]


def similarity(engine: FaceEngine, load: Loader, first: str, second: str) -> float:
    a, b = engine.analyze(load(first))[0], engine.analyze(load(second))[0]
    assert a.embedding is not None
    assert b.embedding is not None
    return float(a.embedding @ b.embedding)


@pytest.mark.parametrize(("first", "second"), SAME)
def test_same_person_matches(
    engine: FaceEngine, load_photo: Loader, first: str, second: str
) -> None:
    assert similarity(engine, load_photo, first, second) >= engine.calibration.match_threshold


@pytest.mark.parametrize(("first", "second"), DIFFERENT)
def test_different_people_do_not_match(
    engine: FaceEngine, load_photo: Loader, first: str, second: str
) -> None:
    assert similarity(engine, load_photo, first, second) < engine.calibration.match_threshold


def test_analyze_returns_a_unit_embedding_and_five_landmarks(
    engine: FaceEngine, load_photo: Loader
) -> None:
    faces = engine.analyze(load_photo("Abel_Pacheco/1.jpg"))
    assert len(faces) == 1
    face = faces[0]
    assert face.embedding is not None
    assert face.embedding.shape == (engine.manifest.embedding_dimension,)
    assert float(np.linalg.norm(face.embedding)) == pytest.approx(1.0, abs=1e-5)
    assert face.embedding.flags.writeable is False
    assert len(face.landmarks) == 5
    assert face.model_version == "sface-fusion-v1@107111c7155b7f43+87aacdfe57510db2"
    left_eye, right_eye = face.landmarks[0], face.landmarks[1]
    assert left_eye[0] < right_eye[0]


def test_probe_on_a_camera_frame_returns_the_face(engine: FaceEngine, load_photo: Loader) -> None:
    frame = letterbox_frame(load_photo("Angelina_Jolie/1.jpg").pixels_bgr)
    face = engine.probe(frame, require_liveness=False)
    assert face.embedding is not None
    reference = engine.analyze(load_photo("Angelina_Jolie/2.jpg"))[0].embedding
    assert reference is not None
    assert float(face.embedding @ reference) >= engine.calibration.match_threshold


def test_probe_refuses_a_frame_without_a_face(engine: FaceEngine) -> None:
    frame = np.full((480, 640, 3), 90, dtype=np.uint8)
    cv2.rectangle(frame, (100, 100), (300, 300), (20, 200, 20), -1)
    with pytest.raises(errors.NoFace) as caught:
        engine.probe(frame)
    assert caught.value.code == "no_face"
    assert engine.analyze(frame) == []


def test_probe_refuses_two_equally_prominent_faces(engine: FaceEngine, load_photo: Loader) -> None:
    left = load_photo("Abel_Pacheco/1.jpg").pixels_bgr
    right = load_photo("Amber_Tamblyn/1.jpg").pixels_bgr
    frame = np.full((480, 640, 3), 128, dtype=np.uint8)
    frame[115:365, 60:310] = left
    frame[115:365, 330:580] = right
    with pytest.raises(errors.MultipleFaces) as caught:
        engine.probe(frame, require_liveness=False)
    assert caught.value.code == "multiple_faces"
    assert len(engine.analyze(frame, with_embedding=False)) == 2


def test_probe_refuses_a_tiny_face(engine: FaceEngine, load_photo: Loader) -> None:
    photo = load_photo("Angelina_Jolie/1.jpg").pixels_bgr
    small = cv2.resize(photo, (110, 110), interpolation=cv2.INTER_AREA)
    frame = np.full((480, 640, 3), 128, dtype=np.uint8)
    frame[185:295, 265:375] = small
    with pytest.raises((errors.FaceTooSmall, errors.NoFace)) as caught:
        engine.probe(frame, require_liveness=False)
    assert caught.value.code in {"face_too_small", "no_face"}


def test_probe_refuses_a_blurred_face(engine: FaceEngine, load_photo: Loader) -> None:
    frame = letterbox_frame(load_photo("Angelina_Jolie/1.jpg").pixels_bgr)
    blurred = cv2.GaussianBlur(frame, (0, 0), sigmaX=6)
    with pytest.raises((errors.FaceBlurred, errors.NoFace)) as caught:
        engine.probe(blurred, require_liveness=False)
    assert caught.value.code in {"face_blurred", "no_face"}


def test_probe_refuses_a_dark_face(engine: FaceEngine, load_photo: Loader) -> None:
    frame = letterbox_frame(load_photo("Angelina_Jolie/1.jpg").pixels_bgr)
    dark = (frame.astype(np.float32) * 0.12).astype(np.uint8)
    with pytest.raises((errors.FaceBadlyExposed, errors.FaceBlurred, errors.NoFace)) as caught:
        engine.probe(dark, require_liveness=False)
    assert caught.value.code in {"face_too_dark", "face_blurred", "no_face"}


@pytest.mark.parametrize(
    ("shift", "refusal", "code"),
    [(-1.0, errors.FaceTooDark, "face_too_dark"), (1.0, errors.FaceTooBright, "face_too_bright")],
)
def test_check_quality_says_whether_the_face_is_too_dark_or_too_bright(
    engine: FaceEngine,
    load_photo: Loader,
    shift: float,
    refusal: type[errors.FaceBadlyExposed],
    code: str,
) -> None:
    frame = letterbox_frame(load_photo("Angelina_Jolie/1.jpg").pixels_bgr)
    face = engine.describe(frame, engine.pick_probe_detection(frame), with_embedding=False)
    engine.check_quality(face)  # the photo itself passes every gate
    gates = engine.calibration
    edge = gates.min_brightness if shift < 0 else gates.max_brightness
    exposed = dataclasses.replace(
        face, quality=dataclasses.replace(face.quality, brightness=edge + shift)
    )
    with pytest.raises(refusal) as caught:
        engine.check_quality(exposed)
    assert caught.value.code == code
    assert isinstance(caught.value, errors.FaceBadlyExposed)  # callers of the family still catch it


def test_probe_refuses_a_flat_depth_map(engine: FaceEngine, load_photo: Loader) -> None:
    frame = letterbox_frame(load_photo("Angelina_Jolie/1.jpg").pixels_bgr)
    rows, columns = np.mgrid[0:480, 0:640]
    flat = (500 + 0.05 * columns + 0.02 * rows).astype(np.uint16)  # a tilted sheet of paper
    with pytest.raises(errors.SpoofSuspected, match="flat"):
        engine.probe(frame, depth=flat, require_liveness=False)


def test_depth_relief_of_a_face_shaped_surface_exceeds_the_calibrated_minimum(
    engine: FaceEngine,
) -> None:
    rows, columns = np.mgrid[0:480, 0:640]
    # A 3 cm-high dome in front of a plane at 50 cm: the scale of a nose and cheeks.
    dome = 500 - 30 * np.exp(-(((columns - 320) / 50.0) ** 2 + ((rows - 240) / 60.0) ** 2))
    relief = depth_relief_mm(
        dome.astype(np.uint16),
        (250.0, 150.0, 390.0, 330.0),
        frame_width=640,
        frame_height=480,
        millimetres_per_unit=1.0,
    )
    assert relief is not None
    assert relief > engine.calibration.depth_min_relief_mm
