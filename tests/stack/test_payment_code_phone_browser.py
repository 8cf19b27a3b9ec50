"""Issue 15 item 7: the one-time payment code on a phone.

After "Show a one-time payment code" the page reloads; the code must be on screen without
scrolling (it used to appear ~1,000 px below the fold), and once a counter has used it the
countdown stops and the page says it was used.
"""

from __future__ import annotations

import time
import uuid

import pytest

from merchants.models import Terminal
from payments import services as payment_services
from tests.merchants.factories import MerchantFactory, terminal_with_secret
from tests.payments.factories import funded_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.test_payments_browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_payment_code_is_on_screen_on_a_phone_and_stops_once_used(
    stack: Stack,
    browser_page,  # type: ignore[no-untyped-def]
) -> None:
    customer = funded_customer(10_000)
    terminal = Terminal.objects.get(
        pk=terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60)).terminal.pk
    )
    page = browser_page(locale="zh-CN")
    page.set_viewport_size(PHONE)
    sign_in(page, stack.base_url, customer.user.username)
    page.goto(f"{stack.base_url}/customers/controls/")
    page.click("form:has(input[value=code]) button")
    page.wait_for_selector("#payment-code svg")
    assert page.evaluate("() => window.scrollY") == 0
    box = page.locator("#payment-code").bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= PHONE["height"], box  # the whole card, QR and digits
    screenshot(page, "customers-payment-code-phone")

    code = page.inner_text("#payment-code .code-digits").replace(" ", "")
    page.wait_for_function(
        "() => /^\\d+ s$/.test(document.getElementById('code-countdown').innerText)"
    )
    payment_services.payment_attempt_create_with_code(
        terminal=terminal,
        amount_minor=1_250,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        payment_code=code,
    )
    page.wait_for_selector("#payment-code.used", timeout=10_000)
    said = page.inner_text("#code-countdown")
    assert said == "已使用：这个付款码已完成支付。"
    assert page.locator("#code-validity").is_hidden()
    time.sleep(1.5)  # the countdown has stopped: the text no longer changes
    assert page.inner_text("#code-countdown") == said
    screenshot(page, "customers-payment-code-used")
