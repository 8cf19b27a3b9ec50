"""Customer background jobs."""

from __future__ import annotations

from celery import shared_task

from customers import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def face_templates_purge_expired_task() -> int:
    """Beat: delete templates unused for the retention period (idempotent)."""
    return services.face_templates_purge_expired()
