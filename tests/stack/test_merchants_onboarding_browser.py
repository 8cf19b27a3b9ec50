"""Must-show #4 in headless Chromium: sign-up → application → review → approval → store →
terminal → a signed payment on that terminal lands live on the owner's dashboard.

Screenshots of the filled application form and of the dashboard are kept as artefacts.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest

from customers import services as customer_services
from facepay.models import User
from merchants.models import Merchant, Terminal
from merchants.signing import sign_request
from tests.facepay.factories import TEST_PASSWORD, UserFactory
from tests.merchants.factories import valid_credit_code
from tests.payments.factories import funded_customer
from tests.stack.browser import screenshot
from tests.stack.conftest import Stack

pytestmark = pytest.mark.django_db(transaction=True)

LICENCE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
OWNER_PASSWORD = "Wuma-street-owner-2026"


def signed(
    stack: Stack, key_id: str, secret: str, method: str, path: str, payload: dict | None = None
) -> httpx.Response:
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = sign_request(secret=secret, method=method, path=path, body=body, terminal_id=key_id)
    headers["Content-Type"] = "application/json"
    return httpx.request(
        method, f"{stack.base_url}{path}", content=body, headers=headers, timeout=10
    )


def test_merchant_onboarding_from_application_to_a_working_terminal(
    stack: Stack,
    browser_page,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    base = stack.base_url
    owner_page = browser_page(locale="en-GB")
    # 1. The owner signs up and fills in the application.
    owner_page.goto(f"{base}/merchants/signup/")
    owner_page.fill("#id_username", "wuma.teahouse")
    owner_page.fill("#id_email", "owner@wuma-teahouse.test")
    owner_page.fill("#id_display_name", "王建国")
    owner_page.fill("#id_password1", OWNER_PASSWORD)
    owner_page.fill("#id_password2", OWNER_PASSWORD)
    owner_page.click("form button[type=submit].primary")
    owner_page.wait_for_url(f"{base}/merchants/application/")
    licence = tmp_path / "licence.pdf"
    licence.write_bytes(LICENCE_PDF)
    owner_page.fill("#id_name", "五马茶楼")
    owner_page.fill("#id_credit_code", valid_credit_code(4242))
    owner_page.select_option("#id_trade", "teahouse")
    owner_page.fill("#id_address", "五马街 12 号")
    owner_page.fill("#id_owner_legal_name", "王建国")
    owner_page.fill("#id_bank_name", "温州银行 五马支行")
    owner_page.fill("#id_bank_account_holder", "王建国")
    owner_page.fill("#id_bank_account_number", "6222 0203 1234 5678")
    owner_page.set_input_files("#id_licence_file", str(licence))
    screenshot(owner_page, "merchants-application-form")
    owner_page.click("#application-form button[type=submit]")
    owner_page.wait_for_selector("#submit-application")
    assert "**** **** 5678" in owner_page.content()
    owner_page.click("#submit-application")
    owner_page.wait_for_selector("[data-testid=application-status]")
    merchant = Merchant.objects.get(credit_code=valid_credit_code(4242))
    assert merchant.status == Merchant.Status.SUBMITTED

    # 2. An operator reviews it in the queue and approves it.
    operator = UserFactory(role=User.Role.OPERATOR)
    operator_page = browser_page(locale="en-GB")
    operator_page.goto(f"{base}/accounts/login/?next=/merchants/review/")
    operator_page.fill("#id_username", operator.username)
    operator_page.fill("#id_password", TEST_PASSWORD)
    operator_page.click("button[type=submit]")
    operator_page.wait_for_url(f"{base}/merchants/review/")
    card = f"#application-{merchant.pk}"
    operator_page.click(f"{card} button[value=start_review]")
    operator_page.wait_for_selector(f"{card} button[value=approve]")
    operator_page.click(f"{card} button[value=approve]")
    operator_page.wait_for_selector(f"{card}", state="detached")
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED

    # 3. The owner opens a store and registers a terminal; the secret is shown once.
    owner_page.goto(f"{base}/merchants/stores/")
    owner_page.fill("#id_name", "五马茶楼 总店")
    owner_page.click("form[action$='/stores/new/'] button[type=submit]")
    owner_page.wait_for_selector("form[action*='/terminals/new/']")
    owner_page.click("form[action*='/terminals/new/'] button[type=submit]")
    key_id = owner_page.text_content("[data-testid=terminal-key-id]").strip()
    secret = owner_page.text_content("[data-testid=terminal-secret]").strip()
    terminal = Terminal.objects.get(key_id=key_id)
    assert terminal.store.merchant_id == merchant.pk

    # 4. The terminal works: it authenticates, and a payment on it shows on the dashboard live.
    where = signed(stack, key_id, secret, "GET", "/api/merchants/terminal/me")
    assert where.status_code == 200, where.text
    assert where.json()["merchant"]["name"] == "五马茶楼"
    owner_page.goto(f"{base}/merchants/")
    owner_page.wait_for_function(
        "() => document.getElementById('live-badge').classList.contains('badge-ok')",
        timeout=10_000,
    )
    customer = funded_customer(20_000)
    code = customer_services.payment_code_issue(customer=customer)
    created = signed(
        stack,
        key_id,
        secret,
        "POST",
        "/api/payments/terminal/attempts/code/",
        {
            "amount_minor": 6800,
            "currency": "CNY",
            "idempotency_key": uuid.uuid4().hex,
            "payment_code": code.code,
        },
    )
    assert created.status_code == 201, created.text
    attempt_id = created.json()["id"]
    confirmed = signed(
        stack, key_id, secret, "POST", f"/api/payments/terminal/attempts/{attempt_id}/confirm/"
    )
    assert confirmed.json()["status"] == "captured", confirmed.text
    owner_page.wait_for_selector(f"#live-feed li[data-payment-id='{attempt_id}']", timeout=5_000)
    assert owner_page.text_content("[data-figure=payments]").strip() == "1"
    screenshot(owner_page, "merchants-dashboard")
    terminal.refresh_from_db()
    assert terminal.last_seen_at is not None
