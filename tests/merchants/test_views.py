"""Portal pages: onboarding through the forms, the dashboard, stores and terminals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from facepay.models import User
from merchants.models import Merchant, Store, Terminal
from tests.merchants.factories import (
    StoreFactory,
    StoreStaffFactory,
    terminal_with_secret,
    valid_credit_code,
)
from tests.merchants.test_services import PDF, licence

pytestmark = pytest.mark.django_db


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Wuma Tea House",
        "credit_code": valid_credit_code(501),
        "trade": "teahouse",
        "address": "Wuma Street 12",
        "owner_legal_name": "Wang Jianguo",
        "bank_name": "Bank of Wenzhou",
        "bank_account_holder": "Wang Jianguo",
        "bank_account_number": "6222021234567890",
        "licence_file": licence(),
    }
    data.update(overrides)
    return data


def test_signup_creates_an_owner_and_leads_to_the_application() -> None:
    client = Client()
    response = client.post(
        reverse("merchants:signup"),
        {
            "username": "newowner",
            "email": "new@example.test",
            "display_name": "New Owner",
            "phone": "",
            "password1": "a-long-Street-pass-2026",
            "password2": "a-long-Street-pass-2026",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("merchants:application")
    user = User.objects.get(username="newowner")
    assert user.role == User.Role.MERCHANT_OWNER
    assert client.get(reverse("merchants:application")).status_code == 200


def test_application_page_saves_and_submits(client_for) -> None:
    client = client_for(User.Role.MERCHANT_OWNER)
    response = client.post(reverse("merchants:application"), form_data())
    assert response.status_code == 302
    merchant = Merchant.objects.get()
    assert merchant.bank_account_last4 == "7890"
    page = client.get(reverse("merchants:application"))
    assert "**** **** 7890" in page.content.decode()
    assert "6222021234567890" not in page.content.decode()
    client.post(reverse("merchants:application_submit"))
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUBMITTED


def test_application_page_refuses_bad_code_and_bad_file_and_writes_nothing(client_for) -> None:
    client = client_for(User.Role.MERCHANT_OWNER)
    code = valid_credit_code(501)
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(reverse("merchants:application"), form_data(credit_code=bad))
    assert response.status_code == 400
    assert "check character" in response.content.decode()
    response = client.post(
        reverse("merchants:application"),
        form_data(licence_file=licence(b"MZ\x90\x00" + PDF, "x.pdf")),
    )
    assert response.status_code == 400
    assert Merchant.objects.count() == 0


def test_review_queue_moves_an_application_to_approved(client_for, make_user) -> None:
    owner_client = client_for(User.Role.MERCHANT_OWNER)
    owner_client.post(reverse("merchants:application"), form_data())
    owner_client.post(reverse("merchants:application_submit"))
    merchant = Merchant.objects.get()
    operator = client_for(User.Role.OPERATOR)
    assert merchant.name in operator.get(reverse("merchants:review_queue")).content.decode()
    url = reverse("merchants:review_decide", args=[merchant.pk])
    operator.post(url, {"decision": "start_review"})
    response = operator.post(url, {"decision": "reject", "reason": ""}, follow=True)
    assert "reason" in response.content.decode().lower()
    operator.post(url, {"decision": "approve"})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED
    assert operator.get(reverse("merchants:licence", args=[merchant.pk])).status_code == 200


def test_stores_page_registers_a_terminal_and_shows_the_secret_once() -> None:
    store = StoreFactory()
    client = Client()
    client.force_login(store.merchant.owner)
    response = client.post(
        reverse("merchants:terminal_register", args=[store.pk]), {"name": "Counter 2"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    terminal = Terminal.objects.get(store=store)
    secret = response.context["credentials"].secret
    assert secret in response.content.decode()
    listing = client.get(reverse("merchants:stores")).content.decode()
    assert terminal.key_id in listing
    assert secret not in listing
    rotated = client.post(reverse("merchants:terminal_rotate", args=[terminal.pk]))
    assert rotated.context["credentials"].secret != secret
    client.post(reverse("merchants:terminal_revoke", args=[terminal.pk]))
    assert Terminal.objects.get(pk=terminal.pk).status == Terminal.Status.REVOKED


def test_store_create_and_invite_from_the_stores_page() -> None:
    store = StoreFactory()
    client = Client()
    client.force_login(store.merchant.owner)
    client.post(reverse("merchants:store_create"), {"name": "Second", "address": "Park Rd"})
    assert Store.objects.filter(merchant=store.merchant).count() == 2
    client.post(
        reverse("merchants:staff_invite", args=[store.pk]),
        {"email": "cashier@example.test", "display_name": "Cashier"},
    )
    assert store.staff.get().user.email == "cashier@example.test"


def test_dashboard_renders_for_owner_and_cashier() -> None:
    assignment = StoreStaffFactory()
    owner = Client()
    owner.force_login(assignment.store.merchant.owner)
    page = owner.get(reverse("merchants:home"), {"days": 7})
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    cashier = Client()
    cashier.force_login(assignment.user)
    assert cashier.get(reverse("merchants:home")).status_code == 200
    other = StoreFactory(merchant=assignment.store.merchant)
    assert cashier.get(reverse("merchants:home"), {"store": other.pk}).status_code == 403
    csv = owner.get(reverse("merchants:payments_csv"))
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).startswith(b"payment_id,captured_at")


def test_dashboard_offers_a_reload_only_when_its_period_includes_today() -> None:
    owner = Client()
    owner.force_login(StoreStaffFactory().store.merchant.owner)
    assert 'id="period-stale"' in owner.get(reverse("merchants:home")).content.decode()
    past = {"start": "2026-01-01", "end": "2026-01-31"}
    assert 'id="period-stale"' not in owner.get(reverse("merchants:home"), past).content.decode()


def test_admin_actions_review_and_approve_through_the_services(client_for) -> None:
    owner_client = client_for(User.Role.MERCHANT_OWNER)
    owner_client.post(reverse("merchants:application"), form_data())
    owner_client.post(reverse("merchants:application_submit"))
    merchant = Merchant.objects.get()
    admin = User.objects.create_superuser("admin", "admin@example.test", "x", role="operator")
    client = Client()
    client.force_login(admin)
    url = reverse("admin:merchants_merchant_changelist")
    assert client.get(url).status_code == 200
    assert (
        client.get(reverse("admin:merchants_merchant_change", args=[merchant.pk])).status_code
        == 200
    )
    for action in ("start_review", "approve"):
        client.post(url, {"action": action, "_selected_action": [merchant.pk]})
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED
    assert list(merchant.status_changes.values_list("to_status", flat=True)) == [
        "submitted",
        "under_review",
        "approved",
    ]


def test_owner_reaching_another_merchants_terminal_and_store_changes_nothing() -> None:
    credentials = terminal_with_secret()
    terminal = credentials.terminal
    before = Terminal.objects.get(pk=terminal.pk)
    intruder = Client()
    intruder.force_login(StoreFactory().merchant.owner)
    assert (
        intruder.post(reverse("merchants:terminal_rotate", args=[terminal.pk])).status_code == 403
    )
    assert (
        intruder.post(reverse("merchants:terminal_revoke", args=[terminal.pk])).status_code == 403
    )
    assert (
        intruder.post(
            reverse("merchants:terminal_register", args=[terminal.store_id]), {"name": "Mine"}
        ).status_code
        == 403
    )
    assert (
        intruder.post(
            reverse("merchants:staff_invite", args=[terminal.store_id]),
            {"email": "spy@example.test", "display_name": "Spy"},
        ).status_code
        == 403
    )
    after = Terminal.objects.get(pk=terminal.pk)
    assert (after.secret_sealed, after.status) == (before.secret_sealed, before.status)
    assert Terminal.objects.filter(store=terminal.store).count() == 1
    assert not terminal.store.staff.exists()
    response = intruder.get(
        reverse("merchants_api:settlements"), {"merchant": terminal.store.merchant_id}
    )
    assert response.json()["error"]["code"] == "merchant_forbidden"
