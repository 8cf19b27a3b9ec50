"""Credit jobs: the monthly scoring run (Celery beat, see facepay/celery.py)."""

from __future__ import annotations

from celery import shared_task

from credit import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def credit_scores_compute_task() -> int:
    """Score every approved merchant for the last complete month; a rerun adds nothing."""
    return len(services.credit_scores_compute())
