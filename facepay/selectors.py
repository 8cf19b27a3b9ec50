"""Platform-wide reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from facepay.face import pack, published
from facepay.face.config import get_config
from facepay.models import AuditEvent, User

ROLE_HOME_URL_NAMES: dict[str, str] = {
    User.Role.CUSTOMER: "customers:home",
    User.Role.MERCHANT_OWNER: "merchants:home",
    User.Role.STORE_STAFF: "merchants:home",
    User.Role.FINANCE_REVIEWER: "credit:home",
    User.Role.OPERATOR: "ops",
}


def home_url_for(user: User) -> str:
    """Where a signed-in user lands: each role has its own home page."""
    if user.is_superuser and user.role == User.Role.CUSTOMER:
        return reverse("ops")
    return reverse(ROLE_HOME_URL_NAMES[user.role])


def audit_event_list_for_operator(*, action_prefix: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events


@dataclass(frozen=True)
class PackFigures:
    pack: str
    model_version: str
    license: str
    sections: dict[str, Any]  # published.SECTIONS present: measured_at, data, command, figures


def pack_figures_public() -> PackFigures:
    """The configured pack's figures as `face_eval --publish` last wrote them (public read)."""
    manifest = pack.load_manifest(get_config().pack)
    return PackFigures(
        pack=manifest.name,
        model_version=manifest.model_version,
        license=manifest.license,
        sections=published.load(manifest.name),
    )
