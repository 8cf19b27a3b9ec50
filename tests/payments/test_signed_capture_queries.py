"""Issue 16: the whole signed confirm request (terminal signature, nonce, capture) in few queries.

Counted through Django's test client, so the middleware, DRF, the terminal authentication and the
capture are all in: the terminal with its store and merchant (one query), the nonce (one INSERT
in embedded mode; in Redis, no query, when Redis is configured), then the capture's ten
statements inside BEGIN … COMMIT. A terminal seen in the last 30 s gets no last-seen UPDATE, and
without Redis a process deletes expired nonces (one DELETE) at most once a minute: both are
counted out here by starting just after them.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from merchants import nonces
from merchants.models import Terminal
from payments import ledger
from payments.models import Account, PaymentAttempt
from tests.payments.factories import enrolled_customer
from tests.payments.test_api import CREATE, Device
from tests.payments.test_capture_queries import CAPTURE_QUERIES

AUTHENTICATION_QUERIES = 1  # the terminal, its store and its merchant


def signed_confirm_queries() -> int:
    """The most queries one signed confirm may make in this configuration, BEGIN/COMMIT in."""
    nonce = 0 if settings.REDIS_URL else 1
    return AUTHENTICATION_QUERIES + nonce + CAPTURE_QUERIES + 2


@pytest.mark.django_db(transaction=True)  # the capture's own transaction, not a savepoint
def test_a_signed_confirm_request_takes_at_most_the_counted_queries(
    django_assert_max_num_queries,  # type: ignore[no-untyped-def]
) -> None:
    device = Device()
    now = timezone.now()
    Terminal.objects.filter(pk=device.terminal.pk).update(last_seen_at=now)
    attempt = PaymentAttempt.objects.create(
        terminal=device.terminal,
        store_id=device.terminal.store_id,
        merchant_id=device.terminal.store.merchant_id,
        idempotency_key="signed-q1",
        amount_minor=3850,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=enrolled_customer(amount_minor=10_000),
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    # A street that has taken payments before: the merchant's payable and the fee account exist.
    ledger.payable_account(merchant_id=attempt.merchant_id, currency="CNY")
    ledger.platform_account(kind=Account.Kind.PLATFORM_FEE_REVENUE, currency="CNY")
    nonces._last_purge = time.monotonic()  # the once-a-minute purge just ran
    with django_assert_max_num_queries(signed_confirm_queries()):
        response = device.call("POST", f"{CREATE}{attempt.public_id}/confirm/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "captured"
    assert ledger.verify_books().problems == []
