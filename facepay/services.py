"""Platform-wide writes: the audit log, the face-check CPU budget."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext as _

from facepay.errors import RateLimited
from facepay.models import AuditEvent, User

BUDGET_WINDOW_SECONDS = 60


class FaceCheckBudgetExhausted(RateLimited):
    code = "face_check_budget_exhausted"


def _budget_key(user_id: int) -> str:
    return f"facepay:face-check-cpu:{user_id}:{int(time.time()) // BUDGET_WINDOW_SECONDS}"


def face_check_budget_require(*, user_id: int) -> None:
    """Raise FaceCheckBudgetExhausted (429) when this user's face checks have used up their
    CPU seconds (FACEPAY_FACE_CHECK_CPU_SECONDS_PER_MINUTE) in the current minute."""
    budget_ms = settings.FACEPAY_FACE_CHECK_CPU_SECONDS_PER_MINUTE * 1000
    if (cache.get(_budget_key(user_id)) or 0) >= budget_ms:
        raise FaceCheckBudgetExhausted(
            _("Too many face checks: wait a minute and try again."),
            retry_after_seconds=BUDGET_WINDOW_SECONDS - int(time.time()) % BUDGET_WINDOW_SECONDS,
        )


def face_check_budget_charge(*, user_id: int, cpu_seconds: float) -> None:
    """Add one check's CPU time to the user's minute (atomic in Redis; best effort in locmem)."""
    key = _budget_key(user_id)
    cache.add(key, 0, timeout=2 * BUDGET_WINDOW_SECONDS)
    cache.incr(key, max(1, round(cpu_seconds * 1000)))


def audit_event_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None = None,
    data: dict[str, object] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Append one audit row (never updated). Joins the caller's transaction, if any."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
        ip_address=ip_address,
    )
