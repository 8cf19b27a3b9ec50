"""Issue 17: live screens stay connected, and the stack recovers from crashes by design.

Must-show 2 (an idle terminal WebSocket stays open 60 s, then gets a push).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from merchants.models import Store
from payments.models import PaymentAttempt
from tests.payments.factories import enrolled_customer
from tests.stack.conftest import Stack
from tests.stack.test_payments_flow import CREATE, make_device, terminal_socket

pytestmark = pytest.mark.django_db(transaction=True)


def test_idle_terminal_socket_stays_open_for_a_minute_then_gets_a_push(stack: Stack) -> None:
    device = make_device(stack)
    customer = enrolled_customer(amount_minor=10_000)
    now = timezone.now()
    attempt = PaymentAttempt.objects.create(
        terminal_id=device.terminal_pk,
        store_id=device.store_id,
        merchant_id=Store.objects.get(pk=device.store_id).merchant_id,
        idempotency_key="idle",
        amount_minor=500,
        currency="CNY",
        status=PaymentAttempt.Status.AWAITING_CONFIRMATION,
        customer=customer,
        customer_masked_name="李**",
        awaiting_confirmation_at=now,
        expires_at=now + timedelta(minutes=5),
    )
    with terminal_socket(stack, device) as socket:
        # Before the fix the server's channel-layer read timed out after 5 s of silence and the
        # consumer dropped the socket; nothing is sent either way during this minute.
        time.sleep(60)
        response = device.call("POST", f"{CREATE}{attempt.public_id}/cancel/")
        assert response.status_code == 200, response.text
        event = json.loads(socket.recv(timeout=10))
    assert event["type"] == "payment.status"
    assert event["attempt"]["id"] == str(attempt.public_id)
    assert event["attempt"]["status"] == "cancelled"
