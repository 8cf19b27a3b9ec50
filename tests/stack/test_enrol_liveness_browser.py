"""Issue 12: the enrolment page in headless Chromium, in Chinese, the fake camera playing Y4M.

A print of somebody else's photo (the kit's `print_flat` of the clip person, asked to blink) is
refused with its liveness code, shown in Chinese, and nothing is stored; the live clip of a
person enrols under the challenge the server drew (the stack draws only "blink", see
tests/stack/live_camera.py). Screenshots: test-artifacts/screenshots/enrol-liveness-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from customers.models import EnrolmentChallenge, FaceTemplate
from customers.views.account import _feedback_texts
from tests.customers.factories import CustomerFactory
from tests.payments.factories import give_consents
from tests.stack.browser import screenshot, write_y4m_frames
from tests.stack.conftest import Stack
from tests.stack.live_camera import attack_frames, live_clip_y4m
from tests.stack.test_payments_browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def record_on_enrol_page(page, stack: Stack) -> str:  # type: ignore[no-untyped-def]
    """Open the enrolment page, press Start, wait for the outcome; the page's state."""
    page.goto(f"{stack.base_url}/customers/enrol/")
    assert page.get_attribute("#enrol-status", "data-state") == "not_enrolled"
    page.click("#start-camera")
    page.wait_for_selector("#challenge:has-text('眨眼')", timeout=20_000)
    page.wait_for_selector(
        "#camera-card[data-state=enrolled], #camera-card[data-state=refused]", timeout=60_000
    )
    return str(page.get_attribute("#camera-card", "data-state"))


def test_print_of_another_persons_photo_is_refused_in_chinese_and_a_live_clip_enrols(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    attacker = CustomerFactory()
    give_consents(attacker)
    print_camera = write_y4m_frames(
        attack_frames("print_flat"), tmp_path / "print.y4m", fps=(15, 2)
    )
    page = browser_page(camera_y4m=print_camera, locale="zh-CN")
    sign_in(page, stack.base_url, attacker.user.username)
    assert record_on_enrol_page(page, stack) == "refused"
    code = str(page.get_attribute("#feedback", "data-code"))
    assert code.startswith("liveness_"), (code, page.inner_text("#feedback"))
    with translation.override("zh-hans"):
        shown = str(_feedback_texts()[code])
    with translation.override("en"):
        assert shown != str(_feedback_texts()[code])  # translated
    assert page.inner_text("#feedback") == shown
    screenshot(page, "enrol-liveness-print-refused")
    assert not FaceTemplate.objects.filter(customer=attacker).exists()
    assert EnrolmentChallenge.objects.get(customer=attacker).outcome == code
    print(f"print_flat at enrolment: refused {code} — {shown}")  # noqa: T201

    person = CustomerFactory()
    give_consents(person)
    page = browser_page(camera_y4m=live_clip_y4m(tmp_path / "live.y4m"), locale="zh-CN")
    sign_in(page, stack.base_url, person.user.username)
    state = record_on_enrol_page(page, stack)
    challenge = EnrolmentChallenge.objects.get(customer=person)
    assert state == "enrolled", (challenge.outcome, page.inner_text("#feedback"))
    assert challenge.outcome == "enrolled"
    assert page.get_attribute("#enrol-status", "data-state") == "enrolled"
    screenshot(page, "enrol-liveness-live-enrolled")
    assert FaceTemplate.objects.filter(customer=person).exists()
