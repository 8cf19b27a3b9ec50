"""Lockouts that hold across attempts, terminals and time.

Every wrong secret keyed at a terminal is a `WrongEntry`. Wrong phone digits count against the
customers they were tried for: FACEPAY_WRONG_DIGITS_PER_CUSTOMER_DAY of them in 24 hours pause
that customer's face pay (they resume it after signing in). Every wrong entry (digits, PIN,
payment code) counts against the terminal: FACEPAY_WRONG_ENTRIES_PER_TERMINAL_HOUR in an hour
pause the terminal and alert its owner and the operators. A wrong PIN or code never locks the
customer out of any way to pay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import services as customer_services
from merchants import selectors as merchant_selectors
from merchants import services as merchant_services
from payments import errors
from payments.models import WrongEntry

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal

CUSTOMER_WINDOW = timedelta(hours=24)
TERMINAL_WINDOW = timedelta(hours=1)


def terminal_require_active(terminal: Terminal) -> None:
    """Raise TerminalPaused when the terminal was paused for wrong entries (read fresh)."""
    paused_at = merchant_selectors.terminal_paused_at(terminal_id=terminal.pk)
    if paused_at is not None:
        raise errors.TerminalPaused(
            _("This terminal is paused after too many wrong entries; ask the shop owner."),
            paused_at=paused_at.isoformat(),
        )


@transaction.atomic
def wrong_entry_record(
    *,
    kind: str,
    terminal_id: int,
    attempt_id: int | None = None,
    customer_ids: tuple[int, ...] = (),
) -> set[int]:
    """Record one wrong entry and apply both lockouts; returns the customers paused by it."""
    now = timezone.now()
    rows = [
        WrongEntry(
            kind=kind, terminal_id=terminal_id, customer_id=customer, attempt_id=attempt_id, at=now
        )
        for customer in customer_ids or (None,)
    ]
    WrongEntry.objects.bulk_create(rows)
    # One keyed entry may be a row per candidate: they share their time stamp.
    terminal_count = (
        WrongEntry.objects.filter(terminal_id=terminal_id, at__gt=now - TERMINAL_WINDOW)
        .values("at", "attempt_id", "kind")
        .distinct()
        .count()
    )
    if terminal_count >= settings.FACEPAY_WRONG_ENTRIES_PER_TERMINAL_HOUR:
        merchant_services.terminal_pause(terminal_id=terminal_id, wrong_entries=terminal_count)
    paused: set[int] = set()
    if kind != WrongEntry.Kind.PHONE_DIGITS:
        return paused
    for customer_id in customer_ids:
        count = WrongEntry.objects.filter(
            customer_id=customer_id, kind=kind, at__gt=now - CUSTOMER_WINDOW
        ).count()
        if count >= settings.FACEPAY_WRONG_DIGITS_PER_CUSTOMER_DAY:
            customer_services.customer_face_pay_pause(customer_id=customer_id, wrong_entries=count)
            paused.add(customer_id)
    return paused
