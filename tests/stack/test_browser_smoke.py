"""The base layout in a real browser: landing page, language switch, sign-in as an operator."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from facepay.models import User
from tests.facepay.factories import TEST_PASSWORD, UserFactory
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack

pytestmark = pytest.mark.django_db(transaction=True)


def test_operator_signs_in_and_sees_the_live_pipeline_answer(stack: Stack, browser_page) -> None:  # type: ignore[no-untyped-def]
    operator = UserFactory(role=User.Role.OPERATOR)
    page = browser_page(locale="zh-CN")
    page.goto(f"{stack.base_url}/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with translation.override("zh-hans"):
        headline = gettext("Pay by looking at the counter.")
    assert headline != "Pay by looking at the counter."  # the Chinese catalogue is shipped
    assert page.locator("h1").inner_text() == headline
    screenshot(page, "landing-zh")
    page = browser_page()
    page.goto(f"{stack.base_url}/accounts/login/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/ops/")
    page.wait_for_timeout(300)  # let the page open its websocket
    page.click("#ping-button")
    page.wait_for_function(
        "() => document.getElementById('ping-result').textContent.includes(':')", timeout=5000
    )
    screenshot(page, "ops-live-pipeline")
