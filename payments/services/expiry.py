"""Expiry: the beat job's sweep of open attempts past their deadline."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from payments import broadcasts
from payments.models import FINAL_STATUSES, AttemptFrame, PaymentAttempt
from payments.services.transitions import Status, stamp


def payment_attempts_expire(*, now: datetime | None = None) -> int:
    """Expire every open attempt past its deadline (skips rows locked by a live capture)."""
    now = now or timezone.now()
    expired = 0
    open_ids = list(
        PaymentAttempt.objects.exclude(status__in=FINAL_STATUSES)
        .filter(expires_at__lte=now)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in open_ids:
        with transaction.atomic(durable=True):
            attempt = (
                PaymentAttempt.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, expires_at__lte=now)
                .exclude(status__in=FINAL_STATUSES)
                .first()
            )
            if attempt is None:
                continue
            attempt.save(update_fields=stamp(attempt, Status.EXPIRED, now))
            AttemptFrame.objects.filter(attempt=attempt).delete()
            broadcasts.payment_attempt_changed(attempt)
            expired += 1
    return expired
