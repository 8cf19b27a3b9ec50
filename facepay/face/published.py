"""The measured figures of a model pack, as `face_eval --publish` last wrote them.

One committed JSON file per pack (`packs/reports/<pack>.json`) holds a section per kind of
measurement (verification, identification, liveness), each with the time it was measured and
the data it was measured on; the public accuracy page shows it. Plain Python, no Django.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPORTS_DIR = Path(__file__).resolve().parent / "packs" / "reports"
SECTIONS = ("verification", "identification", "liveness")


def load(pack_name: str, *, directory: Path | None = None) -> dict[str, Any]:
    """The pack's published sections; an empty dict when it was never published."""
    path = (directory or REPORTS_DIR) / f"{pack_name}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    return {name: data[name] for name in SECTIONS if name in data}


def publish(
    pack_name: str,
    *,
    section: str,
    figures: dict[str, Any],
    data: str,
    measured_at: str,
    command: str,
    directory: Path | None = None,
) -> Path:
    """Replace one section of the pack's published figures (the others are kept)."""
    if section not in SECTIONS:
        raise ValueError(f"unknown section {section!r}")
    directory = directory or REPORTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{pack_name}.json"
    current = json.loads(path.read_text()) if path.is_file() else {}
    current[section] = {
        "measured_at": measured_at,
        "data": data,
        "command": command,
        "figures": figures,
    }
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    return path
