"""Issue 15 must-show 2 (refunds and disputes), in headless Chromium on the real stack and in
Chinese: a cashier refunds part of a payment of their store after confirming it; a customer says
"this was not me" on a receipt and an operator upholds the dispute on the ops dispute desk, with
the evidence in yuan and Asia/Shanghai time, and the receipt then reads properly. Screenshots
are kept in test-artifacts/screenshots/desk-*.png."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from facepay.models import AuditEvent, User
from merchants.models import Store
from payments.models import Dispute, PaymentAttempt, Refund
from tests.facepay.factories import UserFactory
from tests.merchants.factories import StoreStaffFactory, TerminalFactory, capture_payment
from tests.payments.factories import funded_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.test_payments_browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
CHINESE = "zh-CN"


def test_cashier_refunds_part_of_a_payment_in_their_store(stack: Stack, browser_page) -> None:  # type: ignore[no-untyped-def]
    terminal = TerminalFactory(name="一号收银台")
    payment = capture_payment(terminal=terminal, amount_minor=25_000)
    cashier = StoreStaffFactory(store=Store.objects.get(pk=terminal.store_id)).user

    page = browser_page(locale=CHINESE)
    sign_in(page, stack.base_url, cashier.username)
    page.click("nav.mainnav a[href='/payments/recent/']")
    page.click(f"a[href='/payments/recent/{payment.public_id}/']")
    page.wait_for_selector("#refund-review")
    assert page.inner_text("#payment-amount") == "¥250.00"
    assert page.input_value("#id_amount") == "250.00"
    page.fill("#id_amount", "80.50")
    page.fill("#id_reason", "茶洒了，退一半")
    page.click("#refund-review")

    question = page.wait_for_selector("#refund-question")
    assert question is not None
    assert "¥80.50" in question.inner_text()
    assert "退款" in question.inner_text()
    assert not Refund.objects.exists()  # nothing moved before the confirmation
    screenshot(page, "desk-refund-confirm")
    page.click("#refund-confirm")
    page.wait_for_selector(".message-success")
    assert "已退款 ¥80.50 到顾客钱包" in page.inner_text(".message-success")
    assert page.inner_text("#payment-refunded") == "¥80.50"
    assert page.inner_text("#payment-refundable") == "¥169.50"
    assert "茶洒了，退一半" in page.inner_text("#refund-table")
    screenshot(page, "desk-refund-done")

    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.requested_by_id) == (8_050, cashier.pk)
    payment.refresh_from_db()
    assert payment.refunded_minor == 8_050


def test_customer_disputes_a_receipt_and_an_operator_upholds_it(stack: Stack, browser_page) -> None:  # type: ignore[no-untyped-def]
    customer = funded_customer()
    terminal = TerminalFactory(name="二号收银台")
    payment = capture_payment(terminal=terminal, amount_minor=25_000, customer=customer)
    PaymentAttempt.objects.filter(pk=payment.pk).update(
        created_at=datetime(2026, 11, 30, 13, 4, 5, tzinfo=UTC),
        captured_at=datetime(2026, 11, 30, 13, 4, 9, tzinfo=UTC),
    )
    operator = UserFactory(role=User.Role.OPERATOR)
    receipt_url = f"{stack.base_url}/customers/wallet/payments/{payment.public_id}/"

    # 1. The customer opens the receipt: method and counter, no ledger reference; "not me".
    page = browser_page(locale=CHINESE)
    sign_in(page, stack.base_url, customer.user.username)
    page.goto(receipt_url)
    assert page.inner_text("#receipt-amount") == "¥250.00"
    assert page.inner_text("#receipt-method") == "付款码"
    assert page.inner_text("#receipt-counter") == "二号收银台"
    assert "capture:" not in page.content()
    page.fill("#dispute-reason", "那天我不在温州")
    page.click("#dispute-open")
    page.wait_for_selector("#dispute-state")
    assert "申诉处理中" in page.inner_text("#dispute-state")
    screenshot(page, "desk-receipt-disputed")
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.reason) == ("open", "那天我不在温州")

    # 2. The operator decides it on the dispute desk, a page of the ops area.
    desk = browser_page(locale=CHINESE)
    sign_in(desk, stack.base_url, operator.username)
    desk.goto(f"{stack.base_url}/ops/")
    desk.click("nav.mainnav a[href='/ops/disputes/']")
    desk.wait_for_selector("#dispute-table")
    assert "¥250.00" in desk.inner_text("#dispute-table")
    desk.click(f"a[href='/ops/disputes/{dispute.pk}/']")
    evidence = desk.inner_text("#evidence")
    assert "¥250.00" in evidence
    assert "2026-11-30 21:04:09" in evidence  # 13:04:09 UTC, shown in Asia/Shanghai
    assert "北京时间" in evidence
    assert "25000" not in evidence
    assert "{" not in evidence  # no raw JSON
    assert desk.inner_text("#dispute-reason") == "那天我不在温州"
    screenshot(desk, "desk-dispute-evidence")
    desk.fill("#id_note", "监控显示不是本人")
    desk.click("#dispute-uphold")
    desk.wait_for_selector("#decision-facts")
    assert "申诉成立" in desk.inner_text("#dispute-status")
    assert "¥250.00" in desk.inner_text(".message-success")
    screenshot(desk, "desk-dispute-decided")

    dispute.refresh_from_db()
    assert dispute.status == "won"
    assert dispute.refund is not None
    assert dispute.refund.amount_minor == 25_000
    assert AuditEvent.objects.filter(
        action="dispute.upheld", actor=operator, target_id=str(dispute.pk)
    ).exists()

    # 3. The receipt now reads as a person would say it, not "¥250.00 dispute 1".
    page.goto(receipt_url)
    refunds = page.inner_text("#receipt-refunds")
    assert "您的申诉成立，已退款 ¥250.00" in refunds
    assert "dispute" not in refunds
    assert "款项已退回您的钱包" in page.inner_text("#dispute-state")
    screenshot(page, "desk-receipt-refunded")
