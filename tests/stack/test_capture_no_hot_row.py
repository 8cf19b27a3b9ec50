"""Issue 16, must-show 2: no row that every capture locks.

One capture (merchant A, customer 1) is held open inside its transaction, after it has posted its
journal entry (wallet, payable, platform fee) and before it commits. A capture at merchant B by
customer 2 must commit meanwhile without waiting on any lock: its connection runs with a short
`lock_timeout`, so any wait fails the test with PostgreSQL's "canceling statement due to lock
timeout". Before issue 16 both captures updated the one platform-fee-revenue row, so the second
one waited on the first.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Customer
from payments import broadcasts, ledger, services
from payments.models import Account, JournalEntry, PaymentAttempt
from tests.merchants.factories import MerchantFactory, TerminalFactory
from tests.payments.factories import enrolled_customer

pytestmark = pytest.mark.django_db(transaction=True)


def _awaiting(terminal: Any, customer: Customer, key: str) -> PaymentAttempt:
    now = timezone.now()
    return PaymentAttempt.objects.create(
        terminal=terminal,
        store_id=terminal.store_id,
        merchant_id=terminal.store.merchant_id,
        idempotency_key=key,
        amount_minor=2500,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=customer,
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=10),
    )


def test_capture_at_another_merchant_by_another_customer_never_waits() -> None:
    ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency="CNY")
    terminal_a = TerminalFactory(store__merchant=MerchantFactory(fee_rate_bps=60))
    terminal_b = TerminalFactory(store__merchant=MerchantFactory(fee_rate_bps=60))
    first = _awaiting(terminal_a, enrolled_customer(amount_minor=10_000), "hold-a")
    second = _awaiting(terminal_b, enrolled_customer(amount_minor=10_000), "free-b")
    connection.close()

    holding = threading.Event()
    release = threading.Event()
    held_thread: list[int] = []
    push = broadcasts.payment_attempt_changed

    def hold_open(attempt: PaymentAttempt) -> None:
        # The last step inside the first capture's transaction: everything is posted, nothing
        # committed; the transaction stays open (its locks held) until the test releases it.
        if threading.get_ident() in held_thread:
            holding.set()
            assert release.wait(timeout=60)
        push(attempt)

    def capture_a() -> str:
        held_thread.append(threading.get_ident())
        try:
            captured = services.payment_attempt_confirm(
                terminal=terminal_a, attempt_id=first.public_id
            )
            return captured.status
        finally:
            connection.close()

    with (
        mock.patch.object(broadcasts, "payment_attempt_changed", hold_open),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        held = pool.submit(capture_a)
        try:
            assert holding.wait(timeout=60), "the first capture never reached its commit"
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '300ms'")
            try:
                captured = services.payment_attempt_confirm(
                    terminal=terminal_b, attempt_id=second.public_id
                )
            finally:
                with connection.cursor() as cursor:
                    cursor.execute("RESET lock_timeout")
            assert captured.status == PaymentAttempt.Status.CAPTURED
            # Committed while the first capture's transaction is still open.
            assert JournalEntry.objects.filter(reference=f"capture:{second.public_id}").exists()
            assert not JournalEntry.objects.filter(reference=f"capture:{first.public_id}").exists()
        finally:
            release.set()
        assert held.result(timeout=60) == PaymentAttempt.Status.CAPTURED
    assert PaymentAttempt.objects.filter(status="captured").count() == 2
    assert ledger.verify_books().problems == []
