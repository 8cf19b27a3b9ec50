"""Payments jobs: each one service call with its retry policy (time limits live in settings)."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from payments import ledger
from payments.services import expiry, recognition, recovery, settlement


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,  # a job a dead worker dropped comes back...
    autoretry_for=(OperationalError,),  # ...and only transient database trouble retries,
    retry_backoff=2,  # 2, 4, 8, 16, 32, 60, 60 … s (with jitter): about 4 minutes in all,
    retry_backoff_max=60,  # longer than a database restart; past that the sweeper re-drives
    max_retries=8,  # the attempt while it is open
)
def payment_attempt_recognise_task(attempt_id: int) -> None:
    """Recognise one attempt; harmless to rerun (returns early once decided)."""
    recognition.payment_attempt_recognise(attempt_id=attempt_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def payment_attempts_expire_task() -> int:
    """Expire abandoned attempts (beat, every minute)."""
    return expiry.payment_attempts_expire()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def settlement_run_task() -> int:
    """Nightly T+1 settlement, then the books check; idempotent per merchant and day."""
    batches = settlement.settlement_run()
    report = ledger.verify_books()
    if not report.is_consistent:
        raise RuntimeError("verify_books: " + "; ".join(report.problems[:10]))
    return len(batches)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def payment_attempts_redrive_task() -> int:
    """Re-drive attempts whose recognition job was lost (beat, every few seconds)."""
    return len(recovery.payment_attempts_redrive())
