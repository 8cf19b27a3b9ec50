"""Live dashboard feed: which groups a dashboard joins and what it is sent.

The payments app pushes "payment.status" events to `store.<id>` groups (payments.broadcasts);
a dashboard socket joins the groups of the stores its viewer may see and forwards captures
with the viewer's refreshed figures for today.
"""

from __future__ import annotations

from typing import Any

from payments import broadcasts as payments_broadcasts
from payments.sales import dashboard

# Forwarded from payments' PaymentAttemptOutput; the customer's (masked) name stays out.
FORWARDED_ATTEMPT_FIELDS = (
    "id",
    "status",
    "method",
    "amount_minor",
    "currency",
    "store_id",
    "terminal_id",
    "captured_at",
)


def store_group(store_id: int) -> str:
    """The payments app's group for one store: its "payment.status" events land there."""
    return payments_broadcasts.store_group(store_id)


def figures_payload(figures: dashboard.Figures) -> dict[str, Any]:
    return {
        "payments": figures.payments,
        "gross_minor": figures.gross_minor,
        "fees_minor": figures.fees_minor,
        "refunds": figures.refunds,
        "refunds_minor": figures.refunds_minor,
        "net_minor": figures.net_minor,
        "average_ticket_minor": figures.average_ticket_minor,
        "unique_customers": figures.unique_customers,
        "repeat_customers": figures.repeat_customers,
        "currency": figures.currency,
    }


def dashboard_payment_message(
    *, attempt: dict[str, Any], today: dashboard.Figures
) -> dict[str, Any]:
    """What a dashboard socket receives for one payment event (never a customer identity)."""
    return {
        "type": "payment.status",
        "attempt": {key: attempt[key] for key in FORWARDED_ATTEMPT_FIELDS if key in attempt},
        "today": figures_payload(today),
    }
