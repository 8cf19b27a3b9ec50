from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Licence uploads land in a per-test folder, not in the working tree's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
