"""Customers fixtures: a fresh gallery per test, and real photos that pass the engine's gates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from customers import gallery
from tests.customers.photos import PhotoSet, select_photos


@pytest.fixture(autouse=True)
def _english_pages(settings) -> None:  # type: ignore[no-untyped-def]
    # Page assertions read English msgids; the Chinese catalogue must not change them.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_gallery() -> Iterator[None]:
    # Each test's database is rolled back: the process's index must not outlive it.
    gallery.forget()
    yield
    gallery.forget()


@pytest.fixture(scope="session")
def photos(faces_dir: Path) -> PhotoSet:
    return select_photos(faces_dir)
