"""Issue 16: a worker's start must not block the first payment, nor answer from part of the
gallery. A recognition job that finds the gallery still loading waits a bounded time, then
declines with the retryable code gallery_loading; once the load is done the same face is found.

The slow load is the one fault injected: a thread holds the gallery's index lock, as a worker's
background load of a large gallery does for minutes (bench/gallery_load.py: 85 s at 1 M).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from customers import gallery
from payments import errors, services
from payments.models import PaymentAttempt
from payments.services.recognition import Probe
from tests.merchants.factories import TerminalFactory
from tests.payments.factories import enrolled_customer, unit_vector
from tests.payments.test_recognition import _attempt


@pytest.mark.django_db(transaction=True)  # the loader thread reads committed rows
def test_a_job_during_the_gallery_load_declines_retryably_then_the_face_is_found(
    settings, face_pack: None
) -> None:
    settings.FACEPAY_GALLERY_LOAD_WAIT_SECONDS = 0.3
    embedding = unit_vector(7)
    customer = enrolled_customer(embedding, model_version=gallery.current_model_version())
    probe = Probe(
        embedding=embedding, liveness_score=0.99, model_version=gallery.current_model_version()
    )
    terminal = TerminalFactory()
    gallery.forget()

    loading, finish = threading.Event(), threading.Event()

    def slow_load() -> None:
        with gallery._lock:  # a load in progress holds the index
            loading.set()
            finish.wait(30)

    holder = threading.Thread(target=slow_load)
    holder.start()
    loading.wait(5)
    gallery.load_in_background()  # what the worker's start hook does
    first = _attempt(terminal)
    outcome: dict[str, object] = {}

    def recognise() -> None:
        try:
            started = time.monotonic()
            outcome["attempt"] = services.payment_attempt_identify(attempt_id=first.pk, probe=probe)
            outcome["seconds"] = time.monotonic() - started
        finally:
            connection.close()

    job = threading.Thread(target=recognise)
    job.start()
    job.join(timeout=10)
    finished = not job.is_alive()
    finish.set()  # the load goes on and completes
    holder.join()
    job.join()
    assert finished, "the job waited for the whole load"
    declined = PaymentAttempt.objects.get(pk=first.pk)
    assert declined.status == PaymentAttempt.Status.DECLINED
    assert declined.decline_code == errors.DECLINE_GALLERY_LOADING  # not no_match: try again
    assert declined.customer_id is None
    assert float(outcome["seconds"]) < 5  # type: ignore[arg-type]

    gallery._loader.join(30)  # type: ignore[union-attr]
    second = services.payment_attempt_identify(attempt_id=_attempt(terminal).pk, probe=probe)
    assert second is not None
    assert second.customer_id == customer.pk
    assert second.status in (
        PaymentAttempt.Status.AWAITING_CONFIRMATION,
        PaymentAttempt.Status.CAPTURED,
    )
