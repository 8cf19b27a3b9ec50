"""Platform tasks."""

from __future__ import annotations

from celery import shared_task

from facepay import broadcasts


@shared_task(acks_late=True)
def ops_ping_task(*, nonce: str) -> None:
    """Push a ping to the operators' live feed from the process that runs the task."""
    broadcasts.ops_ping(nonce=nonce)
