"""Issue 12, must-show 2 and 4: the counter in headless Chromium, the fake camera playing Y4M.

An enrolled person's live clip (liveness-dev) reaches the confirm screen under the challenge the
server drew; the same person's print attack and phone-screen attack (rendered by the kit's code)
are declined with the liveness reason shown in Chinese. The pay-to-confirm time (the click on
"Pay with face" to the confirm buttons, challenge and 1.5 s recording included) is printed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.utils import translation

from customers import services as customer_services
from customers.models import Customer
from facepay.face.engine import get_engine
from merchants.models import Store
from payments import terminal_text
from payments.models import PaymentAttempt
from payments.views import DECLINE_TEXT
from tests.merchants.factories import StoreStaffFactory, terminal_with_secret
from tests.payments.factories import fund, give_consents
from tests.payments.test_attempts import CustomerFactory
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.live_camera import (
    attack_y4m,
    clip_person_embedding,
    live_clip_y4m,
    pay_by_face_on_counter,
)
from tests.stack.test_payments_browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)
LIVE_RUNS = 3


def enrol_clip_person() -> Customer:
    customer = CustomerFactory()
    fund(customer, 100_000)
    give_consents(customer)
    engine = get_engine()
    customer_services.face_template_store(
        customer=customer,
        embedding=clip_person_embedding(),
        quality=1.0,
        frame_count=15,
        model_version=engine.model_version,
        pack_name=engine.manifest.name,
    )
    return customer


def open_counter(browser_page, stack: Stack, credentials, cashier, camera: Path):  # type: ignore[no-untyped-def]
    page = browser_page(camera_y4m=camera, locale="zh-CN")
    sign_in(page, stack.base_url, cashier.username)
    page.goto(f"{stack.base_url}/payments/terminal/{credentials.terminal.pk}/")
    page.wait_for_selector("#pairing:not([hidden])")
    page.fill("#pair-key", credentials.key_id)
    page.fill("#pair-secret", credentials.secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#screen-amount:not([hidden])")
    page.wait_for_selector("#link-state.badge-ok", timeout=15000)
    return page


def key_amount(page, digits: str) -> None:  # type: ignore[no-untyped-def]
    for key in digits:
        page.click(f"#keypad button[data-key='{key}']")


def test_live_clip_pays_and_print_and_screen_attacks_are_declined_in_chinese(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    customer = enrol_clip_person()
    credentials = terminal_with_secret()
    store = Store.objects.get(pk=credentials.terminal.store_id)
    cashier = StoreStaffFactory(store=store).user

    page = open_counter(
        browser_page, stack, credentials, cashier, live_clip_y4m(tmp_path / "live.y4m")
    )
    timings: list[float] = []
    refusals = 0
    stages: list[tuple[float, float]] = []
    for run in range(LIVE_RUNS):
        if page.inner_text("#amount") == "¥0.00":  # "try again" after a cancel keeps the amount
            key_amount(page, "38")
        started = [time.perf_counter()]

        def press(started: list[float] = started, first: bool = run == 0) -> None:
            started[0] = time.perf_counter()  # a press again times itself
            page.click("#pay-face")
            if first:
                page.wait_for_selector("#challenge:has-text('眨眼')", timeout=10_000)
                screenshot(page, "liveness-terminal-challenge")

        attempt, refused = pay_by_face_on_counter(page, credentials.terminal.pk, press)
        refusals += refused
        timings.append(time.perf_counter() - started[0])
        assert attempt.burst_received_at is not None
        assert attempt.awaiting_confirmation_at is not None, (
            run,
            attempt.decline_code,
            json.dumps(attempt.liveness_details),
        )
        stages.append(
            (
                (attempt.burst_received_at - attempt.created_at).total_seconds(),
                (attempt.awaiting_confirmation_at - attempt.burst_received_at).total_seconds(),
            )
        )
        assert (attempt.status, attempt.decline_code) == ("awaiting_confirmation", ""), (
            attempt.liveness_details
        )
        assert attempt.customer_id == customer.pk
        assert (attempt.liveness_challenge, attempt.liveness_reason) == ("blink", "")
        if run == 0:
            screenshot(page, "liveness-terminal-confirm")
            page.click("#confirm-yes")
            page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
            screenshot(page, "liveness-terminal-paid")
        else:
            page.click("#confirm-no")
            page.wait_for_selector("#terminal[data-status=cancelled]", timeout=30_000)
        page.click("#restart")
    ordered = sorted(timings)
    print(  # noqa: T201
        "pay-to-confirm (click to confirm screen, challenge and 1.5 s recording included): "
        + ", ".join(f"{value:.2f} s" for value in timings)
        + f"; worst {ordered[-1]:.2f} s of {len(timings)}; of which challenge issued to burst "
        "received (camera, 1.5 s recording, upload): "
        + ", ".join(f"{first:.2f} s" for first, _ in stages)
        + "; burst received to match decided (queue, liveness, recognition): "
        + ", ".join(f"{second:.2f} s" for _, second in stages)
        + f"; live recordings refused on the way (pressed again): {refusals}"
    )

    for species in ("print_flat", "screen_photo"):
        attack = open_counter(
            browser_page,
            stack,
            credentials,
            cashier,
            attack_y4m(species, tmp_path / f"{species}.y4m"),
        )
        key_amount(attack, "12")
        attack.click("#pay-face")
        attack.wait_for_selector(
            "#terminal[data-status=declined], #confirm:not([hidden])", timeout=90_000
        )
        attempt = PaymentAttempt.objects.filter(terminal=credentials.terminal).latest("created_at")
        assert attempt.status == "declined", (attempt.status, attempt.liveness_details)
        assert attempt.decline_code.startswith("liveness_"), attempt.decline_code
        assert attempt.liveness_reason == attempt.decline_code
        assert attempt.customer_id is None
        with translation.override("zh-hans"):
            shown = str(DECLINE_TEXT[attempt.decline_code])
        with translation.override("en"):
            assert shown != str(DECLINE_TEXT[attempt.decline_code])  # translated
        assert attack.inner_text("#status-detail") == shown
        with translation.override("zh-hans"):
            assert attack.inner_text("#status-title") == str(
                terminal_text.TITLES["spoof_suspected"]
            )
        screenshot(attack, f"liveness-terminal-declined-{species}")
        print(f"{species}: declined {attempt.decline_code} — {shown}")  # noqa: T201
    assert PaymentAttempt.objects.filter(status="captured").count() == 1
