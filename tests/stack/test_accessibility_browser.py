"""axe-core on the most used pages, in Chinese, in chromium (issue 15: 11).

The demo street is seeded; each role's pages are opened signed in as that role with a Chinese
browser, and axe (tests/stack/axe.py) must find no critical and no serious violation.
"""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from customers.models import Customer
from customers.services import consent_give
from facepay.models import User
from merchants.models import Store, Terminal
from payments.models import PaymentAttempt
from payments.services import wallet_top_up
from tests.stack import axe
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack

pytestmark = pytest.mark.django_db(transaction=True)


def _pages() -> list[tuple[str | None, str]]:
    """(login, path) of the most used pages of each role: customers, owners, cashiers, staff."""
    customer = Customer.objects.get(user__username="customer01")
    payment = (
        PaymentAttempt.objects.filter(customer=customer, status=PaymentAttempt.Status.CAPTURED)
        .order_by("-created_at")
        .first()
    )
    assert payment is not None
    store = Store.objects.filter(merchant__owner__username="owner.noodles").order_by("pk").first()
    terminal = Terminal.objects.filter(store=store).order_by("pk").first()
    assert terminal is not None
    return [
        (None, "/"),
        (None, "/accounts/login/"),
        ("customer01", "/customers/"),
        ("customer01", "/customers/wallet/"),
        ("customer01", f"/customers/wallet/payments/{payment.public_id}/"),
        ("customer01", "/customers/consent/"),
        ("customer01", "/customers/controls/"),
        ("customer01", "/payments/face-payments/"),
        ("owner.noodles", "/merchants/"),
        ("owner.noodles", "/merchants/stores/"),
        ("owner.noodles", "/payments/recent/"),
        ("owner.noodles", "/merchants/settlements/"),
        ("cashier.noodles1", "/payments/terminal/"),
        ("cashier.noodles1", f"/payments/terminal/{terminal.pk}/"),
        ("operator", "/ops/"),
        ("finance", "/credit/"),
    ]


def test_most_used_pages_have_no_serious_accessibility_violations_in_chinese(
    stack: Stack, browser_page
) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", customers=4, stdout=io.StringIO())
    customer = Customer.objects.get(user__username="customer01")
    for purpose in ("face_payment", "template_storage"):
        consent_give(customer=customer, purpose=purpose)
    wallet_top_up(
        customer_id=customer.pk,
        amount_minor=50_000,
        currency="CNY",
        card_brand="unionpay",
        card_last4="4321",
        idempotency_key="axe-pages",
    )
    script = axe.axe_source()
    problems: list[str] = []
    counts: list[str] = []
    sessions: dict[str, str] = {}
    for login, path in _pages():
        page = browser_page(locale="zh-CN")
        page.add_init_script(path=str(script))
        cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "zh-hans"}]
        if login is not None:
            if login not in sessions:
                sessions[login] = stack.session_cookie(User.objects.get(username=login))
            cookies.append({"name": settings.SESSION_COOKIE_NAME, "value": sessions[login]})
        page.context.add_cookies([{**cookie, "url": stack.base_url} for cookie in cookies])
        response = page.goto(f"{stack.base_url}{path}")
        assert response is not None
        assert response.status == 200, f"{path} as {login}: {response.status}"
        assert page.url == f"{stack.base_url}{path}", f"{path} as {login} went to {page.url}"
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # let page scripts draw (charts, the counter's first screen)
        found = axe.violations(page)
        rules = ", ".join(f"{v['id']} ({v['impact']})" for v in found) or "none"
        counts.append(f"{path} ({login or 'anonymous'}): {rules}")
        problems += axe.describe(f"{path} ({login or 'anonymous'})", found)
        screenshot(page, "a11y" + path.replace("/", "-").rstrip("-"))
        page.context.close()
    print("\n".join(counts))  # noqa: T201 - minor and moderate hits, for the record
    assert not problems, "critical or serious accessibility violations:\n" + "\n".join(problems)
