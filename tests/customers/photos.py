"""Real dev-set photos that pass the engine's gates (shared by embedded and stack tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from customers import services
from facepay.face import errors as face_errors


def probe_code(data: bytes) -> str:
    try:
        services.face_frame_probe(image=data)
    except face_errors.FaceError as exc:
        return exc.code
    return "ok"


@dataclass(frozen=True)
class PhotoSet:
    person_a: list[bytes]  # 4 photos of one person that pass every gate
    strangers: list[bytes]  # one passing photo each of 20 other people
    person_a_name: str


def select_photos(faces_dir: Path) -> PhotoSet:
    """Person A: the first dev person with 4 gate-passing photos; then 20 other people."""
    people = sorted(path for path in (faces_dir / "dev").iterdir() if path.is_dir())
    person_a: list[bytes] = []
    name = ""
    strangers: list[bytes] = []
    for person in people:
        files = sorted(person.glob("*.jpg"))
        if not person_a and len(files) >= 4:
            passing = [data for data in (f.read_bytes() for f in files) if probe_code(data) == "ok"]
            if len(passing) >= 4:
                person_a, name = passing[:4], person.name
                continue
        if len(strangers) < 20 and person.name != name:
            for file in files[:3]:
                data = file.read_bytes()
                if probe_code(data) == "ok":
                    strangers.append(data)
                    break
        if person_a and len(strangers) >= 20:
            break
    assert len(person_a) == 4
    assert len(strangers) == 20
    return PhotoSet(person_a=person_a, strangers=strangers, person_a_name=name)
