"""Platform tasks."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from facepay import broadcasts, health


@shared_task(acks_late=True)
def ops_ping_task(*, nonce: str) -> None:
    """Push a ping to the operators' live feed from the process that runs the task."""
    broadcasts.ops_ping(nonce=nonce)


@worker_ready.connect
def worker_heartbeat_start(sender: Any = None, **_kwargs: Any) -> None:
    """/healthz reads this heartbeat: red within FACEPAY_WORKER_HEARTBEAT_MAX_AGE of a death."""
    health.worker_heartbeat_start(getattr(sender, "hostname", "worker"))
