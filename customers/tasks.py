"""Customer background jobs."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init

from customers import gallery, services

logger = logging.getLogger(__name__)


@worker_process_init.connect
def gallery_warm_start(**_kwargs: Any) -> None:
    """Each Celery worker process loads the gallery in the background as soon as it starts, so
    the load (bench/gallery_load.py: docs/benchmarks.md, issue 16) is not paid by the first
    recognition job when the street is quiet at start. A recognition job that comes during the
    load waits for it at most FACEPAY_GALLERY_LOAD_WAIT_SECONDS, then declines the attempt with
    the retryable code gallery_loading: it never answers from a partial gallery, which could
    accept the wrong customer or miss the right one (payments.services.recognition)."""
    gallery.load_in_background()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def face_templates_purge_expired_task() -> int:
    """Beat: delete templates unused for the retention period (idempotent)."""
    return services.face_templates_purge_expired()
