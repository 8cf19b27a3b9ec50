"""Capture: confirm an attempt exactly once (limits, balance, fee, ledger entry), the job's
confirm-free capture, and cancel."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from customers import selectors as customer_selectors
from customers import services as customer_services
from facepay import money
from payments import broadcasts, errors, ledger
from payments.models import FINAL_STATUSES, AttemptFrame, JournalEntry, PaymentAttempt
from payments.services.transitions import (
    Status,
    decline,
    expire_if_due,
    face_use_facts,
    locked,
    stamp,
)

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Terminal


def capture_if_confirm_free(*, attempt_id: int) -> PaymentAttempt | None:
    attempt = PaymentAttempt.objects.filter(
        pk=attempt_id, status=Status.AWAITING_CONFIRMATION, is_confirm_free=True
    ).first()
    if attempt is None:
        return None
    # A refusal (limit, balance, expiry) has already declined the attempt and been pushed to
    # the screens; the job has nobody to raise it to.
    attempt, _refusal = _capture(terminal=None, attempt_id=attempt.public_id)
    return attempt


def payment_attempt_confirm(*, terminal: Terminal | None, attempt_id: UUID | str) -> PaymentAttempt:
    """Capture a confirmed attempt exactly once (a repeated confirm returns the capture).

    Raises AttemptWrongState, AttemptExpired, LimitExceeded or InsufficientBalance; the last two
    also decline the attempt (committed before the error is raised).
    """
    attempt, failure = _capture(terminal=terminal, attempt_id=attempt_id)
    if failure is not None:
        raise failure
    return attempt


def _shanghai_day_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _locked_for_capture(*, terminal: Terminal | None, public_id: UUID | str) -> PaymentAttempt:
    """The attempt, row-locked (its merchant and store read in the same query, not locked)."""
    query = (
        PaymentAttempt.objects.select_for_update(of=("self",))
        .select_related("merchant", "store")
        .filter(public_id=public_id)
    )
    if terminal is not None:
        query = query.filter(terminal=terminal)
    attempt = query.first()
    if attempt is None:
        raise errors.AttemptNotFound(_("No such payment on this terminal."))
    return attempt


@ledger.deadlock_retried
@transaction.atomic(durable=True)
def _capture(
    *, terminal: Terminal | None, attempt_id: UUID | str
) -> tuple[PaymentAttempt, errors.PaymentError | None]:
    """Ten queries for a face payment with a fee (tests/payments/test_capture_queries.py):
    lock the attempt (with its merchant and store), lock the wallet, read the customer's profile
    and the day's spending, lock the payable (with the fee account's id), insert the entry and
    its postings, update the two balances, update the attempt, log the face use."""
    attempt = _locked_for_capture(terminal=terminal, public_id=attempt_id)
    if attempt.status == Status.CAPTURED:
        return attempt, None
    if attempt.status != Status.AWAITING_CONFIRMATION:
        return attempt, errors.AttemptWrongState(
            _("This payment cannot be confirmed now."), status=attempt.status
        )
    if expire_if_due(attempt):
        return attempt, errors.AttemptExpired(_("This payment has expired."))
    assert attempt.customer_id is not None  # noqa: S101 - confirmation follows a match
    currency = attempt.currency
    # The wallet row lock serialises every capture of this customer: the daily sum below and
    # the balance check in the ledger see every earlier capture.
    wallet = ledger.wallet_locked(customer_id=attempt.customer_id, currency=currency)
    profile = customer_selectors.customer_payment_profile(customer_id=attempt.customer_id)
    now = timezone.now()
    spent_today = (
        PaymentAttempt.objects.filter(
            customer_id=attempt.customer_id,
            currency=currency,
            status=Status.CAPTURED,
            captured_at__gte=_shanghai_day_start(now),
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    if attempt.method == PaymentAttempt.Method.FACE and not profile.can_pay_by_face:
        # Paused (wrong digits elsewhere) or frozen since the match: the face pays nothing.
        code = errors.DECLINE_FACE_PAY_PAUSED
        if profile.refusal_code != "face_pay_paused":
            code = errors.DECLINE_FROZEN
        decline(attempt, code)
        return attempt, errors.AttemptWrongState(
            _("Face pay is not available for this customer now."), status=attempt.status
        )
    if (
        attempt.amount_minor > profile.per_payment_limit_minor
        or spent_today + attempt.amount_minor > profile.daily_limit_minor
    ):
        decline(attempt, errors.DECLINE_LIMIT)
        return attempt, errors.LimitExceeded(
            _("This payment is above the customer's limit."),
            per_payment_limit_minor=profile.per_payment_limit_minor,
            daily_limit_minor=profile.daily_limit_minor,
            spent_today_minor=spent_today,
        )
    merchant = attempt.merchant
    fee = money.apply_rate(attempt.amount_minor, Decimal(merchant.fee_rate_bps) / Decimal(10_000))
    fee = min(fee, attempt.amount_minor)
    payable, fee_account = ledger.payable_and_fee_accounts(
        merchant_id=attempt.merchant_id, currency=currency
    )
    lines = [
        (wallet, -attempt.amount_minor),
        (payable, attempt.amount_minor - fee),
        (fee_account, fee),
    ]
    try:
        # A refusal is raised before the ledger writes anything: no savepoint is needed.
        entry = ledger.post(
            kind=JournalEntry.Kind.CAPTURE,
            currency=currency,
            reference=f"capture:{attempt.public_id}",
            memo=f"{merchant.name} / {attempt.store_id}",
            lines=[(account, amount) for account, amount in lines if amount],
            occurred_at=now,
            held=[wallet, payable],
        )
    except errors.InsufficientBalance as exc:
        decline(attempt, errors.DECLINE_INSUFFICIENT_BALANCE)
        return attempt, exc
    attempt.fee_minor = fee
    attempt.capture_entry = entry
    attempt.save(
        update_fields=[*stamp(attempt, Status.CAPTURED, now), "fee_minor", "capture_entry"]
    )
    if attempt.method == PaymentAttempt.Method.FACE:  # a payment code never used the face
        customer_services.face_use_capture_record(
            customer_id=attempt.customer_id,
            terminal_id=attempt.terminal_id,
            store_id=attempt.store_id,
            attempt_id=attempt.pk,
            similarity=attempt.similarity,
            step_up_used=attempt.is_step_up_passed,
            **face_use_facts(attempt),
        )
        # Every face payment is announced by SMS; the portal lists it with "this was not me".
        customer_services.face_payment_notify(
            customer_id=attempt.customer_id,
            store_name=attempt.store.name,
            amount_text=money.format_minor(attempt.amount_minor, currency),
            phone=profile.phone,
        )
    broadcasts.payment_attempt_changed(attempt)
    return attempt, None


@transaction.atomic(durable=True)
def payment_attempt_cancel(*, terminal: Terminal, attempt_id: UUID | str) -> PaymentAttempt:
    """Cancel an open attempt (idempotent once cancelled); raises AttemptWrongState when final."""
    attempt = locked(terminal=terminal, public_id=attempt_id)
    if attempt.status == Status.CANCELLED:
        return attempt
    if attempt.status in FINAL_STATUSES:
        raise errors.AttemptWrongState(
            _("This payment is already finished."), status=attempt.status
        )
    attempt.save(update_fields=stamp(attempt, Status.CANCELLED))
    AttemptFrame.objects.filter(attempt=attempt).delete()
    broadcasts.payment_attempt_changed(attempt)
    return attempt
