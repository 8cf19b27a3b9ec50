from collections.abc import Iterator

import pytest

from customers import gallery
from facepay.face import pack
from facepay.face.config import get_config


@pytest.fixture(autouse=True)
def _fresh_gallery() -> Iterator[None]:
    # Each test's database is rolled back: the process's gallery index must not outlive it.
    gallery.forget()
    yield
    gallery.forget()


@pytest.fixture(scope="session")
def face_pack() -> None:
    """The configured model pack in the model folder (fetched and verified once, if missing)."""
    config = get_config()
    pack.fetch_pack(pack.load_manifest(config.pack), config=config)
