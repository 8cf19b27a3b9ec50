"""Credit jobs: the monthly scoring run (beat) and an on-demand re-score of one merchant."""

from __future__ import annotations

from celery import shared_task

from credit import services
from merchants.models import Merchant


@shared_task(acks_late=True, reject_on_worker_lost=True)
def credit_scores_compute_task() -> int:
    """Score every approved merchant for the last complete month; a rerun adds nothing."""
    return len(services.credit_scores_compute())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def credit_score_compute_task(merchant_id: int) -> int:
    """Monthly-score one merchant for the last complete month (idempotent); returns the row id."""
    merchant = Merchant.objects.get(pk=merchant_id)
    period = services.last_complete_month()
    return services.credit_score_compute(merchant=merchant, period_start=period).pk
