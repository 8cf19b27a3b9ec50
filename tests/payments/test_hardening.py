"""Issue 14 regressions on the payments side: staff refund only within their own stores."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from payments.models import JournalEntry
from tests.merchants.factories import (
    StoreFactory,
    StoreStaffFactory,
    TerminalFactory,
    capture_payment,
)


@pytest.mark.django_db
def test_payment_refund_api_refuses_a_cashier_a_payment_of_another_store_of_the_merchant() -> None:
    store = StoreFactory()
    other_store = StoreFactory(merchant=store.merchant)
    cashier = StoreStaffFactory(store=store).user
    attempt = capture_payment(terminal=TerminalFactory(store=other_store), amount_minor=3000)
    client = APIClient()
    client.force_authenticate(cashier)

    response = client.post(
        f"/api/payments/payments/{attempt.public_id}/refunds/",
        {"amount_minor": 3000, "idempotency_key": "r1"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "payment_not_found"
    attempt.refresh_from_db()
    assert attempt.refunded_minor == 0
    assert not JournalEntry.objects.filter(kind="refund").exists()


@pytest.mark.django_db
def test_payment_refund_api_lets_a_cashier_refund_in_their_own_store() -> None:
    store = StoreFactory()
    cashier = StoreStaffFactory(store=store).user
    attempt = capture_payment(terminal=TerminalFactory(store=store), amount_minor=3000)
    client = APIClient()
    client.force_authenticate(cashier)

    response = client.post(
        f"/api/payments/payments/{attempt.public_id}/refunds/",
        {"amount_minor": 1000, "idempotency_key": "r1"},
        format="json",
    )

    assert response.status_code == 201
    attempt.refresh_from_db()
    assert attempt.refunded_minor == 1000
