"""Issue 17, must-show 3: captures and refunds of one customer never deadlock each other.

One customer pays at merchant B while merchant A refunds that customer's earlier payments, all
through the live server with 8 threads. Before the ledger's single lock order a capture locked the
wallet and then the fee account while a refund locked the fee account and then the wallet:
PostgreSQL killed one of the pair and the terminal got a 500.
"""

from __future__ import annotations

import random
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Customer
from payments import ledger, services
from payments.models import Account, JournalEntry, PaymentAttempt
from tests.merchants.factories import MerchantFactory, terminal_with_secret
from tests.payments.factories import enrolled_customer
from tests.stack.conftest import Stack
from tests.stack.test_payments_flow import CREATE, Device

pytestmark = pytest.mark.django_db(transaction=True)
EACH = 120
AMOUNT = 1000


def _device(stack: Stack) -> tuple[Device, object]:
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    terminal = credentials.terminal
    device = Device(
        stack.base_url, terminal.pk, terminal.store_id, credentials.key_id, credentials.secret
    )
    return device, terminal


def _awaiting(terminal: object, customer: Customer, key: str) -> PaymentAttempt:
    now = timezone.now()
    return PaymentAttempt.objects.create(
        terminal=terminal,
        store_id=terminal.store_id,  # type: ignore[attr-defined]
        merchant_id=terminal.store.merchant_id,  # type: ignore[attr-defined]
        idempotency_key=key,
        amount_minor=AMOUNT,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=customer,
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=10),
    )


def _deadlocks() -> int:
    """PostgreSQL's count of deadlocks it broke in this (the test) database."""
    time.sleep(1.5)  # backends report their statistics at most once a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def test_captures_at_one_merchant_and_refunds_at_another_do_not_deadlock(stack: Stack) -> None:
    # As on a live street the platform's accounts are older (lower ids) than any wallet.
    ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency="CNY")
    ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    customer = enrolled_customer(amount_minor=EACH * AMOUNT * 3)
    Customer.objects.filter(pk=customer.pk).update(daily_limit_minor=10**9)
    refunding, refunding_terminal = _device(stack)
    capturing, capturing_terminal = _device(stack)
    to_refund = []
    for n in range(EACH):  # merchant A's earlier takings from this customer
        attempt = _awaiting(refunding_terminal, customer, f"a{n}")
        services.payment_attempt_confirm(terminal=refunding_terminal, attempt_id=attempt.public_id)
        to_refund.append(attempt.public_id)
    to_capture = [_awaiting(capturing_terminal, customer, f"b{n}").public_id for n in range(EACH)]
    connection.close()
    jobs = [("refund", attempt_id) for attempt_id in to_refund]
    jobs += [("capture", attempt_id) for attempt_id in to_capture]
    random.Random(17).shuffle(jobs)

    def run(job: tuple[str, uuid.UUID]) -> tuple[str, int, str]:
        kind, attempt_id = job
        if kind == "capture":
            response = capturing.call("POST", f"{CREATE}{attempt_id}/confirm/")
        else:
            response = refunding.call(
                "POST",
                f"{CREATE}{attempt_id}/refunds/",
                {"amount_minor": AMOUNT, "idempotency_key": f"r-{attempt_id}"},
            )
        return kind, response.status_code, response.text[:300]

    deadlocks_before = _deadlocks()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, jobs))
    failed = [result for result in results if result[1] not in (200, 201)]
    assert failed == [], f"{len(failed)} of {len(results)} failed, e.g. {failed[:3]}"
    assert PaymentAttempt.objects.filter(customer=customer, status="captured").count() == 2 * EACH
    assert JournalEntry.objects.filter(kind="refund").count() == EACH
    refunded = PaymentAttempt.objects.filter(public_id__in=to_refund, refunded_minor=AMOUNT)
    assert refunded.count() == EACH
    deadlocks = _deadlocks() - deadlocks_before
    assert deadlocks == 0, deadlocks  # the lock order, not the retry, keeps them apart
    assert ledger.verify_books().problems == []
