"""Recovery by design: attempts whose recognition job was lost are driven again.

A job can be lost in many ways: never enqueued (Redis was down at commit), enqueued into a Redis
that died, held unacknowledged by a worker that was killed (the broker hands it out again only
after its visibility timeout, longer than an attempt's TTL), or out of retries. The sweeper
(`payment_attempts_redrive`, run by beat every few seconds) re-enqueues every attempt still
undecided a few seconds after it should have been picked up; the job is idempotent
(payment_attempt_recognise returns early once an attempt is decided, and a rerun of a held job
decides under the attempt's row lock), so a re-drive that races the original job is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from facepay import health
from facepay.celery import app as celery_app
from payments import errors
from payments.models import PaymentAttempt
from payments.services.creation import RECOGNISE_TASK

Status = PaymentAttempt.Status
logger = logging.getLogger(__name__)
REDRIVE_KEY = "payments:redrive:{pk}"


def payment_attempts_redrive(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Re-enqueue recognition for attempts left undecided; returns the ids re-driven.

    `created` with its burst received longer than FACEPAY_REDRIVE_CREATED_SECONDS ago (an
    attempt still waiting for the terminal's burst has no job to lose), or `recognising` longer than
    FACEPAY_REDRIVE_RECOGNISING_SECONDS (a recognition takes about a second), and not yet
    expired. Each attempt is re-driven at most once per FACEPAY_REDRIVE_RECOGNISING_SECONDS, so a
    backlog behind a slow worker is not multiplied. Stops at the first enqueue that fails (the
    broker is down): the next sweep tries again.
    """
    now = now or timezone.now()
    created_before = now - timedelta(seconds=settings.FACEPAY_REDRIVE_CREATED_SECONDS)
    recognising_before = now - timedelta(seconds=settings.FACEPAY_REDRIVE_RECOGNISING_SECONDS)
    stuck = (
        PaymentAttempt.objects.filter(expires_at__gt=now)
        .filter(
            Q(status=Status.CREATED, burst_received_at__lte=created_before)
            | Q(status=Status.RECOGNISING, recognising_at__lte=recognising_before)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    redriven: list[int] = []
    for pk in stuck:
        if not cache.add(
            REDRIVE_KEY.format(pk=pk), 1, timeout=settings.FACEPAY_REDRIVE_RECOGNISING_SECONDS
        ):
            continue  # re-driven moments ago: give that job its time
        try:
            celery_app.tasks[RECOGNISE_TASK].delay(pk)
        except Exception:
            cache.delete(REDRIVE_KEY.format(pk=pk))
            logger.warning("re-drive of attempt %s not enqueued; next sweep retries", pk)
            break
        redriven.append(pk)
    if redriven:
        logger.info("re-drove %d undecided attempt(s): %s", len(redriven), redriven)
    return redriven


def recognition_require_available() -> None:
    """Refuse a new face payment while no worker beats or Redis is down (RecognitionUnavailable).

    The counter then says so plainly and offers the payment code, which needs neither.
    """
    try:
        alive = health.check_worker()["ok"]
    except Exception:  # the heartbeat lives in Redis: unreadable means Redis is down
        alive = False
    if not alive:
        raise errors.RecognitionUnavailable(
            _("Face recognition is unavailable right now. Please pay with the payment code.")
        )


def queue_health() -> dict[str, object]:
    """/healthz component `queue`: no attempt waited longer than FACEPAY_QUEUE_MAX_AGE_SECONDS
    for its recognition; with the broker queue's length (registered by payments' AppConfig)."""
    oldest = (
        PaymentAttempt.objects.filter(
            status__in=(Status.CREATED, Status.RECOGNISING),
            burst_received_at__isnull=False,
            expires_at__gt=timezone.now(),
        )
        .order_by("burst_received_at")
        .values_list("burst_received_at", flat=True)
        .first()
    )
    age = 0.0 if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0)
    check: dict[str, object] = {
        "ok": age <= settings.FACEPAY_QUEUE_MAX_AGE_SECONDS,
        "oldest_wait_s": round(age, 1),
    }
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        with celery_app.connection_for_read() as conn:
            check["queued_jobs"] = conn.default_channel.client.llen("celery")
    return check
