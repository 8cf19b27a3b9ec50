"""Every face payment is announced: an SMS through the configured sender and a notice in the
customer's portal with a one-tap "这不是我" that opens a dispute; the portal explains why the
phone digits were asked, and a customer paused for wrong digits resumes face pay there."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customers import services as customer_services
from customers.models import Customer
from payments import services
from payments.models import Dispute
from tests.merchants.factories import TerminalFactory
from tests.payments.factories import enrolled_customer
from tests.payments.test_attempts import matched

pytestmark = pytest.mark.django_db


def test_face_payment_sends_a_notice_and_not_me_opens_a_dispute(  # type: ignore[no-untyped-def]
    settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.DATA_DIR = tmp_path
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=100_000, user__phone="+8613911119999")
    Customer.objects.filter(pk=customer.pk).update(step_up_above_minor=5_000)
    attempt = matched(terminal, customer, 6_000)
    services.payment_attempt_step_up(
        terminal=terminal, attempt_id=attempt.public_id, phone_last4="9999"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    sms = [json.loads(line) for line in (tmp_path / "sms-outbox.jsonl").read_text().splitlines()]
    assert sms[-1]["phone"] == "+8613911119999"
    assert "60.00" in sms[-1]["message"]

    client = Client()
    client.force_login(customer.user)
    with translation.override("zh-hans"):
        home = client.get(reverse("customers:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
        assert reverse("payments:face_payments") in home.decode()
        page = client.get(reverse("payments:face_payments"), HTTP_ACCEPT_LANGUAGE="zh-hans").content
    text = page.decode()
    assert "这不是我" in text
    assert str(attempt.public_id) in text
    assert "手机号后四位是因为金额超过了您的验证金额" in text  # why the digits were asked
    response = client.post(reverse("payments:not_me", args=[attempt.public_id]))
    assert response.status_code == 302
    dispute = Dispute.objects.get(attempt=attempt)
    assert dispute.customer_id == customer.pk
    assert "这不是我" in dispute.reason
    again = client.get(reverse("payments:face_payments")).content.decode()
    assert reverse("payments:not_me", args=[attempt.public_id]) not in again  # one dispute


def test_a_paused_customer_resumes_face_pay_after_signing_in() -> None:
    customer = enrolled_customer(amount_minor=10_000)
    customer_services.customer_face_pay_pause(customer_id=customer.pk, wrong_entries=5)
    client = Client()
    client.force_login(customer.user)
    assert "face-pay-paused" in client.get(reverse("customers:home")).content.decode()
    client.post(reverse("customers:face_pay_resume"))
    customer.refresh_from_db()
    assert customer.face_pay_paused_at is None
