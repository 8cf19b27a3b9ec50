"""Onboarding, review, stores and staff: every rule and every refusal (with nothing changed)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from facepay import crypto
from facepay.models import AuditEvent, User
from merchants import services
from merchants.errors import (
    ApplicationIncomplete,
    CreditCodeInvalid,
    CreditCodeTaken,
    LicenceFileInvalid,
    LicenceFileTooLarge,
    MerchantForbidden,
    MerchantNotApproved,
    ReasonRequired,
    StaffEmailTaken,
    StatusTransitionInvalid,
    StoreForbidden,
)
from merchants.models import Merchant, MerchantStatusChange, Store, StoreStaff, Terminal
from tests.merchants.factories import MerchantFactory, StoreFactory, valid_credit_code

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def licence(content: bytes = PDF, name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def application_fields(**overrides: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "name": "Wuma Tea House",
        "credit_code": valid_credit_code(77),
        "trade": Merchant.Trade.TEAHOUSE,
        "address": "Wuma Street 12",
        "owner_legal_name": "Wang Jianguo",
        "bank_name": "Bank of Wenzhou",
        "bank_account_holder": "Wang Jianguo",
        "bank_account_number": "6222 0212 3456 7890",
        "licence_file": licence(),
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def owner(make_user) -> User:
    return make_user(User.Role.MERCHANT_OWNER, email="owner@example.test")


@pytest.fixture
def operator(make_user) -> User:
    return make_user(User.Role.OPERATOR, email="ops@example.test")


def test_merchant_application_save_seals_the_bank_account_and_keeps_the_licence(owner) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    assert merchant.status == Merchant.Status.DRAFT
    assert merchant.bank_account_last4 == "7890"
    assert merchant.bank_account_masked == "**** **** 7890"
    assert "6222" not in merchant.bank_account_sealed
    assert services.merchant_bank_account_number(merchant) == "6222021234567890"
    assert merchant.licence_content_type == "application/pdf"
    assert merchant.licence_file.read() == PDF
    assert (
        AuditEvent.objects.filter(
            action="merchant.application_created", target_id=str(merchant.pk)
        ).count()
        == 1
    )


def test_merchant_application_save_refuses_a_bad_check_character(owner) -> None:
    code = valid_credit_code(77)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(CreditCodeInvalid) as error:
        services.merchant_application_save(
            actor=owner, merchant=None, **application_fields(credit_code=wrong)
        )
    assert error.value.code == "credit_code_invalid"
    assert Merchant.objects.count() == 0


def test_merchant_application_save_refuses_a_duplicate_credit_code(owner) -> None:
    existing = MerchantFactory(credit_code=valid_credit_code(77))
    with pytest.raises(CreditCodeTaken) as error:
        services.merchant_application_save(actor=owner, merchant=None, **application_fields())
    assert error.value.code == "credit_code_taken"
    assert list(Merchant.objects.all()) == [existing]


def test_merchant_application_save_refuses_a_licence_that_is_not_pdf_jpeg_png(owner) -> None:
    fake = licence(b"GIF89a" + b"\x00" * 40, name="licence.pdf")
    with pytest.raises(LicenceFileInvalid) as error:
        services.merchant_application_save(
            actor=owner, merchant=None, **application_fields(licence_file=fake)
        )
    assert error.value.code == "licence_file_invalid"
    assert Merchant.objects.count() == 0


def test_merchant_application_save_refuses_a_licence_too_large(owner, settings) -> None:
    settings.FACEPAY_MAX_UPLOAD_BYTES = 1024
    big = licence(PDF + b"0" * 2048)
    with pytest.raises(LicenceFileTooLarge) as error:
        services.merchant_application_save(
            actor=owner, merchant=None, **application_fields(licence_file=big)
        )
    assert error.value.code == "licence_file_too_large"
    assert Merchant.objects.count() == 0


def test_merchant_application_save_accepts_png(owner) -> None:
    merchant = services.merchant_application_save(
        actor=owner,
        merchant=None,
        **application_fields(licence_file=licence(PNG, name="licence.png")),
    )
    assert merchant.licence_content_type == "image/png"


def test_merchant_application_save_refuses_another_owner(owner, make_user) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    intruder = make_user(User.Role.MERCHANT_OWNER)
    with pytest.raises(MerchantForbidden):
        services.merchant_application_save(
            actor=intruder, merchant=merchant, **application_fields(name="Stolen")
        )
    merchant.refresh_from_db()
    assert merchant.name == "Wuma Tea House"


def test_merchant_status_change_full_workflow_with_reasons_mail_and_audit(owner, operator) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    with pytest.raises(StatusTransitionInvalid):
        services.merchant_approve(actor=operator, merchant=merchant)
    services.merchant_application_submit(actor=owner, merchant=merchant)
    services.merchant_review_start(actor=operator, merchant=merchant)
    with pytest.raises(ReasonRequired):
        services.merchant_request_more_info(actor=operator, merchant=merchant, reason="  ")
    services.merchant_request_more_info(
        actor=operator, merchant=merchant, reason="The licence scan is blurred."
    )
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.MORE_INFO_REQUESTED
    assert merchant.status_reason == "The licence scan is blurred."
    services.merchant_application_save(
        actor=owner, merchant=merchant, **application_fields(bank_account_number="")
    )
    services.merchant_application_submit(actor=owner, merchant=merchant)
    services.merchant_review_start(actor=operator, merchant=merchant)
    services.merchant_approve(actor=operator, merchant=merchant)
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.APPROVED
    assert merchant.approved_at is not None
    assert merchant.submitted_at is not None
    assert merchant.bank_account_last4 == "7890"  # kept when the number field was empty
    moves = list(
        MerchantStatusChange.objects.filter(merchant=merchant).values_list(
            "from_status", "to_status"
        )
    )
    assert moves == [
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "more_info_requested"),
        ("more_info_requested", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
    ]
    actions = set(
        AuditEvent.objects.filter(
            target_id=str(merchant.pk), action__startswith="merchant."
        ).values_list("action", flat=True)
    )
    assert {
        "merchant.submitted",
        "merchant.under_review",
        "merchant.more_info_requested",
        "merchant.approved",
    } <= actions


def test_merchant_status_change_mails_the_owner(
    owner, operator, django_capture_on_commit_callbacks
) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_application_submit(actor=owner, merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_review_start(actor=operator, merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True):
        services.merchant_reject(actor=operator, merchant=merchant, reason="Not on the street.")
    to_owner = [m for m in mail.outbox if m.to == ["owner@example.test"]]
    assert [m.subject.split(" / ")[-1] for m in to_owner] == [
        "Your FacePay Street application was received",
        "Your FacePay Street application is under review",
        "Your FacePay Street application was rejected",
    ]
    assert "Not on the street." in to_owner[-1].body
    assert any(m.to == ["ops@example.test"] for m in mail.outbox)


def test_merchant_status_change_refuses_the_wrong_role(owner, make_user) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    with pytest.raises(MerchantForbidden):
        services.merchant_application_submit(
            actor=make_user(User.Role.MERCHANT_OWNER), merchant=merchant
        )
    services.merchant_application_submit(actor=owner, merchant=merchant)
    with pytest.raises(MerchantForbidden):
        services.merchant_review_start(actor=owner, merchant=merchant)
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUBMITTED


def test_merchant_application_submit_refuses_an_incomplete_application(owner) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields(licence_file=None)
    )
    with pytest.raises(ApplicationIncomplete) as error:
        services.merchant_application_submit(actor=owner, merchant=merchant)
    assert error.value.extra["missing"] == ["licence_file"]
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.DRAFT


def test_terminal_register_refuses_an_unapproved_merchant(owner) -> None:
    merchant = services.merchant_application_save(
        actor=owner, merchant=None, **application_fields()
    )
    store = services.store_create(actor=owner, merchant=merchant, name="Main")
    with pytest.raises(MerchantNotApproved) as error:
        services.terminal_register(actor=owner, store=store, name="Counter 1")
    assert error.value.code == "merchant_not_approved"
    assert Terminal.objects.count() == 0


def test_terminal_register_issues_a_secret_once() -> None:
    store = StoreFactory()
    credentials = services.terminal_register(
        actor=store.merchant.owner, store=store, name="Counter 1"
    )
    terminal = Terminal.objects.get()
    assert terminal.key_id == credentials.key_id
    assert crypto.unseal(
        terminal.secret_sealed, aad=f"terminal-secret:{terminal.key_id}".encode()
    ).decode() == (credentials.secret)


def test_store_create_refuses_another_merchant(make_user) -> None:
    merchant = MerchantFactory()
    with pytest.raises(MerchantForbidden):
        services.store_create(
            actor=make_user(User.Role.MERCHANT_OWNER), merchant=merchant, name="Mine now"
        )
    assert Store.objects.count() == 0


def test_staff_invite_creates_a_cashier_with_a_one_time_link(
    django_capture_on_commit_callbacks, client
) -> None:
    store = StoreFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.staff_invite(
            actor=store.merchant.owner,
            store=store,
            email="Li.Na@Example.test",
            display_name="Li Na",
            base_url="http://testserver",
        )
    cashier = assignment.user
    assert cashier.role == User.Role.STORE_STAFF
    assert cashier.email == "li.na@example.test"
    assert not cashier.has_usable_password()
    message = mail.outbox[-1]
    link = next(word for word in message.body.split() if word.startswith("http://testserver"))
    response = client.get(link.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    again = services.staff_invite(
        actor=store.merchant.owner, store=store, email="li.na@example.test", display_name="Li Na"
    )
    assert again.pk == assignment.pk


def test_staff_invite_refuses_another_merchants_store_and_a_customer_address(make_user) -> None:
    store = StoreFactory()
    with pytest.raises(StoreForbidden):
        services.staff_invite(
            actor=make_user(User.Role.MERCHANT_OWNER),
            store=store,
            email="x@example.test",
            display_name="X",
        )
    make_user(User.Role.CUSTOMER, email="customer@example.test")
    with pytest.raises(StaffEmailTaken):
        services.staff_invite(
            actor=store.merchant.owner, store=store, email="customer@example.test", display_name="Y"
        )
    assert StoreStaff.objects.count() == 0
