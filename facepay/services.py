"""Platform-wide writes: the audit log."""

from __future__ import annotations

from django.db import models

from facepay.models import AuditEvent, User


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
