"""Customer background jobs."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import shared_task
from celery.signals import worker_process_init
from django.db import connection

from customers import gallery, services

logger = logging.getLogger(__name__)


def _gallery_warm() -> None:
    try:
        gallery.sync()
    except Exception:  # the first search loads it again and reports the cause
        logger.exception("gallery load at worker start failed")
    finally:
        connection.close()


@worker_process_init.connect
def gallery_warm_start(**_kwargs: Any) -> None:
    """Each Celery worker process loads the gallery in the background as soon as it starts, so
    the load (bench/gallery_load.py: docs/benchmarks.md, issue 16) is not paid by the first
    recognition job when the street is quiet at start. A search that comes during the load waits
    for it (the index lock): it never answers from a partial gallery, which could accept the wrong
    customer."""
    threading.Thread(target=_gallery_warm, name="gallery-warm", daemon=True).start()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def face_templates_purge_expired_task() -> int:
    """Beat: delete templates unused for the retention period (idempotent)."""
    return services.face_templates_purge_expired()
