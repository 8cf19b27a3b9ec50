"""Must-show #4: in headless chromium with a fake camera playing a real live clip (liveness-dev,
see tests/stack/live_camera.py), a new customer signs up, verifies the phone, consents, enrols
through the real page (issue 12: the burst under the server's challenge, the stack draws only
"blink") and sees "enrolled". Screenshots are kept in test-artifacts/screenshots/customers-*.png."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from django.conf import settings

from customers.models import Customer, EnrolmentChallenge, FaceTemplate
from customers.sms import outbox_path
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.live_camera import live_clip_y4m

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def texted_code(phone: str, *, timeout_s: float = 10) -> str:
    """The code the development sender wrote to the outbox for `phone` (what the phone gets)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        path = outbox_path()
        if path.exists():
            for line in reversed(path.read_text(encoding="utf-8").splitlines()):
                entry = json.loads(line)
                if entry["phone"] == phone:
                    return "".join(ch for ch in entry["message"].split(":")[1] if ch.isdigit())[:6]
        time.sleep(0.1)
    raise AssertionError(f"no code was texted to {phone}")


def test_sign_up_consent_and_enrol_with_the_browser_camera(
    stack: Stack, browser_page, faces_dir: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert settings.DATA_DIR  # the live server writes its outbox under the same folder
    phone = f"+86138{random.randint(10_000_000, 99_999_999)}"
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"), locale="en-GB")

    page.goto(f"{stack.base_url}/customers/signup/")
    page.fill("#id_phone", phone)
    page.fill("#id_display_name", "Li Wei")
    page.fill("#id_date_of_birth", "1990-05-17")
    page.fill("#id_password", "wuma-street-tea-2026")
    screenshot(page, "customers-1-signup")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/customers/verify-phone/")

    page.fill("#id_code", texted_code(phone))
    screenshot(page, "customers-2-verify-phone")
    page.click("#verify-form button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/customers/consent/")

    for purpose in ("face_payment", "template_storage"):
        page.click(f"#consent-{purpose} button[data-purpose={purpose}]")
        page.wait_for_selector(f"#consent-{purpose} .badge-ok")
    screenshot(page, "customers-3-consent")

    page.goto(f"{stack.base_url}/customers/enrol/")
    assert page.get_attribute("#enrol-status", "data-state") == "not_enrolled"
    page.click("#start-camera")
    page.wait_for_selector("#challenge:has-text('Blink your eyes')", timeout=20_000)
    screenshot(page, "customers-4-camera-challenge")
    page.wait_for_selector(
        "#enrol-status[data-state=enrolled], #camera-card[data-state=refused]", timeout=60_000
    )
    customer = Customer.objects.get(user__phone=phone)
    challenge = EnrolmentChallenge.objects.get(customer=customer)
    assert challenge.outcome == "enrolled", (challenge.outcome, page.inner_text("#feedback"))
    assert "Enrolled" in page.inner_text("#enrol-status")
    assert page.get_attribute("#feedback", "data-code") == "enrolled"
    screenshot(page, "customers-5-enrolled")

    assert customer.is_phone_verified
    template = FaceTemplate.objects.get(customer=customer)
    assert 1 <= template.frame_count <= 5  # the burst's sampled frontal frames
    page.reload()
    assert page.get_attribute("#enrol-status", "data-state") == "enrolled"
    screenshot(page, "customers-6-enrolled-after-reload")

    # The rest of the portal in the same session: top up, withdraw, a payment code, delete
    # biometrics.
    page.goto(f"{stack.base_url}/customers/wallet/")
    page.fill("#id_amount", "120.50")
    page.select_option("#id_card_brand", "unionpay")
    page.fill("#id_card_number", "6222 0210 0000 4321")
    page.click("#top-up-form button[type=submit]")
    page.wait_for_selector("text=¥120.50")
    assert "4321" in page.inner_text("main")
    assert "6222 0210" not in page.content()
    assert page.input_value("#id_withdraw-amount") == "120.50"  # the whole balance is offered
    page.fill("#id_withdraw-amount", "20.50")
    page.select_option("#id_withdraw-card_brand", "unionpay")
    page.fill("#id_withdraw-card_number", "6222 0210 0000 4321")
    page.fill("#id_withdraw-password", "wuma-street-tea-2026")  # a withdrawal re-asks who it is
    page.click("#withdraw-form button[type=submit]")
    page.wait_for_selector("#wallet-balance:text('¥100.00')")
    screenshot(page, "customers-7-wallet")

    page.goto(f"{stack.base_url}/customers/controls/")
    page.click("form:has(input[value=code]) button")
    page.wait_for_selector("#payment-code svg")
    assert len(page.inner_text("#payment-code .code-digits").replace(" ", "")) == 6
    screenshot(page, "customers-8-payment-code")

    page.goto(f"{stack.base_url}/customers/privacy/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete-biometrics")
    page.wait_for_selector("#deletion-receipt")
    assert not FaceTemplate.objects.filter(customer=customer).exists()
    screenshot(page, "customers-9-deletion-receipt")
