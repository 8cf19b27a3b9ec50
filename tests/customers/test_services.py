"""Customer services without the face engine: sign-up, phone, consent, controls, rights."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from customers import errors, exports, gallery, selectors, services, sms, tasks
from customers.models import (
    ConsentDocument,
    ConsentRecord,
    Customer,
    FaceTemplate,
    FaceUse,
    PaymentCode,
    PhoneVerification,
)
from facepay.models import AuditEvent, User
from tests.customers.factories import CustomerFactory
from tests.merchants.factories import StoreFactory
from tests.payments.factories import template_dimension

PASSWORD = "wuma-street-tea-2026"
PURPOSES = [ConsentDocument.Purpose.FACE_PAYMENT, ConsentDocument.Purpose.TEMPLATE_STORAGE]


@pytest.fixture
def outbox(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path
    return tmp_path / "sms-outbox.jsonl"


def last_code(outbox) -> str:  # type: ignore[no-untyped-def]
    message = json.loads(outbox.read_text().splitlines()[-1])["message"]
    return next(word for word in message.replace(":", " ").split() if word.isdigit())


def rows() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Customer.objects.count(),
        PhoneVerification.objects.count(),
        ConsentRecord.objects.count(),
        AuditEvent.objects.count(),
    )


def adult_birthday() -> date:
    return date(1990, 5, 17)


def child_birthday() -> date:
    today = timezone.localdate()
    return date(today.year - 10, 1, 1)


def sign_up(**overrides: object) -> Customer:
    values: dict[str, object] = {
        "phone": "138 1234 5678",
        "display_name": "李伟",
        "date_of_birth": adult_birthday(),
        "password": PASSWORD,
    }
    values.update(overrides)
    return services.customer_sign_up(**values)  # type: ignore[arg-type]


def consented(customer: Customer) -> Customer:
    for purpose in PURPOSES:
        services.consent_give(customer=customer, purpose=purpose, ip_address="10.0.0.1")
    return customer


@pytest.mark.django_db
def test_customer_sign_up_stores_e164_and_texts_a_code(outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = sign_up()
    assert customer.user.phone == "+8613812345678"
    assert customer.user.username == "+8613812345678"
    assert customer.user.role == User.Role.CUSTOMER
    assert not customer.is_phone_verified
    assert len(last_code(outbox)) == 6
    assert PhoneVerification.objects.get().code_hash != last_code(outbox)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"phone": "12345"}, errors.PhoneInvalid),
        ({"date_of_birth": child_birthday()}, errors.GuardianConsentRequired),
        (
            {"date_of_birth": child_birthday(), "guardian_name": "李强"},
            errors.GuardianConsentRequired,
        ),
        ({"date_of_birth": date(2999, 1, 1)}, errors.DateOfBirthInvalid),
        ({"password": "123"}, errors.PasswordRejected),
    ],
)
def test_customer_sign_up_refusals_store_nothing(overrides, error, outbox):
    before = rows()
    with pytest.raises(error) as caught:
        sign_up(**overrides)
    assert caught.value.code == error.code
    assert rows() == before
    assert not outbox.exists()


@pytest.mark.django_db
def test_customer_sign_up_refuses_a_taken_phone(outbox):
    sign_up()
    before = rows()
    with pytest.raises(errors.PhoneTaken):
        sign_up(phone="+8613812345678", display_name="王芳")
    assert rows() == before


@pytest.mark.django_db
def test_customer_sign_up_accepts_a_child_with_guardian_consent(outbox):
    customer = sign_up(
        date_of_birth=child_birthday(), guardian_name="李强", has_guardian_consent=True
    )
    assert customer.guardian_name == "李强"
    assert customer.guardian_consent_at is not None


@pytest.mark.django_db
def test_phone_verification_confirm_wrong_code_changes_only_the_try_counter(
    outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = sign_up()
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(errors.OtpInvalid) as caught:
        services.phone_verification_confirm(user=customer.user, code=wrong)
    assert caught.value.code == "otp_invalid"
    assert caught.value.extra["attempts_left"] == 4
    customer.refresh_from_db()
    assert customer.phone_verified_at is None
    assert PhoneVerification.objects.get().verified_at is None
    services.phone_verification_confirm(user=customer.user, code=code)
    customer.refresh_from_db()
    assert customer.is_phone_verified


@pytest.mark.django_db
def test_phone_verification_confirm_locks_after_five_wrong_codes(
    outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = sign_up()
    code = last_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(errors.OtpInvalid):
            services.phone_verification_confirm(user=customer.user, code=wrong)
    with pytest.raises(errors.OtpTooManyAttempts):
        services.phone_verification_confirm(user=customer.user, code=code)
    customer.refresh_from_db()
    assert customer.phone_verified_at is None


@pytest.mark.django_db
def test_phone_verification_confirm_refuses_an_expired_code(
    outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = sign_up()
    PhoneVerification.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(errors.OtpExpired):
        services.phone_verification_confirm(user=customer.user, code=last_code(outbox))
    customer.refresh_from_db()
    assert customer.phone_verified_at is None


@pytest.mark.django_db
def test_consent_give_refuses_an_unverified_phone():
    customer = CustomerFactory(phone_verified_at=None)
    with pytest.raises(errors.PhoneNotVerified):
        services.consent_give(customer=customer, purpose=PURPOSES[0])
    assert ConsentRecord.objects.count() == 0


@pytest.mark.django_db
def test_consent_give_refuses_an_outdated_text():
    customer = CustomerFactory()
    with pytest.raises(errors.ConsentDocumentOutdated):
        services.consent_give(customer=customer, purpose=PURPOSES[0], document_sha256="0" * 64)
    assert ConsentRecord.objects.count() == 0


@pytest.mark.django_db
def test_consent_records_form_an_intact_hash_chain_that_detects_tampering():
    customer = consented(CustomerFactory())
    services.consent_withdraw(customer=customer, purpose=PURPOSES[0], user_agent="pytest")
    chain = selectors.consent_chain(customer=customer)
    assert [entry["action"] for entry in chain["entries"]] == ["given", "given", "withdrawn"]
    assert chain["is_intact"] is True
    assert chain["entries"][1]["previous_hash"] == chain["entries"][0]["record_hash"]
    document = selectors.consent_document_current(purpose=PURPOSES[0])
    assert chain["entries"][0]["document_sha256"] == document.sha256
    assert chain["entries"][0]["ip_address"] == "10.0.0.1"
    ConsentRecord.objects.filter(action="withdrawn").update(ip_address="10.9.9.9")
    assert selectors.consent_chain(customer=customer)["is_intact"] is False


@pytest.mark.django_db
def test_consent_give_twice_records_once():
    customer = consented(CustomerFactory())
    consented(customer)
    assert ConsentRecord.objects.filter(customer=customer).count() == 2
    assert selectors.consent_is_complete(customer=customer)


@pytest.mark.django_db
def test_customer_payment_profile_refusal_codes():
    customer = CustomerFactory(user__display_name="李伟", user__phone="+8613912345678")
    profile = selectors.customer_payment_profile(customer_id=customer.pk)
    assert profile.refusal_code == "consent_missing"
    assert profile.can_pay_by_face is False
    assert profile.masked_name == "李*"
    assert profile.phone_last4 == "5678"
    consented(customer)
    assert selectors.customer_payment_profile(customer_id=customer.pk).refusal_code == (
        "not_enrolled"
    )
    services.customer_face_pay_set(customer=customer, is_enabled=False)
    assert selectors.customer_payment_profile(customer_id=customer.pk).refusal_code == (
        "face_pay_disabled"
    )
    with pytest.raises(errors.CustomerNotFound):
        selectors.customer_payment_profile(customer_id=customer.pk + 1000)


def test_masked_name_latin_and_cjk():
    assert selectors.masked_name("Li Wei") == "Li W**"
    assert selectors.masked_name("欧阳娜娜") == "欧***"
    assert selectors.masked_name("") == "***"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("per_payment", "daily", "step_up", "confirm_free"),
    [
        (-1, 100, 0, 0),
        (200, 100, 0, 0),
        (100, 200, 150, 0),
        (10_000_000, 20_000_000, 0, 0),
        (100, 200, 50, 51),  # skipping the tap must never skip the phone digits
        (100, 200, 50, -1),
    ],
)
def test_customer_limits_update_refusals_change_nothing(per_payment, daily, step_up, confirm_free):
    customer = CustomerFactory()
    before = (
        customer.per_payment_limit_minor,
        customer.daily_limit_minor,
        customer.step_up_above_minor,
        customer.confirm_free_up_to_minor,
    )
    with pytest.raises(errors.LimitInvalid):
        services.customer_limits_update(
            customer=customer,
            per_payment_limit_minor=per_payment,
            daily_limit_minor=daily,
            step_up_above_minor=step_up,
            confirm_free_up_to_minor=confirm_free,
        )
    customer.refresh_from_db()
    assert (
        customer.per_payment_limit_minor,
        customer.daily_limit_minor,
        customer.step_up_above_minor,
        customer.confirm_free_up_to_minor,
    ) == before


@pytest.mark.django_db
def test_customer_limits_update_saves_and_profile_shows_them():
    customer = CustomerFactory()
    services.customer_limits_update(
        customer=customer,
        per_payment_limit_minor=30_000,
        daily_limit_minor=90_000,
        step_up_above_minor=5_000,
        confirm_free_up_to_minor=2_000,
    )
    profile = selectors.customer_payment_profile(customer_id=customer.pk)
    assert (profile.per_payment_limit_minor, profile.daily_limit_minor) == (30_000, 90_000)
    assert profile.step_up_above_minor == 5_000
    assert profile.confirm_free_up_to_minor == 2_000


@pytest.mark.django_db
def test_payment_pin_verify_never_locks_the_customer():
    # Wrong PINs are keyed at a terminal and count against it (payments pauses the terminal);
    # no terminal can lock a customer out of paying (issue 13). Without a terminal they count
    # per phone (issue 14: tests/customers/test_hardening.py).
    customer = CustomerFactory(user__phone="+8613911112222")
    services.payment_pin_set(customer=customer, pin="482915")
    assert (
        services.payment_pin_verify(phone="+8613911112222", pin="482915", terminal_id=7)
        == customer.pk
    )
    for _ in range(8):
        with pytest.raises(errors.PinInvalid):
            services.payment_pin_verify(phone="13911112222", pin="000001", terminal_id=7)
    assert (
        services.payment_pin_verify(phone="+8613911112222", pin="482915", terminal_id=7)
        == customer.pk
    )


@pytest.mark.django_db
def test_payment_pin_refusals():
    customer = CustomerFactory(user__phone="+8613911113333")
    with pytest.raises(errors.PinInvalid):  # no PIN set reads like a wrong PIN (issue 14)
        services.payment_pin_verify(phone="+8613911113333", pin="482915")
    with pytest.raises(errors.PinFormatInvalid):
        services.payment_pin_set(customer=customer, pin="123456")
    with pytest.raises(errors.PinFormatInvalid):
        services.payment_pin_set(customer=customer, pin="12ab56")
    customer.refresh_from_db()
    assert customer.payment_pin_hash == ""
    with pytest.raises(errors.PinInvalid):
        services.payment_pin_verify(phone="+8613900000000", pin="482915")


@pytest.mark.django_db
def test_payment_code_redeems_once_and_expires(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    customer = CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    assert len(issued.code) == 6
    assert services.payment_code_redeem(code=issued.code, terminal_id=1) == customer.pk
    with pytest.raises(errors.PaymentCodeInvalid):
        services.payment_code_redeem(code=issued.code, terminal_id=1)
    old = services.payment_code_issue(customer=customer)
    newer = services.payment_code_issue(customer=customer)
    if old.code != newer.code:
        with pytest.raises(errors.PaymentCodeInvalid):  # a newer code replaces the older one
            services.payment_code_redeem(code=old.code, terminal_id=1)
    PaymentCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(errors.PaymentCodeInvalid):
        services.payment_code_redeem(code=newer.code, terminal_id=1)


@pytest.mark.django_db
def test_payment_code_redeem_rate_limits_a_guessing_terminal():
    customer = CustomerFactory()
    issued = services.payment_code_issue(customer=customer)
    wrong = f"{(int(issued.code) + 1) % 1_000_000:06d}"
    for _ in range(services.PAYMENT_CODE_MAX_FAILURES):
        with pytest.raises(errors.PaymentCodeInvalid):
            services.payment_code_redeem(code=wrong, terminal_id=99)
    with pytest.raises(errors.PaymentCodeRateLimited):
        services.payment_code_redeem(code=issued.code, terminal_id=99)
    assert PaymentCode.objects.get().used_at is None
    assert services.payment_code_redeem(code=issued.code, terminal_id=98) == customer.pk


@pytest.mark.django_db
def test_face_use_record_is_idempotent_per_attempt_and_outcome():
    customer = CustomerFactory()
    for _ in range(2):
        services.face_use_record(
            customer_id=customer.pk,
            terminal_id=3,
            store_id=2,
            attempt_id=77,
            outcome="match",
            similarity=0.71,
            step_up_used=False,
        )
    services.face_use_record(
        customer_id=customer.pk,
        terminal_id=3,
        store_id=2,
        attempt_id=77,
        outcome="confirmed",
        similarity=0.71,
        step_up_used=True,
    )
    assert FaceUse.objects.filter(customer=customer).count() == 2


@pytest.mark.django_db
def test_customer_account_close_erases_personal_data_and_keeps_a_stub():
    customer = consented(CustomerFactory(user__phone="+8613955556666"))
    services.payment_pin_set(customer=customer, pin="482915")
    services.customer_account_close(customer=customer)
    customer.refresh_from_db()
    user = customer.user
    assert customer.is_closed
    assert (user.phone, user.display_name, user.email, user.is_active) == ("", "", "", False)
    assert user.username.startswith("closed-")
    assert customer.date_of_birth is None
    assert customer.payment_pin_hash == ""
    assert ConsentRecord.objects.filter(customer=customer).count() == 0
    assert selectors.customer_payment_profile(customer_id=customer.pk).refusal_code == (
        "account_closed"
    )
    with pytest.raises(errors.PinInvalid):
        services.payment_pin_verify(phone="+8613955556666", pin="482915")
    with pytest.raises(errors.AccountClosed):
        services.customer_account_close(customer=customer)


@pytest.mark.django_db
def test_sms_sender_is_pluggable(settings):
    sent: list[tuple[str, str]] = []

    class Recorder:
        def send(self, *, phone: str, message: str) -> None:
            sent.append((phone, message))

    settings.FACEPAY_SMS_SENDER = "tests.customers.test_services.RecorderSender"
    globals()["RecorderSender"] = Recorder
    sms._sender_class.cache_clear()
    try:
        sms.get_sender().send(phone="+8613800000000", message="hi")
    finally:
        sms._sender_class.cache_clear()
    assert sent == [("+8613800000000", "hi")]


@pytest.mark.django_db
def test_consent_document_publish_next_version_and_give_again():
    customer = consented(CustomerFactory())
    published = selectors.consent_document_current(purpose=PURPOSES[0]).version
    assert published == 3  # migration 0011: version 3 of the texts (the 1.5 s recording)
    document = services.consent_document_publish(
        purpose=PURPOSES[0], title="Consent to face payment", text="Version 4 text."
    )
    assert document.version == 4
    record = services.consent_give(
        customer=customer, purpose=PURPOSES[0], document_sha256=document.sha256
    )
    assert record.document_id == document.pk
    assert selectors.consent_chain(customer=customer)["is_intact"] is True
    client = Client()
    client.force_login(customer.user)
    assert client.get(reverse("customers:consent")).status_code == 200


def _store_vector(customer: Customer, seed: int, *, model_version: str | None = None) -> None:
    vector = np.random.default_rng(seed).standard_normal(template_dimension()).astype(np.float32)
    services.face_template_store(
        customer=customer,
        embedding=vector / np.linalg.norm(vector),
        quality=1.0,
        frame_count=1,
        model_version=model_version or gallery.current_model_version(),
        pack_name="test",
    )


@pytest.mark.django_db
def test_face_search_only_meets_templates_of_the_configured_model():
    current = consented(CustomerFactory())
    other = consented(CustomerFactory())
    _store_vector(current, 1)
    _store_vector(other, 2, model_version="another-pack@0000")
    probe = np.random.default_rng(2).standard_normal(template_dimension()).astype(np.float32)
    assert [hit.customer_id for hit in selectors.face_search(embedding=probe, k=5)] == [current.pk]


@pytest.mark.django_db
def test_face_templates_purge_expired_task_runs_the_purge(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    customer = consented(CustomerFactory())
    _store_vector(customer, 3)
    FaceTemplate.objects.update(created_at=timezone.now() - timedelta(days=731))
    assert tasks.face_templates_purge_expired_task.delay().get() == 1
    assert not FaceTemplate.objects.exists()
    assert selectors.customer_payment_profile(customer_id=customer.pk).refusal_code == (
        "not_enrolled"
    )


@pytest.mark.django_db
def test_who_used_my_face_names_the_store():
    customer = CustomerFactory()
    store = StoreFactory(name="Wuma Street Tea House")
    for store_id, attempt_id in ((store.pk, 1), (store.pk + 1000, 2)):  # the second is gone
        services.face_use_record(
            customer_id=customer.pk,
            terminal_id=3,
            store_id=store_id,
            attempt_id=attempt_id,
            outcome="match",
            similarity=0.8,
            step_up_used=False,
        )
    rows = exports.face_use_rows(customer=customer)
    names = {row.store_id: row.store_name for row in rows}
    assert names == {store.pk: "Wuma Street Tea House", store.pk + 1000: ""}
