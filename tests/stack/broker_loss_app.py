"""A one-task Celery app with FacePay's broker settings, for the broker-loss regression test.

Its task runs for a few seconds so that the worker is certain to hold it, unacknowledged, when
the test stops Redis; the recognition job is too quick to be caught that reliably.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import Celery

from facepay import settings

app = Celery(
    "broker_loss", broker=os.environ["BROKER_LOSS_URL"], backend=os.environ["BROKER_LOSS_URL"]
)
app.conf.update(
    task_acks_late=settings.CELERY_TASK_ACKS_LATE,
    task_reject_on_worker_lost=settings.CELERY_TASK_REJECT_ON_WORKER_LOST,
    worker_prefetch_multiplier=settings.CELERY_WORKER_PREFETCH_MULTIPLIER,
    broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    broker_connection_retry_on_startup=settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP,
    broker_connection_max_retries=settings.CELERY_BROKER_CONNECTION_MAX_RETRIES,
)


@app.task
def hold(marker: str, seconds: float) -> None:
    """Mark the start, work for `seconds`, mark the end (files the test watches)."""
    Path(f"{marker}.started").touch()
    time.sleep(seconds)
    Path(f"{marker}.done").touch()
