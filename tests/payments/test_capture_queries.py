"""Issue 16, must-show 3: a capture is ten queries inside BEGIN … COMMIT (was 28).

The face payment with a fee is the longest path: lock the attempt (with its merchant and store),
lock the wallet, read the profile, sum the day's spending, lock the payable (with the fee
account's id), insert the entry and its postings, update the balances and the attempt, log the
face use. The SMS and the screen pushes run after commit and add no query to the transaction.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from customers.models import Customer, FaceUse
from payments import ledger, services
from payments.models import Account, PaymentAttempt
from tests.merchants.factories import MerchantFactory, TerminalFactory
from tests.payments.factories import enrolled_customer

CAPTURE_QUERIES = 10


def _awaiting(customer: Customer, amount_minor: int = 3850) -> PaymentAttempt:
    terminal = TerminalFactory(store__merchant=MerchantFactory(fee_rate_bps=60))
    now = timezone.now()
    return PaymentAttempt.objects.create(
        terminal=terminal,
        store_id=terminal.store_id,
        merchant_id=terminal.store.merchant_id,
        idempotency_key="q1",
        amount_minor=amount_minor,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=customer,
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=5),
    )


@pytest.mark.django_db(transaction=True)  # the capture's own transaction, not a savepoint
def test_a_face_capture_with_a_fee_takes_at_most_ten_queries(
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    customer = enrolled_customer(amount_minor=10_000)
    attempt = _awaiting(customer)
    # A street that has taken payments before: the merchant's payable and the fee account exist.
    ledger.payable_account(merchant_id=attempt.merchant_id, currency="CNY")
    ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency="CNY")
    # Django also logs the transaction's BEGIN and COMMIT (BEGIN IMMEDIATE on SQLite): 10 + 2.
    with django_assert_max_num_queries(CAPTURE_QUERIES + 2) as queries:
        captured = services.payment_attempt_confirm(
            terminal=attempt.terminal, attempt_id=attempt.public_id
        )
    statements = [query["sql"] for query in queries.captured_queries]
    data = [sql for sql in statements if sql not in ("BEGIN IMMEDIATE", "BEGIN", "COMMIT")]
    assert len(data) <= CAPTURE_QUERIES
    assert len(statements) - len(data) == 2
    assert captured.status == PaymentAttempt.Status.CAPTURED
    assert captured.fee_minor == 23
    assert FaceUse.objects.filter(attempt_id=attempt.pk, outcome="captured").count() == 1
    fees = ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency="CNY")
    assert ledger.balance_minor(fees) == 23
    assert ledger.verify_books().problems == []
