"""Issue 14 regressions on the customer side."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from customers import errors, services
from customers.models import Customer, PaymentCode
from facepay.errors import FacePayError
from facepay.models import User
from payments import selectors as payment_selectors
from payments import services as payment_services
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import TEST_PASSWORD

SIGNUP = {
    "phone": "+8613700002222",
    "display_name": "Li Wei",
    "date_of_birth": "1988-02-02",
    "password": "wuma-street-tea-2026",
}


@pytest.mark.django_db
def test_signup_api_refuses_a_cross_site_form_post_without_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("customers_api:signup"), SIGNUP, headers={"Origin": "https://evil.example"}
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert "sessionid" not in response.cookies
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_api_refuses_a_foreign_origin_even_with_a_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("customers:signup"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("customers_api:signup"),
        SIGNUP,
        headers={"Origin": "https://evil.example", "X-CSRFToken": token},
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_api_accepts_a_same_origin_post_with_its_csrf_token(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("customers:signup"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("customers_api:signup"),
        SIGNUP,
        content_type="application/json",
        headers={"Origin": "http://testserver", "X-CSRFToken": token},
    )

    assert response.status_code == 202
    assert User.objects.filter(phone="+8613700002222").exists()


def _pin_answers(phone: str, tries: int = 6) -> list[tuple[str, int, str, dict[str, object]]]:
    answers = []
    for _ in range(tries):
        with pytest.raises(FacePayError) as caught:
            services.payment_pin_verify(phone=phone, pin="482916")
        error = caught.value
        answers.append((error.code, error.http_status, error.message, error.extra))
    return answers


@pytest.mark.django_db
def test_payment_pin_verify_answers_alike_for_a_wrong_pin_no_pin_and_an_unknown_phone() -> None:
    cache.clear()
    with_pin = CustomerFactory(user__phone="+8613911114444")
    services.payment_pin_set(customer=with_pin, pin="482915")
    CustomerFactory(user__phone="+8613911115555")

    wrong_pin = _pin_answers("+8613911114444")
    no_pin = _pin_answers("+8613911115555")
    unknown = _pin_answers("+8613911116666")

    assert wrong_pin == no_pin == unknown
    assert [code for code, *_ in wrong_pin] == ["pin_invalid"] * 4 + ["pin_locked"] * 2
    assert wrong_pin[0][3] == {"attempts_left": 4}
    cache.clear()


def _wrong_codes(right: str, count: int) -> list[str]:
    codes = [f"{(int(right) + step) % 1_000_000:06d}" for step in range(1, count + 1)]
    assert right not in codes
    return codes


@pytest.mark.django_db
def test_payment_code_redeem_limits_guessing_per_merchant_across_its_terminals() -> None:
    cache.clear()
    customer = CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    wrong = iter(_wrong_codes(issued.code, services.PAYMENT_CODE_MAX_FAILURES_PER_MERCHANT))
    terminal_ids = [101, 102, 103, 104]
    for index in range(services.PAYMENT_CODE_MAX_FAILURES_PER_MERCHANT):
        with pytest.raises(errors.PaymentCodeInvalid):
            services.payment_code_redeem(
                code=next(wrong), terminal_id=terminal_ids[index % 4], merchant_id=7
            )

    with pytest.raises(errors.PaymentCodeRateLimited):
        services.payment_code_redeem(code=issued.code, terminal_id=105, merchant_id=7)

    assert PaymentCode.objects.get().used_at is None
    assert (
        services.payment_code_redeem(code=issued.code, terminal_id=201, merchant_id=8)
        == customer.pk
    )
    cache.clear()


@pytest.mark.django_db
def test_a_live_payment_code_is_void_once_the_platform_has_seen_its_guess_budget(settings) -> None:
    cache.clear()
    settings.FACEPAY_PAYMENT_CODE_GUESSES_PER_CODE = 40
    customer = CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    for index, code in enumerate(_wrong_codes(issued.code, 41)):
        with pytest.raises(errors.PaymentCodeInvalid):
            services.payment_code_redeem(
                code=code, terminal_id=1000 + index, merchant_id=2000 + index
            )

    with pytest.raises(errors.PaymentCodeInvalid):
        services.payment_code_redeem(code=issued.code, terminal_id=1, merchant_id=1)

    assert PaymentCode.objects.get().used_at is not None  # used up, never paid with
    fresh = services.payment_code_issue(customer=customer)
    assert (
        services.payment_code_redeem(code=fresh.code, terminal_id=1, merchant_id=1) == customer.pk
    )
    cache.clear()


def _funded_session(amount_minor: int = 10_000) -> tuple[Customer, APIClient]:
    customer = CustomerFactory()
    payment_services.wallet_top_up(
        customer_id=customer.pk,
        amount_minor=amount_minor,
        currency="CNY",
        card_brand="visa",
        card_last4="1111",
        idempotency_key=uuid.uuid4().hex,
    )
    client = APIClient()
    client.force_login(customer.user)
    return customer, client


def _balance(customer: Customer) -> int:
    return payment_selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY")


WITHDRAWAL = {"amount_minor": 10_000, "card_brand": "visa", "card_number": "4000 0000 0000 0002"}


@pytest.mark.django_db
def test_withdraw_api_needs_a_fresh_reauthentication_beside_the_session() -> None:
    cache.clear()
    customer, client = _funded_session()

    refused = client.post(reverse("customers_api:wallet_withdraw"), WITHDRAWAL, format="json")

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "reauthentication_required"
    assert _balance(customer) == 10_000
    wrong = client.post(reverse("api_reauthenticate"), {"password": "guess"}, format="json")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["code"] == "reauthentication_failed"
    assert (
        client.post(reverse("customers_api:wallet_withdraw"), WITHDRAWAL, format="json").status_code
        == 403
    )
    right = client.post(reverse("api_reauthenticate"), {"password": TEST_PASSWORD}, format="json")
    assert right.status_code == 200
    done = client.post(reverse("customers_api:wallet_withdraw"), WITHDRAWAL, format="json")
    assert done.status_code == 201
    assert _balance(customer) == 0
    cache.clear()


@pytest.mark.django_db
def test_a_reauthentication_goes_stale_after_the_configured_minutes(settings) -> None:
    cache.clear()
    customer, client = _funded_session()
    client.post(reverse("api_reauthenticate"), {"password": TEST_PASSWORD}, format="json")
    session = client.session
    session["facepay_reauthenticated_at"] -= settings.FACEPAY_REAUTHENTICATION_SECONDS + 1
    session.save()

    refused = client.post(reverse("customers_api:wallet_withdraw"), WITHDRAWAL, format="json")

    assert refused.json()["error"]["code"] == "reauthentication_required"
    assert _balance(customer) == 10_000
    cache.clear()


@pytest.mark.django_db
def test_reauthentication_by_a_texted_one_time_code(
    tmp_path,  # type: ignore[no-untyped-def]
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    cache.clear()
    settings.DATA_DIR = tmp_path
    customer, client = _funded_session()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("api_reauthenticate_code"))
    assert sent.status_code == 202
    message = json.loads((tmp_path / "sms-outbox.jsonl").read_text().splitlines()[-1])
    code = re.search(r"\b(\d{6})\b", message["message"]).group(1)

    assert (
        client.post(reverse("api_reauthenticate"), {"code": code}, format="json").status_code == 200
    )
    done = client.post(reverse("customers_api:wallet_withdraw"), WITHDRAWAL, format="json")

    assert done.status_code == 201
    assert _balance(customer) == 0
    cache.clear()


@pytest.mark.django_db
def test_wallet_page_withdrawal_asks_for_the_password() -> None:
    cache.clear()
    customer, _api = _funded_session()
    page = Client()
    page.force_login(customer.user)
    withdrawal = {
        "action": "withdraw",
        "withdraw-amount": "100.00",
        "withdraw-card_brand": "unionpay",
        "withdraw-card_number": "6222 0000 0000 4321",
        "withdraw-idempotency_key": "page-reauth",
    }

    page.post(reverse("customers:wallet"), withdrawal)
    assert _balance(customer) == 10_000
    page.post(reverse("customers:wallet"), {**withdrawal, "withdraw-password": "guess"})
    assert _balance(customer) == 10_000
    page.post(reverse("customers:wallet"), {**withdrawal, "withdraw-password": TEST_PASSWORD})

    assert _balance(customer) == 0
    cache.clear()


def _signup(client: APIClient, phone: str, name: str):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("customers_api:signup"),
        {**SIGNUP, "phone": phone, "display_name": name},
        format="json",
    )


@pytest.mark.django_db
def test_signup_api_answers_a_taken_phone_like_a_new_one_and_texts_its_owner(
    tmp_path,  # type: ignore[no-untyped-def]
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        new = _signup(APIClient(), "+8613700003333", "Li Wei")
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(APIClient(), "+8613700003333", "Wang Fang")

    assert (new.status_code, taken.status_code) == (202, 202)
    assert new.json() == taken.json() == {"status": "code_sent", "phone": "+8613700003333"}
    assert ("sessionid" in new.cookies) == ("sessionid" in taken.cookies)
    assert User.objects.count() == users_before
    texts = [json.loads(line) for line in (tmp_path / "sms-outbox.jsonl").read_text().splitlines()]
    assert [text["phone"] for text in texts] == ["+8613700003333", "+8613700003333"]
    assert "already has an account" in texts[1]["message"]


@pytest.mark.django_db
def test_a_taken_phone_s_sign_up_session_cannot_verify_and_reads_like_a_wrong_code(
    tmp_path,  # type: ignore[no-untyped-def]
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.DATA_DIR = tmp_path
    CustomerFactory(user__phone="+8613700004444")
    real, fake = APIClient(), APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(real, "+8613700005555", "Li Wei")
        _signup(fake, "+8613700004444", "Wang Fang")
    verify = reverse("customers_api:phone_verify")

    wrong = real.post(verify, {"code": "000000"}, format="json")
    guessed = fake.post(verify, {"code": "000000"}, format="json")

    assert wrong.status_code == guessed.status_code == 400
    assert wrong.json() == guessed.json()
    assert wrong.json()["error"]["code"] == "otp_invalid"
    assert "_auth_user_id" not in fake.session
