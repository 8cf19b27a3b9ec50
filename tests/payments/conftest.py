from collections.abc import Iterator

import pytest

from customers import gallery


@pytest.fixture(autouse=True)
def _fresh_gallery() -> Iterator[None]:
    # Each test's database is rolled back: the process's gallery index must not outlive it.
    gallery.forget()
    yield
    gallery.forget()
