"""Refunds and disputes on screen: the merchant's payment page (owner, cashier in their own store
only, a confirmation step, partial refunds in yuan), the customer's dispute from a receipt, and
the operator's dispute desk (evidence in yuan and Asia/Shanghai time, audit-logged decisions)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from facepay.models import AuditEvent, User
from merchants.models import Store
from payments.models import Dispute, PaymentAttempt, Refund
from tests.facepay.factories import UserFactory
from tests.merchants.factories import StoreStaffFactory, TerminalFactory, capture_payment
from tests.payments.factories import funded_customer

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def paid(amount_minor: int = 25_000, **terminal: object) -> PaymentAttempt:
    return capture_payment(terminal=TerminalFactory(**terminal), amount_minor=amount_minor)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_cashier_refunds_part_of_a_payment_after_confirming() -> None:
    payment = paid(25_000)
    cashier = StoreStaffFactory(store=Store.objects.get(pk=payment.store_id)).user
    client = signed_in(cashier)
    url = reverse("payments:payment_detail", args=[payment.public_id])
    listed = client.get(reverse("payments:payment_list")).content.decode()
    assert url in listed

    page = client.get(url)
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.content.decode())
    assert key is not None
    assert 'value="250.00"' in page.content.decode()  # the whole payment, in yuan

    form = {"amount": "80.50", "reason": "一杯茶洒了", "idempotency_key": key.group(1)}
    review = client.post(url, {**form, "action": "review"})
    assert review.status_code == 200
    assert "Refund ¥80.50 to the customer's wallet?" in text(review)
    assert not Refund.objects.exists()  # nothing moves before the confirmation

    done = client.post(url, {**form, "action": "confirm"})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.reason) == (8_050, "一杯茶洒了")
    assert refund.requested_by == cashier
    again = client.post(url, {**form, "action": "confirm"})  # a double submit refunds once
    assert again.status_code == 302
    assert Refund.objects.count() == 1
    shown = text(client.get(url))
    assert "Refunded ¥80.50 to the customer's wallet." in shown
    assert "¥169.50" in shown  # left to refund
    assert "一杯茶洒了" in shown


def test_cashier_cannot_refund_in_another_store_and_nothing_changes() -> None:
    payment = paid(5_000)
    outsider = StoreStaffFactory().user  # a cashier of another store of another merchant
    neighbour = StoreStaffFactory(
        store__merchant=Store.objects.get(pk=payment.store_id).merchant
    ).user  # same merchant, another store
    url = reverse("payments:payment_detail", args=[payment.public_id])
    form = {"amount": "10.00", "reason": "", "idempotency_key": "a" * 32, "action": "confirm"}
    for user in (outsider, neighbour):
        client = signed_in(user)
        assert client.get(url).status_code == 404
        assert client.post(url, form).status_code == 404
    assert not Refund.objects.exists()
    payment.refresh_from_db()
    assert payment.refunded_minor == 0


def test_owner_refund_above_what_is_left_is_refused_in_words() -> None:
    payment = paid(5_000)
    owner = Store.objects.get(pk=payment.store_id).merchant.owner
    url = reverse("payments:payment_detail", args=[payment.public_id])
    form = {"amount": "50.01", "reason": "", "idempotency_key": "b" * 32, "action": "confirm"}
    page = signed_in(owner).post(url, form)
    assert page.status_code == 200
    assert "The refund is above what is left of the payment." in text(page)
    assert "refund_exceeds_captured" not in page.content.decode()
    assert not Refund.objects.exists()


def test_receipt_shows_method_and_counter_and_the_customer_disputes_it() -> None:
    customer = funded_customer()
    payment = capture_payment(
        terminal=TerminalFactory(name="收银台 2"), amount_minor=25_000, customer=customer
    )
    client = signed_in(customer.user)
    receipt_url = reverse("customers:receipt", args=[payment.public_id])
    receipt = text(client.get(receipt_url))
    assert "Payment code" in receipt
    assert "收银台 2" in receipt
    assert "capture:" not in receipt

    dispute_url = reverse("payments:receipt_dispute", args=[payment.public_id])
    response = client.post(dispute_url, {"reason": "那天我在上海"})
    assert response.status_code == 302
    assert response["Location"] == receipt_url
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.reason) == ("open", "那天我在上海")
    assert dispute.customer_id == customer.pk
    assert "Dispute open: an operator is looking at this payment." in text(client.get(receipt_url))
    client.post(dispute_url, {"reason": ""})  # a second one while open is refused
    assert Dispute.objects.count() == 1


def test_another_customer_cannot_dispute_a_payment_and_nothing_changes() -> None:
    payment = paid(5_000)
    stranger = funded_customer()
    url = reverse("payments:receipt_dispute", args=[payment.public_id])
    assert signed_in(stranger.user).post(url, {"reason": "x"}).status_code == 404
    assert not Dispute.objects.exists()


def test_operator_upholds_a_dispute_on_the_desk_in_yuan_and_local_time() -> None:
    customer = funded_customer()
    payment = capture_payment(terminal=TerminalFactory(), amount_minor=25_000, customer=customer)
    PaymentAttempt.objects.filter(pk=payment.pk).update(
        created_at=datetime(2026, 11, 30, 13, 4, 5, tzinfo=UTC),
        captured_at=datetime(2026, 11, 30, 13, 4, 9, tzinfo=UTC),
    )
    signed_in(customer.user).post(
        reverse("payments:receipt_dispute", args=[payment.public_id]), {"reason": ""}
    )
    dispute = Dispute.objects.get()
    operator = UserFactory(role=User.Role.OPERATOR)
    desk = signed_in(operator)
    listed = desk.get(reverse("ops_disputes:list"))
    assert reverse("ops_disputes:detail", args=[dispute.pk]) in listed.content.decode()
    assert "¥250.00" in text(listed)

    detail_url = reverse("ops_disputes:detail", args=[dispute.pk])
    shown = text(desk.get(detail_url))
    assert "¥250.00" in shown
    assert "2026-11-30 21:04:05" in shown  # 13:04:05 UTC is 21:04:05 in Shanghai
    assert "2026-11-30 21:04:09" in shown
    assert "25000" not in shown
    assert "amount_minor" not in shown
    assert "Payment code" in shown

    response = desk.post(detail_url, {"decision": "uphold", "note": "监控显示不是本人"})
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert (dispute.status, dispute.decided_by, dispute.decision_note) == (
        "won",
        operator,
        "监控显示不是本人",
    )
    assert dispute.refund is not None
    assert dispute.refund.amount_minor == 25_000
    event = AuditEvent.objects.get(action="dispute.upheld")
    assert (event.actor, event.target_id) == (operator, str(dispute.pk))
    assert event.data["refund_minor"] == 25_000
    assert "Dispute upheld: ¥250.00 refunded to the customer." in text(desk.get(detail_url))

    receipt = text(
        signed_in(customer.user).get(reverse("customers:receipt", args=[payment.public_id]))
    )
    assert "¥250.00 refunded after your dispute was upheld" in receipt
    assert "dispute 1" not in receipt
    assert "Your dispute was upheld" in receipt


def test_operator_rejects_a_dispute_in_chinese_and_no_money_moves() -> None:
    customer = funded_customer()
    payment = capture_payment(terminal=TerminalFactory(), amount_minor=4_000, customer=customer)
    signed_in(customer.user).post(
        reverse("payments:receipt_dispute", args=[payment.public_id]), {"reason": ""}
    )
    dispute = Dispute.objects.get()
    desk = signed_in(UserFactory(role=User.Role.OPERATOR))
    url = reverse("ops_disputes:detail", args=[dispute.pk])
    with translation.override("zh-hans"):
        desk.post(url, {"decision": "reject", "note": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        page = desk.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    dispute.refresh_from_db()
    assert dispute.status == "lost"
    assert dispute.refund is None
    assert not Refund.objects.exists()
    assert AuditEvent.objects.filter(action="dispute.rejected").count() == 1
    assert "已驳回" in text(page)
    assert "申诉处理台" in text(page)


def test_desk_refuses_a_second_decision_and_nothing_changes() -> None:
    customer = funded_customer()
    payment = capture_payment(terminal=TerminalFactory(), amount_minor=4_000, customer=customer)
    signed_in(customer.user).post(
        reverse("payments:receipt_dispute", args=[payment.public_id]), {"reason": ""}
    )
    dispute = Dispute.objects.get()
    desk = signed_in(UserFactory(role=User.Role.OPERATOR))
    url = reverse("ops_disputes:detail", args=[dispute.pk])
    desk.post(url, {"decision": "reject"})
    page = desk.post(url, {"decision": "uphold"})
    assert page.status_code == 200
    assert "This dispute is not open." in text(page)
    dispute.refresh_from_db()
    assert dispute.status == "lost"
    assert not Refund.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="dispute.").count() == 1
