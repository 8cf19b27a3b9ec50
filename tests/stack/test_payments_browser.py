"""Must-show 7: the counter screen in headless Chromium with a fake camera playing a live clip.

The cashier pairs the screen, keys ¥38.00, the customer presses "Pay with face", is recognised,
confirms, the screen shows paid, and the owner's dashboard counts the payment live. Then the
customer turns on a ¥50 confirm-free amount: a ¥12.00 payment goes to paid with nobody tapping.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from customers import services as customer_services
from facepay.face.engine import get_engine
from merchants.models import Store
from tests.facepay.factories import TEST_PASSWORD
from tests.merchants.factories import MerchantFactory, StoreStaffFactory, terminal_with_secret
from tests.payments.factories import enrolled_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.live_camera import (
    clip_person_embedding,
    live_clip_y4m,
    pay_by_face_on_counter,
)

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_cashier_takes_a_face_payment_and_the_dashboard_updates(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    customer = enrolled_customer(
        clip_person_embedding(), amount_minor=10_000, model_version=get_engine().model_version
    )
    merchant = MerchantFactory(fee_rate_bps=60)
    credentials = terminal_with_secret(store__merchant=merchant)
    store = Store.objects.get(pk=credentials.terminal.store_id)
    cashier = StoreStaffFactory(store=store).user

    dashboard = browser_page()
    sign_in(dashboard, stack.base_url, merchant.owner.username)
    dashboard.goto(f"{stack.base_url}/merchants/")
    dashboard.wait_for_function(
        "() => document.getElementById('live-badge').classList.length > 1", timeout=15000
    )
    payments_before = dashboard.locator("[data-figure=payments]").first.inner_text()

    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"))
    sign_in(page, stack.base_url, cashier.username)
    page.goto(f"{stack.base_url}/payments/terminal/{credentials.terminal.pk}/")
    page.wait_for_selector("#pairing:not([hidden])")
    page.fill("#pair-key", credentials.key_id)
    page.fill("#pair-secret", credentials.secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#screen-amount:not([hidden])")
    page.wait_for_selector("#link-state.badge-ok", timeout=15000)
    for key in "38":
        page.click(f"#keypad button[data-key='{key}']")
    assert page.inner_text("#amount") == "¥38.00"
    screenshot(page, "payments-terminal-amount")
    attempt, _refused = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: page.click("#pay-face")
    )
    assert attempt.status == "awaiting_confirmation", attempt.decline_code
    page.wait_for_selector("#confirm:not([hidden])", timeout=10_000)
    title = page.inner_text("#status-title")
    assert "¥38.00" in title
    masked = attempt.customer_masked_name
    assert masked
    assert masked in title
    screenshot(page, "payments-terminal-confirm")
    page.click("#confirm-yes")
    page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
    screenshot(page, "payments-terminal-paid")
    attempt.refresh_from_db()
    assert attempt.status == "captured"
    assert attempt.customer_id == customer.pk
    assert attempt.amount_minor == 3800

    dashboard.wait_for_function(
        "(before) => document.querySelector('[data-figure=payments]').innerText !== before",
        arg=payments_before,
        timeout=15_000,
    )
    # The period figures are as of page load: the page says so and offers the reload.
    assert dashboard.locator("#period-stale").is_visible()
    screenshot(dashboard, "payments-dashboard-updated")

    customer_services.customer_limits_update(
        customer=customer,
        per_payment_limit_minor=customer.per_payment_limit_minor,
        daily_limit_minor=customer.daily_limit_minor,
        step_up_above_minor=customer.step_up_above_minor,
        confirm_free_up_to_minor=5_000,
    )
    page.click("#restart")
    for key in "12":
        page.click(f"#keypad button[data-key='{key}']")
    assert page.get_attribute("#terminal", "data-status") is None
    second, _refused = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: page.click("#pay-face")
    )
    page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
    assert page.locator("#confirm").is_hidden()
    assert "¥12.00" in page.inner_text("#status-detail")
    screenshot(page, "payments-terminal-paid-confirm-free")
    second.refresh_from_db()
    assert (second.status, second.is_confirm_free, second.amount_minor) == ("captured", True, 1200)
