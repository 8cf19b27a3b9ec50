"""Issue 15: the counter as a cashier uses it, in headless Chromium with a fake camera.

- Pay-to-confirm measured in the page over 10 face payments, printed next to the capture time
  (no timing assertion: the machine is shared). A decline first: its title names the problem and
  "Try again" keeps the amount.
- A screen paired with a mistyped secret never says "connected"; the refusal is in the reader's
  language; after a rotation the next payment sends the cashier back to pairing, and pairing again
  works.
- A payment by keyboard only: amount and phone digits typed, Enter presses the next action, a
  wrong-digits notice stays until the next key, and focus lands on the next action each time.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from customers import services as customer_services
from customers.models import Customer
from merchants import services as merchant_services
from merchants.models import Store
from payments.models import PaymentAttempt
from tests.merchants.factories import MerchantFactory, StoreStaffFactory, terminal_with_secret
from tests.payments.factories import funded_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack
from tests.stack.live_camera import live_clip_y4m, pay_by_face_on_counter
from tests.stack.test_payments_browser import sign_in
from tests.stack.test_payments_flow import enrol_clip_person

pytestmark = pytest.mark.django_db(transaction=True)

# Measured by the test itself, in the page: the press of "Pay with face" (capture phase, before
# the page's own handler) to the moment the confirm buttons are shown.
STOPWATCH = """() => {
  window.__timings = [];
  let pressed = null;
  document.getElementById("pay-face").addEventListener("click", () => {
    pressed = performance.now();
  }, { capture: true });
  const confirm = document.getElementById("confirm");
  new MutationObserver(() => {
    if (!confirm.hidden && pressed !== null) {
      const marks = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
      const since = (name) => marks(name) !== null && marks("facepay:pay") !== null
        ? marks(name) - marks("facepay:pay") : null;
      window.__timings.push({
        confirm: performance.now() - pressed, capture: since("facepay:captured"),
        replied: since("facepay:replied"),
      });
      pressed = null;
    }
  }).observe(confirm, { attributes: true, attributeFilter: ["hidden"] });
}"""


def open_counter(page, stack: Stack, cashier_username: str, terminal_pk: int) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, stack.base_url, cashier_username)
    page.goto(f"{stack.base_url}/payments/terminal/{terminal_pk}/")
    page.wait_for_selector("#pairing:not([hidden])")


def pair(page, key_id: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#pair-key", key_id)
    page.fill("#pair-secret", secret)
    page.click("#pair-form button[type=submit]")


def press_pay_by_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    """Enter on "pay with face" (where focus is after typing an amount; set again after a
    "try again", which leaves focus on the amount)."""
    page.focus("#pay-face")
    page.keyboard.press("Enter")


def active_id(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.activeElement?.id || document.activeElement?.tagName")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def test_counter_pay_to_confirm_time_over_ten_payments(
    stack: Stack,
    browser_page,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    customer = enrol_clip_person(amount_minor=100_000)
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    cashier = StoreStaffFactory(store=Store.objects.get(pk=credentials.terminal.store_id)).user
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"), locale="zh-CN")
    open_counter(page, stack, cashier.username, credentials.terminal.pk)
    pair(page, credentials.key_id, credentials.secret)
    page.wait_for_selector("#link-state.badge-ok", timeout=15_000)
    page.evaluate(STOPWATCH)

    # A decline first: the title names the problem, and "Try again" keeps the amount.
    customer_services.customer_face_pay_set(customer=customer, is_enabled=False)
    page.keyboard.type("12")
    declined, refusals_first = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: page.click("#pay-face")
    )
    assert declined.decline_code == "customer_frozen", declined.decline_code
    assert page.inner_text("#status-title") == "该顾客暂不能刷脸支付"
    assert page.inner_text("#restart") == "再试一次"
    screenshot(page, "counter-declined-face-pay-off")
    page.click("#restart")
    assert page.inner_text("#amount") == "¥12.00"
    customer_services.customer_face_pay_set(
        customer=Customer.objects.get(pk=customer.pk), is_enabled=True
    )

    refusals = 0
    for number in range(10):
        attempt, refused = pay_by_face_on_counter(
            page, credentials.terminal.pk, lambda: page.click("#pay-face")
        )
        refusals += refused
        assert attempt.status == "awaiting_confirmation", (number, attempt.decline_code)
        assert "¥12.00" in page.inner_text("#status-title")
        page.click("#confirm-yes")
        page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
        assert page.inner_text("#restart") == "新的收款"
        page.click("#restart")
        assert page.inner_text("#amount") == "¥0.00", number  # a new sale starts at zero
        page.keyboard.type("12")
    timings = page.evaluate("() => window.__timings")
    assert len(timings) == 10
    captured = PaymentAttempt.objects.filter(terminal=credentials.terminal, status="captured")
    assert captured.count() == 10
    # The server's share, from its own timestamps: burst received to awaiting confirmation.
    rows = list(captured.order_by("created_at"))
    server = [
        (row.awaiting_confirmation_at - row.burst_received_at).total_seconds() for row in rows
    ]
    queued = [(row.recognising_at - row.burst_received_at).total_seconds() for row in rows]
    confirm = [item["confirm"] / 1000 for item in timings]
    capture = [item["capture"] / 1000 for item in timings if item["capture"] is not None]
    lines = [
        f"pay-to-confirm (s), 10 payments: {', '.join(f'{value:.2f}' for value in confirm)}",
        f"pay-to-confirm p50 {percentile(confirm, 0.5):.2f} s,"
        f" p95 {percentile(confirm, 0.95):.2f} s",
    ]
    if len(capture) == len(confirm):
        above = [total - shot for total, shot in zip(confirm, capture, strict=True)]
        lines += [
            f"capture alone (s): {', '.join(f'{value:.2f}' for value in capture)}",
            f"capture p50 {percentile(capture, 0.5):.2f} s, p95 {percentile(capture, 0.95):.2f} s",
            f"confirm minus capture p50 {percentile(above, 0.5):.2f} s,"
            f" p95 {percentile(above, 0.95):.2f} s (goal: p95 at most 0.80 s);"
            f" p95(confirm) - p95(capture)"
            f" {percentile(confirm, 0.95) - percentile(capture, 0.95):.2f} s",
        ]
    replied = [item["replied"] / 1000 for item in timings if item["replied"] is not None]
    if len(replied) == len(capture) == len(confirm):
        upload = [answer - shot for answer, shot in zip(replied, capture, strict=True)]
        lines.append(
            f"capture to POST reply p50 {percentile(upload, 0.5):.2f} s,"
            f" p95 {percentile(upload, 0.95):.2f} s"
        )
    lines.append(
        f"server burst received to awaiting_confirmation p50 {percentile(server, 0.5):.2f} s,"
        f" p95 {percentile(server, 0.95):.2f} s (of which queued for the worker:"
        f" p50 {percentile(queued, 0.5):.2f} s, p95 {percentile(queued, 0.95):.2f} s)"
    )
    if len(capture) == len(confirm) == len(server):
        # What the page and the network add: the rest once capture and server time are taken off.
        rest = [
            total - shot - work for total, shot, work in zip(confirm, capture, server, strict=True)
        ]
        lines.append(
            f"page + network (confirm - capture - server) p50 {percentile(rest, 0.5):.2f} s,"
            f" p95 {percentile(rest, 0.95):.2f} s"
        )
    lines.append(
        f"liveness refusals of the live clip met on the way (pressed again): "
        f"{refusals_first + refusals} in {11 + refusals_first + refusals} recordings"
    )
    with capsys.disabled():
        print("\n" + "\n".join(lines))  # noqa: T201 - Must-show 1: the timings, in the log


def test_counter_applies_a_status_pushed_before_the_post_reply(
    stack: Stack,
    browser_page,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """The result is pushed before the POST's 202 reaches the page (held back here until the
    attempt awaits confirmation): the page shows the confirm screen from the push, with no poll.
    Before, it dropped the push (no attempt id yet) and waited for its 2-second poll."""
    enrol_clip_person(amount_minor=10_000)
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    cashier = StoreStaffFactory(store=Store.objects.get(pk=credentials.terminal.store_id)).user
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"))
    open_counter(page, stack, cashier.username, credentials.terminal.pk)
    pair(page, credentials.key_id, credentials.secret)
    page.wait_for_selector("#link-state.badge-ok", timeout=15_000)
    polls: list[str] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url)
            if request.method == "GET" and "/terminal/attempts/" in request.url
            else None
        ),
    )

    def hold_reply(route) -> None:  # type: ignore[no-untyped-def]
        response = route.fetch()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and PaymentAttempt.objects.filter(
            terminal=credentials.terminal
        ).latest("created_at").status in ("created", "recognising"):
            time.sleep(0.05)
        time.sleep(0.5)  # the push is in the page by now
        route.fulfill(response=response)

    page.route("**/api/payments/terminal/attempts/*/burst/", hold_reply)
    for key in "38":
        page.click(f"#keypad button[data-key='{key}']")
    attempt, _refused = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: page.click("#pay-face")
    )
    assert attempt.status == "awaiting_confirmation", attempt.decline_code
    page.wait_for_selector("#confirm:not([hidden])", timeout=10_000)
    assert polls == []  # shown from the push, not from a poll
    after_reply = page.evaluate(
        "() => performance.getEntriesByName('facepay:confirm')[0].startTime"
        " - performance.getEntriesByName('facepay:replied')[0].startTime"
    )
    with capsys.disabled():
        print(f"\nreply held until the push had come: confirm {after_reply:.0f} ms after it")  # noqa: T201


def test_counter_polls_only_while_the_socket_is_down(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """No socket (the server end refuses it every time): the signed poll brings the result."""
    enrol_clip_person(amount_minor=10_000)
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    cashier = StoreStaffFactory(store=Store.objects.get(pk=credentials.terminal.store_id)).user
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"), locale="zh-CN")
    page.route_web_socket("**/ws/payments/terminal/**", lambda socket: socket.close())
    polls: list[str] = []
    page.on(
        "request",
        lambda request: (
            polls.append(request.url)
            if request.method == "GET" and "/terminal/attempts/" in request.url
            else None
        ),
    )
    open_counter(page, stack, cashier.username, credentials.terminal.pk)
    pair(page, credentials.key_id, credentials.secret)
    page.wait_for_selector("#screen-amount:not([hidden])", timeout=15_000)
    assert page.inner_text("#link-state") != "已连接"
    page.keyboard.type("9")
    attempt, _refused = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: press_pay_by_keyboard(page)
    )
    assert attempt.status == "awaiting_confirmation", attempt.decline_code
    page.wait_for_selector("#confirm:not([hidden])", timeout=10_000)
    assert polls  # the result came from the poll
    page.keyboard.press("Enter")
    page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
    count = len(polls)
    time.sleep(2.5)
    assert len(polls) == count  # a decided payment is not polled any more


def test_counter_paired_with_a_wrong_secret_is_not_connected_and_pairs_again(
    stack: Stack,
    browser_page,  # type: ignore[no-untyped-def]
) -> None:
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    terminal = credentials.terminal
    cashier = StoreStaffFactory(store=Store.objects.get(pk=terminal.store_id)).user
    page = browser_page(locale="zh-CN")
    open_counter(page, stack, cashier.username, terminal.pk)

    pair(page, credentials.key_id, credentials.secret[:-2] + "xx")
    page.wait_for_selector("#pair-error:not([hidden])", timeout=15_000)
    assert "密钥与此终端不符" in page.inner_text("#pair-error")
    assert page.inner_text("#link-state") == "未配对"
    assert page.locator("#screen-amount").is_hidden()
    assert page.evaluate(f"() => localStorage.getItem('facepay.terminal.{terminal.pk}')") is None
    screenshot(page, "counter-wrong-secret")

    pair(page, credentials.key_id, credentials.secret)
    page.wait_for_selector("#screen-amount:not([hidden])", timeout=15_000)
    page.wait_for_selector("#link-state.badge-ok", timeout=15_000)
    assert page.inner_text("#link-state") == "已连接"

    # The owner rotates the secret elsewhere: the next payment brings the pairing screen back,
    # with the amount kept, and the new secret pairs the screen again.
    rotated = merchant_services.terminal_rotate_secret(actor=None, terminal=terminal)
    code = customer_services.payment_code_issue(customer=funded_customer(10_000)).code
    page.keyboard.type("25")
    page.click("#pay-code")
    page.fill("#code-value", code)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#pairing:not([hidden])", timeout=15_000)
    assert "重新配对" in page.inner_text("#pair-error")
    assert page.inner_text("#link-state") == "未配对"
    assert page.input_value("#pair-key") == credentials.key_id
    screenshot(page, "counter-secret-rotated")
    assert not PaymentAttempt.objects.filter(terminal=terminal).exists()

    page.fill("#pair-secret", rotated.secret)
    page.click("#pair-form button[type=submit]")
    page.wait_for_selector("#screen-amount:not([hidden])", timeout=15_000)
    assert page.inner_text("#amount") == "¥25.00"
    page.click("#pay-code")
    page.fill("#code-value", code)
    page.click("#code-form button[type=submit]")
    page.wait_for_selector("#confirm:not([hidden])", timeout=30_000)
    page.click("#confirm-yes")
    page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)

    page.reload()  # the verified pairing is kept across a reload
    page.wait_for_selector("#screen-amount:not([hidden])", timeout=15_000)
    page.wait_for_selector("#link-state.badge-ok", timeout=15_000)
    # "Pair again" is always at hand.
    page.click("#repair")
    page.wait_for_selector("#pairing:not([hidden])")
    assert active_id(page) == "pair-secret"


def test_counter_keyboard_only_payment_moves_focus_to_the_next_action(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    customer = enrol_clip_person(amount_minor=100_000)
    customer_services.customer_limits_update(
        customer=customer,
        per_payment_limit_minor=customer.per_payment_limit_minor,
        daily_limit_minor=customer.daily_limit_minor,
        step_up_above_minor=1_000,  # ¥38.00 asks for the phone digits
        confirm_free_up_to_minor=0,
    )
    last4 = customer.user.phone[-4:]
    wrong = f"{(int(last4) + 1) % 10_000:04d}"
    credentials = terminal_with_secret(store__merchant=MerchantFactory(fee_rate_bps=60))
    cashier = StoreStaffFactory(store=Store.objects.get(pk=credentials.terminal.store_id)).user
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"), locale="zh-CN")
    open_counter(page, stack, cashier.username, credentials.terminal.pk)
    pair(page, credentials.key_id, credentials.secret)
    page.wait_for_selector("#screen-amount:not([hidden])", timeout=15_000)
    page.wait_for_selector("#link-state.badge-ok", timeout=15_000)

    page.keyboard.type("38.5")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    assert page.inner_text("#amount") == "¥38.00"
    assert active_id(page) == "pay-face"
    attempt, _refused = pay_by_face_on_counter(
        page, credentials.terminal.pk, lambda: press_pay_by_keyboard(page)
    )
    assert attempt.status == "step_up_required", attempt.decline_code
    page.wait_for_selector("#step-up:not([hidden])", timeout=10_000)
    assert page.inner_text("#status-amount") == "¥38.00"  # the question comes with the amount
    assert active_id(page) == "digits"
    screenshot(page, "counter-keyboard-step-up")

    page.keyboard.type(wrong)
    assert active_id(page) == "digits-send"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('status-detail').innerText.includes('2')", timeout=15_000
    )
    notice = page.inner_text("#status-detail")
    time.sleep(2.5)  # the push of the failure and any poll must not wipe the notice
    assert page.inner_text("#status-detail") == notice
    assert page.inner_text("#status-amount") == "¥38.00"
    screenshot(page, "counter-keyboard-wrong-digits")

    page.keyboard.type(last4[:1])
    assert page.inner_text("#status-detail") == ""  # gone with the next key press
    page.keyboard.press("Backspace")
    page.keyboard.type(last4)
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm:not([hidden])", timeout=30_000)
    assert active_id(page) == "confirm-yes"
    page.keyboard.press("Enter")
    page.wait_for_selector("#terminal[data-status=captured]", timeout=30_000)
    assert active_id(page) == "restart"
    attempt = PaymentAttempt.objects.filter(terminal=credentials.terminal).latest("created_at")
    assert (attempt.status, attempt.amount_minor, attempt.customer_id) == (
        "captured",
        3800,
        customer.pk,
    )
    page.keyboard.press("Enter")
    page.wait_for_selector("#screen-amount:not([hidden])")
    assert active_id(page) == "amount"
