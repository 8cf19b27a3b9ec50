"""The customer API and pages: flows, refusals with their codes, and one customer never sees
another's data."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from customers import errors as customer_errors
from customers import services
from customers.models import (
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
    PhoneVerification,
)
from facepay.models import User
from payments import selectors as payment_selectors
from payments import services as payment_services
from tests.customers.enrol_bursts import body, draw, enrol_live_clip, times_after
from tests.customers.factories import CustomerFactory
from tests.facepay.factories import TEST_PASSWORD
from tests.merchants.factories import TerminalFactory
from tests.payments.bursts import ENROL_CLIP, clip_frames

PURPOSES = [ConsentDocument.Purpose.FACE_PAYMENT, ConsentDocument.Purpose.TEMPLATE_STORAGE]


def api_for(customer: Customer) -> APIClient:
    client = APIClient()
    client.force_login(customer.user)
    return client


def page_for(customer: Customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


def consented(customer: Customer) -> Customer:
    for purpose in PURPOSES:
        services.consent_give(customer=customer, purpose=purpose, ip_address="10.1.1.1")
    return customer


def top_up(customer: Customer, amount_minor: int, key: str) -> None:
    payment_services.wallet_top_up(
        customer_id=customer.pk,
        amount_minor=amount_minor,
        currency="CNY",
        card_brand="unionpay",
        card_last4="4321",
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_signup_api_creates_signs_in_and_refuses_a_child_without_guardian(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    client = APIClient()
    child = {
        "phone": "+8613700001111",
        "display_name": "小明",
        "date_of_birth": date(timezone.localdate().year - 9, 3, 3).isoformat(),
        "password": "wuma-street-tea-2026",
    }
    response = client.post(reverse("customers_api:signup"), child, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "guardian_consent_required"
    assert User.objects.count() == 0
    adult = {**child, "date_of_birth": "1988-02-02", "display_name": "Li Wei"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers_api:signup"), adult, format="json")
    assert response.status_code == 202
    assert response.json() == {"status": "code_sent", "phone": "+8613700001111"}
    assert client.get(reverse("customers_api:profile")).status_code == 401  # not signed in yet
    message = json.loads((tmp_path / "sms-outbox.jsonl").read_text().splitlines()[-1])["message"]
    code = re.search(r"\b(\d{6})\b", message).group(1)
    response = client.post(reverse("customers_api:phone_verify"), {"code": code}, format="json")
    assert response.status_code == 200
    assert response.json()["phone"] == "+8613700001111"
    assert response.json()["is_phone_verified"] is True
    assert client.get(reverse("customers_api:profile")).json()["display_name"] == "Li Wei"


@pytest.mark.django_db
def test_phone_verify_api_wrong_code_is_refused_and_verifies_nothing():
    customer = CustomerFactory(phone_verified_at=None)
    services.phone_verification_send(user=customer.user)
    code_hash = PhoneVerification.objects.get().code_hash
    response = api_for(customer).post(
        reverse("customers_api:phone_verify"), {"code": "99999x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp_invalid"
    customer.refresh_from_db()
    assert customer.phone_verified_at is None
    assert PhoneVerification.objects.get().code_hash == code_hash


@pytest.mark.django_db
def test_consent_api_give_withdraw_and_record():
    customer = CustomerFactory()
    client = api_for(customer)
    documents = client.get(reverse("customers_api:consents")).json()["documents"]
    assert {d["purpose"] for d in documents} == set(PURPOSES)
    for document in documents:
        response = client.post(
            reverse("customers_api:consent_give"),
            {"purpose": document["purpose"], "document_sha256": document["sha256"]},
            format="json",
            HTTP_USER_AGENT="pytest-agent",
        )
        assert response.status_code == 201
    response = client.post(
        reverse("customers_api:consent_withdraw"), {"purpose": "face_payment"}, format="json"
    )
    assert response.json()["action"] == "withdrawn"
    record = client.get(reverse("customers_api:consent_record")).json()
    assert record["is_intact"] is True
    assert [entry["action"] for entry in record["entries"]] == ["given", "given", "withdrawn"]
    assert record["entries"][0]["user_agent"] == "pytest-agent"


@pytest.mark.django_db
def test_face_enrol_api_refuses_without_consent_and_a_non_image(photos):
    customer = CustomerFactory()
    client = api_for(customer)
    response = client.post(reverse("customers_api:face_enrol_challenge"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "consent_missing"
    consented(customer)
    drawn = draw(client)
    frames = [b"not an image at all", *clip_frames(*ENROL_CLIP)[1:]]
    response = client.post(
        reverse("customers_api:face_enrol"), body(drawn, frames, times_after(drawn)), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "image_unreadable"
    assert response.json()["error"]["extra"]["frame"] == 1
    assert FaceTemplate.objects.count() == 0


def _upload(data: bytes, name: str = "face.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.mark.django_db
def test_face_enrol_api_and_delete_with_receipt(photos):
    customer = consented(CustomerFactory())
    client = api_for(customer)
    response = enrol_live_clip(client)
    assert response.status_code == 200, response.content
    assert response.json()["is_enrolled"] is True
    assert 1 <= response.json()["frame_count"] <= 5  # the burst's sampled frontal frames
    assert client.get(reverse("customers_api:face")).json()["is_enrolled"] is True
    receipt = client.delete(reverse("customers_api:face")).json()
    assert receipt["reason"] == "customer_request"
    assert len(receipt["receipt_hash"]) == 64
    assert client.get(reverse("customers_api:face")).json()["is_enrolled"] is False
    response = client.delete(reverse("customers_api:face"))
    assert response.json()["error"]["code"] == "not_enrolled"


@pytest.mark.django_db
def test_wallet_api_top_up_balance_and_statement():
    customer = CustomerFactory()
    client = api_for(customer)
    response = client.post(
        reverse("customers_api:wallet_top_up"),
        {"amount_minor": 12_345, "card_brand": "visa", "card_number": "4111 1111 1111 1111"},
        format="json",
    )
    assert response.status_code == 201, response.content
    wallet = client.get(reverse("customers_api:wallet")).json()
    assert wallet["balance_minor"] == 12_345
    assert wallet["statement"][0]["kind"] == "top_up"
    assert wallet["statement"][0]["memo"] == "visa ···· 1111"
    assert "4111 1111" not in json.dumps(wallet)
    withdrawal = {"card_brand": "visa", "card_number": "4111 1111 1111 1111"}
    client.post(reverse("api_reauthenticate"), {"password": TEST_PASSWORD}, format="json")
    response = client.post(
        reverse("customers_api:wallet_withdraw"),
        {**withdrawal, "amount_minor": 12_346},
        format="json",
    )
    assert response.json()["error"]["code"] == "insufficient_balance"
    response = client.post(
        reverse("customers_api:wallet_withdraw"),
        {**withdrawal, "amount_minor": 12_345},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["balance_minor"] == 0
    assert client.get(reverse("customers_api:wallet")).json()["statement"][0]["kind"] == (
        "withdrawal"
    )


@pytest.mark.django_db
def test_controls_api_limits_face_pay_pin_and_payment_code():
    customer = CustomerFactory(user__phone="+8613766667777")
    client = api_for(customer)
    response = client.put(
        reverse("customers_api:limits"),
        {"per_payment_limit_minor": 100, "daily_limit_minor": 50, "step_up_above_minor": 0},
        format="json",
    )
    assert response.json()["error"]["code"] == "limit_invalid"
    response = client.put(
        reverse("customers_api:limits"),
        {"per_payment_limit_minor": 10_000, "daily_limit_minor": 50_000, "step_up_above_minor": 0},
        format="json",
    )
    assert response.json()["per_payment_limit_minor"] == 10_000
    assert response.json()["confirm_free_up_to_minor"] == 0  # left out: always tap
    limits = {"per_payment_limit_minor": 10_000, "daily_limit_minor": 50_000}
    response = client.put(
        reverse("customers_api:limits"),
        {**limits, "step_up_above_minor": 2_000, "confirm_free_up_to_minor": 2_001},
        format="json",
    )
    assert response.json()["error"]["code"] == "limit_invalid"
    response = client.put(
        reverse("customers_api:limits"),
        {**limits, "step_up_above_minor": 2_000, "confirm_free_up_to_minor": 1_500},
        format="json",
    )
    assert response.json()["confirm_free_up_to_minor"] == 1_500
    response = client.post(reverse("customers_api:face_pay"), {"is_enabled": False}, format="json")
    assert response.json()["is_face_pay_enabled"] is False
    assert client.post(reverse("customers_api:pin"), {"pin": "739201"}, format="json").status_code
    assert services.payment_pin_verify(phone="+8613766667777", pin="739201") == customer.pk
    code = client.post(reverse("customers_api:payment_code")).json()
    assert len(code["code"]) == 6
    assert code["qr_svg"].startswith("<svg")
    assert services.payment_code_redeem(code=code["code"]) == customer.pk


@pytest.mark.django_db
def test_export_api_json_and_csv_never_contain_the_template(photos):
    customer = consented(CustomerFactory(user__phone="+8613788889999"))
    services.face_enrol(customer=customer, images=photos.person_a[:1])
    top_up(customer, 5_000, "export-1")
    services.face_use_record(
        customer_id=customer.pk,
        terminal_id=5,
        store_id=6,
        attempt_id=7,
        outcome="match",
        similarity=0.8,
        step_up_used=False,
    )
    client = api_for(customer)
    exported = client.get(reverse("customers_api:export")).json()
    assert exported["profile"]["phone"] == "+8613788889999"
    assert exported["biometric_enrolment"]["is_enrolled"] is True
    assert exported["wallet"]["balance_minor"] == 5_000
    assert exported["biometric_access_log"][0]["attempt_id"] == 7
    assert len(exported["consents"]["entries"]) == 2
    sealed = bytes(FaceTemplate.objects.get().sealed_embedding)
    text = json.dumps(exported)
    assert "sealed" not in text
    assert sealed.hex()[:32] not in text
    response = client.get(reverse("customers_api:export") + "?file=csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines()[0] == "section,item,field,value"
    assert "+8613788889999" in body
    assert sealed.hex()[:32] not in body


@pytest.mark.django_db
def test_close_api_needs_confirmation_and_an_empty_wallet():
    customer = CustomerFactory()
    client = api_for(customer)
    response = client.post(reverse("customers_api:close"), {"confirm": False}, format="json")
    assert response.json()["error"]["code"] == "account_close_not_confirmed"
    top_up(customer, 100, "close-1")
    response = client.post(reverse("customers_api:close"), {"confirm": True}, format="json")
    assert response.json()["error"]["code"] == "wallet_not_empty"
    customer.refresh_from_db()
    assert customer.closed_at is None


# --- #5: a customer never sees another customer's data ---------------------------------------
CUSTOMER_GET_APIS = [
    "customers_api:profile",
    "customers_api:consents",
    "customers_api:consent_record",
    "customers_api:face",
    "customers_api:face_uses",
    "customers_api:face_deletions",
    "customers_api:wallet",
    "customers_api:export",
]
CUSTOMER_PAGES = [
    "customers:home",
    "customers:consent",
    "customers:consent_record",
    "customers:enrol",
    "customers:wallet",
    "customers:controls",
    "customers:privacy",
]


@pytest.mark.django_db
def test_a_customer_never_sees_another_customers_data(photos):
    alice = consented(CustomerFactory(user__phone="+8613811110001", user__display_name="Alice Q"))
    bob = consented(CustomerFactory(user__phone="+8613822220002", user__display_name="Bob R"))
    services.face_enrol(customer=alice, images=photos.person_a[:1])
    top_up(alice, 77_731, "alice-1")
    top_up(bob, 1_200, "bob-1")
    services.face_use_record(
        customer_id=alice.pk,
        terminal_id=41,
        store_id=42,
        attempt_id=43,
        outcome="match",
        similarity=0.9,
        step_up_used=True,
    )
    alice_marks = ["+8613811110001", "Alice Q", "77731", "777.31", "77,731", "alice-1"]
    alice_record = ConsentRecord.objects.filter(customer=alice).first().record_hash
    alice_marks.append(alice_record)
    bob_api, bob_pages = api_for(bob), page_for(bob)
    for name in CUSTOMER_GET_APIS:
        response = bob_api.get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not [mark for mark in alice_marks if mark in body], name
    for name in CUSTOMER_PAGES:
        response = bob_pages.get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert not [mark for mark in alice_marks if mark in body], name
    assert bob_api.get(reverse("customers_api:face")).json()["is_enrolled"] is False
    assert bob_api.get(reverse("customers_api:face_uses")).json() == []
    # Bob's deletion or withdrawal touches only Bob.
    bob_api.post(reverse("customers_api:consent_withdraw"), {"purpose": "face_payment"})
    assert FaceTemplate.objects.filter(customer=alice).exists()
    assert payment_selectors.wallet_balance_minor(customer_id=alice.pk, currency="CNY") == 77_731


@pytest.mark.django_db
def test_a_customer_cannot_open_another_customers_receipt():
    alice = CustomerFactory()
    bob = CustomerFactory()
    top_up(alice, 500, "alice-r")
    alice_lines = payment_selectors.wallet_statement(customer_id=alice.pk)
    assert alice_lines  # a top-up has no payment id; any uuid of Alice's is refused for Bob
    response = page_for(bob).get(
        reverse("customers:receipt", args=["00000000-0000-0000-0000-000000000001"])
    )
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["merchant_owner", "store_staff", "finance_reviewer"])
def test_other_roles_are_refused_by_the_customer_api(role, make_user):
    CustomerFactory()
    client = APIClient()
    client.force_login(make_user(role))
    for name in CUSTOMER_GET_APIS:
        assert client.get(reverse(name)).status_code == 403, name


# --- pages ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signup_page_then_verify_then_consent_pages(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("customers:signup"),
            {
                "phone": "+8613655554444",
                "display_name": "陈静",
                "date_of_birth": "1995-07-07",
                "password": "wuma-street-tea-2026",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:verify_phone")
    outbox = (tmp_path / "sms-outbox.jsonl").read_text().splitlines()
    code = "".join(ch for ch in json.loads(outbox[-1])["message"].split(":")[1] if ch.isdigit())[:6]
    response = client.post(reverse("customers:verify_phone"), {"action": "verify", "code": code})
    assert response.status_code == 302
    for purpose in PURPOSES:
        client.post(reverse("customers:consent"), {"purpose": purpose, "action": "give"})
    customer = Customer.objects.get(user__phone="+8613655554444")
    assert customer.is_phone_verified
    page = client.get(reverse("customers:consent")).content.decode()
    assert "hash chain intact" in page
    client.post(reverse("customers:consent"), {"purpose": PURPOSES[0], "action": "withdraw"})
    assert ConsentRecord.objects.filter(customer=customer, action="withdrawn").count() == 1


@pytest.mark.django_db
def test_enrol_page_refuses_upload_camera_enrols_and_privacy_page_deletes(photos):
    customer = consented(CustomerFactory())
    client = page_for(customer)
    page = client.get(reverse("customers:enrol")).content.decode()
    assert 'id="upload-form"' not in page
    assert reverse("customers_api:face_enrol_challenge") in page
    assert 'data-burst-frames="12" data-burst-ms="1467"' in page  # the counter's recording
    response = client.post(
        reverse("customers:enrol"),
        {"images": [_upload(photos.person_a[0]), _upload(photos.person_a[1])]},
    )
    assert response.status_code == 302
    assert not FaceTemplate.objects.filter(customer=customer).exists()
    api = APIClient()
    api.force_login(customer.user)
    assert enrol_live_clip(api).status_code == 200
    page = client.get(reverse("customers:enrol")).content.decode()
    assert 'data-state="enrolled"' in page
    response = client.post(reverse("customers:privacy"), {"action": "delete_biometrics"})
    assert 'id="deletion-receipt"' in response.content.decode()
    assert not FaceTemplate.objects.filter(customer=customer).exists()


@pytest.mark.django_db
def test_wallet_page_withdraws_everything_and_then_the_account_can_close():
    customer = CustomerFactory()
    top_up(customer, 8_800, "withdraw-page")
    with pytest.raises(customer_errors.WalletNotEmpty):
        services.customer_account_close(customer=customer)
    page = page_for(customer)
    shown = page.get(reverse("customers:wallet")).content.decode()
    assert 'id="withdraw-form"' in shown
    assert 'value="88.00"' in shown  # the whole balance is offered
    keys = re.findall(r'name="(?:withdraw-)?idempotency_key" value="([0-9a-f]{32})"', shown)
    assert len(set(keys)) == 2  # each form carries its own fresh key
    withdrawal = {
        "action": "withdraw",
        "withdraw-amount": "88.01",
        "withdraw-card_brand": "unionpay",
        "withdraw-card_number": "6222 0000 0000 4321",
        "withdraw-idempotency_key": "page-w1",
        "withdraw-password": TEST_PASSWORD,
    }
    page.post(reverse("customers:wallet"), withdrawal)
    assert payment_selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 8_800
    page.post(reverse("customers:wallet"), {**withdrawal, "withdraw-amount": "88.00"})
    assert payment_selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 0
    assert "There is nothing to withdraw." in page.get(reverse("customers:wallet")).content.decode()
    services.customer_account_close(customer=customer)
    customer.refresh_from_db()
    assert customer.is_closed


@pytest.mark.django_db
def test_controls_page_saves_the_confirm_free_amount_and_refuses_one_above_step_up():
    customer = CustomerFactory()
    page = page_for(customer)
    limits = {"action": "limits", "per_payment_limit": "500", "daily_limit": "2000"}
    response = page.post(
        reverse("customers:controls"),
        {**limits, "step_up_above": "200", "confirm_free_up_to": "200.01"},
        follow=True,
    )
    assert "cannot exceed the step-up amount" in response.content.decode()
    customer.refresh_from_db()
    assert customer.confirm_free_up_to_minor == 0
    page.post(
        reverse("customers:controls"),
        {**limits, "step_up_above": "200", "confirm_free_up_to": "30"},
    )
    customer.refresh_from_db()
    assert customer.confirm_free_up_to_minor == 3_000


@pytest.mark.django_db
def test_controls_page_shows_a_payment_code_with_qr():
    customer = CustomerFactory()
    response = page_for(customer).post(reverse("customers:controls"), {"action": "code"})
    body = response.content.decode()
    assert 'id="payment-code"' in body
    assert "<svg" in body


@pytest.mark.django_db
def test_wallet_page_top_up():
    customer = CustomerFactory()
    client = page_for(customer)
    response = client.post(
        reverse("customers:wallet"),
        {
            "amount": "88.50",
            "card_brand": "unionpay",
            "card_number": "6222 0000 0000 1234",
            "idempotency_key": "page-1",
        },
    )
    assert response.status_code == 302
    assert payment_selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 8_850
    assert "1234" in client.get(reverse("customers:wallet")).content.decode()


@pytest.mark.django_db
def test_wallet_statement_is_paged_newest_first():
    """A regular's statement ran to thousands of rows on one page (the demo's wallet page was
    197,620 px tall)."""
    customer = CustomerFactory()
    for n in range(51):
        top_up(customer, 100 + n, f"paged-{n}")
    client = page_for(customer)
    first = client.get(reverse("customers:wallet")).content.decode()
    second = client.get(reverse("customers:wallet"), {"page": 2}).content.decode()

    assert first.count('class="kind-top_up"') == 50
    assert "¥1.50" in first  # the newest top-up
    assert "Page 1 of 2" in first or "第 1 页，共 2 页" in first
    assert second.count('class="kind-top_up"') == 1
    assert "¥1.00" in second  # the oldest


@pytest.mark.django_db
def test_receipt_shows_refunds_against_their_payment_and_only_to_its_payer():
    alice = CustomerFactory()
    bob = CustomerFactory()
    top_up(alice, 10_000, "alice-receipt")
    terminal = TerminalFactory()
    issued = services.payment_code_issue(customer=alice)
    attempt = payment_services.payment_attempt_create_with_code(
        terminal=terminal,
        amount_minor=3_800,
        currency="CNY",
        idempotency_key="receipt-1",
        payment_code=issued.code,
    )
    payment_services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    payment_services.refund_create(
        attempt_id=attempt.public_id, amount_minor=1_000, idempotency_key="r1", terminal=terminal
    )
    url = reverse("customers:receipt", args=[attempt.public_id])
    receipt = page_for(alice).get(url)
    assert receipt.status_code == 200
    body = receipt.content.decode()
    assert "¥38.00" in body
    assert "¥10.00" in body
    wallet = page_for(alice).get(reverse("customers:wallet")).content.decode()
    assert "¥10.00 refunded" in wallet or "¥10.00" in wallet
    assert page_for(bob).get(url).status_code == 404
    assert (
        str(attempt.public_id)
        not in api_for(bob).get(reverse("customers_api:wallet")).content.decode()
    )
