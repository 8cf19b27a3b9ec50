"""Issue 16: a Celery worker process loads the gallery in the background as it starts."""

from __future__ import annotations

import pytest

from customers import gallery, tasks
from tests.payments.factories import enrolled_customer

pytestmark = pytest.mark.django_db(transaction=True)  # the loading thread has its own connection


def test_worker_start_loads_the_gallery_in_a_background_thread() -> None:
    customer = enrolled_customer(model_version=gallery.current_model_version())
    gallery.forget()
    tasks.gallery_warm_start()
    loader = gallery._loader  # (a thread that already finished is no longer enumerated)
    assert loader is not None
    assert loader.name == "gallery-warm"
    assert loader.daemon  # never keeps a stopping worker alive
    loader.join(timeout=60)
    assert gallery._index is not None  # loaded before any search asked for it
    assert customer.pk in gallery._index
    gallery.forget()
