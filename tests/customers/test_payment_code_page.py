"""Issue 15 item 7: the phone's one-time payment code page: code first, and whether it was used."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import selectors, services
from customers.models import PaymentCode
from payments import services as payment_services
from tests.customers.factories import CustomerFactory
from tests.merchants.factories import terminal_with_secret
from tests.payments.factories import funded_customer

pytestmark = pytest.mark.django_db


def test_payment_code_state_is_active_then_used_once_a_counter_takes_it() -> None:
    customer = funded_customer(10_000)
    issued = services.payment_code_issue(customer=customer)
    assert selectors.payment_code_state(customer=customer, code_id=issued.code_id) == "active"
    payment_services.payment_attempt_create_with_code(
        terminal=terminal_with_secret().terminal,
        amount_minor=1_250,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        payment_code=issued.code,
    )
    assert selectors.payment_code_state(customer=customer, code_id=issued.code_id) == "used"


def test_payment_code_state_expired_and_never_another_customers_code() -> None:
    customer, other = CustomerFactory(), CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    assert selectors.payment_code_state(customer=other, code_id=issued.code_id) == "expired"
    PaymentCode.objects.filter(pk=issued.code_id).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert selectors.payment_code_state(customer=customer, code_id=issued.code_id) == "expired"
    assert PaymentCode.objects.get(pk=issued.code_id).used_at is None  # a read changes nothing


def test_controls_page_shows_the_issued_code_first_with_its_state_address() -> None:
    customer = CustomerFactory()
    client = Client()
    client.force_login(customer.user)
    response = client.post(reverse("customers:controls"), {"action": "code"})
    assert response.status_code == 200
    page = response.content.decode()
    main = page[page.index("<h1>") :]
    # The code card comes straight after the heading, before the switch, limits and PIN forms.
    assert main.index('id="payment-code"') < main.index('id="face-pay-switch"')
    code_id = PaymentCode.objects.get(customer=customer).pk
    url = reverse("customers:payment_code_state", args=[code_id])
    assert f'data-state-url="{url}"' in page
    answer = client.get(url)
    assert json.loads(answer.content) == {"state": "active"}
    services.payment_code_issue(customer=customer)  # a newer code replaces it
    assert json.loads(client.get(url).content) == {"state": "used"}


def test_payment_code_state_needs_the_customer_signed_in() -> None:
    customer = CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    url = reverse("customers:payment_code_state", args=[issued.code_id])
    response = Client().get(url)
    assert response.status_code in {302, 403}
    assert not re.search(rb"active|used", response.content)
