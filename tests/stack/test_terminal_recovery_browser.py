"""Issue 17: the counter never shows "Declined" for a payment whose state it has not read.

A payment-code payment waits for the cashier's confirm; its capture happens behind the screen's
back and the push is lost (dropped in the browser), as when a confirm's answer is lost. The
cashier taps Cancel and gets 409 (already captured). The screen reads the attempt again and shows
it paid. Before, it put the 409 under "Declined", and the code screen has no poll to correct it.
"""

from __future__ import annotations

import pytest

from customers import services as customer_services
from merchants.models import Store
from payments import ledger, services
from payments.models import PaymentAttempt
from tests.merchants.factories import MerchantFactory, StoreStaffFactory, terminal_with_secret
from tests.payments.factories import funded_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.test_payments_browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancel_refused_for_a_captured_payment_shows_it_paid_not_declined(
    stack: Stack,
    browser_page,  # type: ignore[no-untyped-def]
) -> None:
    code = customer_services.payment_code_issue(customer=funded_customer(10_000)).code
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    cashier = StoreStaffFactory(store=Store.objects.get(pk=credentials.terminal.store_id)).user
    page = browser_page()
    pushes = {"dropped": False}

    def relay(socket) -> None:  # type: ignore[no-untyped-def]
        server = socket.connect_to_server()
        server.on_message(lambda message: None if pushes["dropped"] else socket.send(message))

    page.route_web_socket("**/ws/payments/terminal/**", relay)
    sign_in(page, stack.base_url, cashier.username)
    page.goto(f"{stack.base_url}/payments/terminal/{credentials.terminal.pk}/")
    page.wait_for_selector("#pairing:not([hidden])")
    page.fill("#pair-key", credentials.key_id)
    page.fill("#pair-secret", credentials.secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#link-state.badge-ok", timeout=15000)
    for key in "25":
        page.click(f"#keypad button[data-key='{key}']")
    page.click("#pay-code")
    page.fill("#code-value", code)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#confirm:not([hidden])", timeout=30_000)

    pushes["dropped"] = True  # the capture's push never reaches this screen
    attempt = PaymentAttempt.objects.get(terminal=credentials.terminal)
    services.payment_attempt_confirm(terminal=credentials.terminal, attempt_id=attempt.public_id)
    page.click("#confirm-no")  # answered 409: the payment is already captured
    page.wait_for_selector("#terminal[data-status=captured]", timeout=15_000)
    assert page.inner_text("#status-title") != "Declined"
    assert "¥25.00" in page.inner_text("#status-detail")
    screenshot(page, "payments-terminal-cancel-after-capture")
    assert PaymentAttempt.objects.get(pk=attempt.pk).status == "captured"
    assert ledger.verify_books().problems == []
