from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from customers import services as customer_services
from customers.models import Customer, FaceUse
from facepay.errors import FacePayError
from payments import errors, ledger, selectors, services
from payments.models import Account, AttemptFrame, JournalEntry, PaymentAttempt
from tests.merchants.factories import MerchantFactory, TerminalFactory
from tests.payments.factories import CustomerFactory, enrolled_customer

pytestmark = pytest.mark.django_db


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    """A real, faceless JPEG: recognition declines it with no_face."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (120, 120, 120)).save(buffer, format="JPEG")
    return buffer.getvalue()


JPEG = jpeg_bytes()
EVIDENCE = {
    "similarity": 0.71,
    "margin": 0.4,
    "liveness_score": 0.97,
    "model_version": "test",
    "thresholds": {"match_threshold": 0.4},
}


def create(terminal, amount_minor=3800, key="k1"):  # type: ignore[no-untyped-def]
    return services.payment_attempt_create(
        terminal=terminal, amount_minor=amount_minor, currency="CNY", idempotency_key=key
    )


def matched(terminal, customer, amount_minor=3800, key="k1", evidence=None):  # type: ignore[no-untyped-def]
    attempt = create(terminal, amount_minor, key)
    return services.payment_attempt_decide(
        attempt_id=attempt.pk,
        decline_code=None,
        evidence=evidence or EVIDENCE,
        customer_id=customer.pk,
        gallery_size=10,
    )


def balance(kind: str, **owner: int) -> int:
    account = Account.objects.filter(kind=kind, **owner).first()
    return ledger.balance_minor(account) if account else 0


def test_payment_attempt_create_draws_a_challenge_and_is_idempotent() -> None:
    terminal = TerminalFactory()
    first = create(terminal)
    again = create(terminal)
    assert again.pk == first.pk
    assert again.liveness_challenge == first.liveness_challenge
    assert first.liveness_challenge in ("blink", "turn_left", "turn_right", "nod")
    assert first.challenge_issued_at == first.created_at
    assert first.status == PaymentAttempt.Status.CREATED
    assert first.store_id == terminal.store_id
    assert first.burst_received_at is None
    assert AttemptFrame.objects.filter(attempt=first).count() == 0


def test_payment_attempt_create_refuses_reused_key_with_other_amount() -> None:
    terminal = TerminalFactory()
    create(terminal, 3800)
    with pytest.raises(errors.IdempotencyKeyReused):
        create(terminal, 9999)
    assert PaymentAttempt.objects.get().amount_minor == 3800


@pytest.mark.parametrize(
    ("amount", "error"),
    [(0, errors.AmountInvalid), (-1, errors.AmountInvalid), (10**9, errors.AmountAboveMaximum)],
)
def test_payment_attempt_create_refuses_bad_input(amount, error) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error):
        create(TerminalFactory(), amount)
    assert PaymentAttempt.objects.count() == 0


def test_match_below_step_up_awaits_confirmation_and_capture_moves_exact_amounts() -> None:
    merchant = MerchantFactory(fee_rate_bps=60)
    terminal = TerminalFactory(store__merchant=merchant)
    customer = enrolled_customer(amount_minor=10_000)
    attempt = matched(terminal, customer, 3850)
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.customer_masked_name
    assert not AttemptFrame.objects.filter(attempt=attempt).exists()
    captured = services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert captured.status == PaymentAttempt.Status.CAPTURED
    assert captured.fee_minor == 23  # 3850 × 0.6 % = 23.1 → 23
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 10_000 - 3850
    assert balance("merchant_payable", merchant_id=merchant.pk) == 3850 - 23
    assert balance("platform_fee_revenue") == 23
    assert FaceUse.objects.filter(customer=customer, outcome="captured").exists()
    again = services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert again.capture_entry_id == captured.capture_entry_id
    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert ledger.verify_books().problems == []


def test_fee_rounds_half_even() -> None:
    merchant = MerchantFactory(fee_rate_bps=50)
    terminal = TerminalFactory(store__merchant=merchant)
    customer = enrolled_customer(amount_minor=10_000)
    attempt = matched(terminal, customer, 500)  # 500 × 0.5 % = 2.5 → 2
    captured = services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert captured.fee_minor == 2


def test_amount_above_step_up_asks_for_digits_and_right_digits_unlock() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=100_000)
    Customer.objects.filter(pk=customer.pk).update(step_up_above_minor=5000)
    attempt = matched(terminal, customer, 6000)
    assert attempt.status == PaymentAttempt.Status.STEP_UP_REQUIRED
    assert attempt.step_up_reason == "amount"
    last4 = customer.user.phone[-4:]
    attempt = services.payment_attempt_step_up(
        terminal=terminal, attempt_id=attempt.public_id, phone_last4=last4
    )
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.is_step_up_passed


def test_three_wrong_step_up_tries_decline() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer()
    Customer.objects.filter(pk=customer.pk).update(is_lookalike_flagged=True)
    attempt = matched(terminal, customer, 100)
    assert attempt.step_up_reason == "lookalike"
    wrong = "0000" if customer.user.phone[-4:] != "0000" else "1111"
    lefts = []
    for _ in range(3):
        with pytest.raises(errors.StepUpWrong) as caught:
            services.payment_attempt_step_up(
                terminal=terminal, attempt_id=attempt.public_id, phone_last4=wrong
            )
        lefts.append(caught.value.extra["attempts_left"])
    assert lefts == [2, 1, 0]
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.DECLINED
    assert attempt.decline_code == "step_up_failed"
    with pytest.raises(errors.AttemptWrongState):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert JournalEntry.objects.filter(kind="capture").count() == 0


def test_small_margin_asks_for_digits() -> None:
    customer = enrolled_customer()
    attempt = matched(TerminalFactory(), customer, 100, evidence={**EVIDENCE, "margin": 0.05})
    assert attempt.step_up_reason == "margin"


def test_no_match_declines_and_records_evidence() -> None:
    attempt = create(TerminalFactory())
    attempt = services.payment_attempt_decide(
        attempt_id=attempt.pk, decline_code="no_match", evidence={**EVIDENCE, "similarity": 0.1}
    )
    assert attempt.status == PaymentAttempt.Status.DECLINED
    assert attempt.decline_code == "no_match"
    assert attempt.similarity == 0.1
    assert attempt.thresholds == {"match_threshold": 0.4}
    assert attempt.declined_at is not None
    assert not AttemptFrame.objects.exists()


def test_frozen_customer_is_declined() -> None:
    customer = enrolled_customer()
    Customer.objects.filter(pk=customer.pk).update(is_face_pay_enabled=False)
    attempt = matched(TerminalFactory(), customer)
    assert attempt.decline_code == "customer_frozen"


def test_customer_without_consent_is_declined() -> None:
    customer = CustomerFactory()
    attempt = matched(TerminalFactory(), customer)
    assert attempt.decline_code == "customer_no_consent"


def test_capture_refuses_insufficient_balance_and_declines() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=1000)
    attempt = matched(terminal, customer, 1001)
    with pytest.raises(errors.InsufficientBalance):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.DECLINED
    assert attempt.decline_code == "insufficient_balance"
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 1000
    assert ledger.verify_books().problems == []


def test_capture_refuses_over_daily_limit() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=100_000)
    Customer.objects.filter(pk=customer.pk).update(daily_limit_minor=5000)
    first = matched(terminal, customer, 3000, key="a")
    services.payment_attempt_confirm(terminal=terminal, attempt_id=first.public_id)
    second = matched(terminal, customer, 2500, key="b")
    with pytest.raises(errors.LimitExceeded):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=second.public_id)
    second.refresh_from_db()
    assert second.decline_code == "limit_exceeded"
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 97_000


def test_confirm_after_expiry_is_refused_and_expires() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer()
    attempt = matched(terminal, customer)
    PaymentAttempt.objects.filter(pk=attempt.pk).update(expires_at=timezone.now() - timedelta(1))
    with pytest.raises(errors.AttemptExpired):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    attempt.refresh_from_db()
    assert attempt.status == PaymentAttempt.Status.EXPIRED
    assert JournalEntry.objects.filter(kind="capture").count() == 0


def test_expire_task_expires_abandoned_attempts_only() -> None:
    terminal = TerminalFactory()
    old = create(terminal, key="old")
    create(terminal, key="new")
    PaymentAttempt.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    assert services.payment_attempts_expire() == 1
    assert list(PaymentAttempt.objects.order_by("pk").values_list("status", flat=True)) == [
        "expired",
        "created",
    ]
    assert not AttemptFrame.objects.filter(attempt=old).exists()


def test_cancel_then_confirm_is_refused() -> None:
    terminal = TerminalFactory()
    attempt = matched(terminal, enrolled_customer())
    services.payment_attempt_cancel(terminal=terminal, attempt_id=attempt.public_id)
    with pytest.raises(errors.AttemptWrongState):
        services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)


def test_other_terminal_cannot_confirm() -> None:
    attempt = matched(TerminalFactory(), enrolled_customer())
    with pytest.raises(errors.AttemptNotFound):
        services.payment_attempt_confirm(terminal=TerminalFactory(), attempt_id=attempt.public_id)


def test_payment_code_path_identifies_without_the_camera() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=5_000)
    issued = customer_services.payment_code_issue(customer=customer)
    attempt = services.payment_attempt_create_with_code(
        terminal=terminal,
        amount_minor=1_500,
        currency="CNY",
        idempotency_key="code-1",
        payment_code=issued.code,
    )
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.method == PaymentAttempt.Method.PAYMENT_CODE
    assert attempt.customer_id == customer.pk
    captured = services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert captured.status == PaymentAttempt.Status.CAPTURED
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 3_500
    assert not FaceUse.objects.filter(customer=customer).exists()  # the face was not used
    with pytest.raises(FacePayError):  # a one-time code works once
        services.payment_attempt_create_with_code(
            terminal=terminal,
            amount_minor=1_500,
            currency="CNY",
            idempotency_key="code-2",
            payment_code=issued.code,
        )


# --- confirm-free: the recognition job captures small matches without a tap ------------------
def confirm_free_customer(
    up_to_minor: int, amount_minor: int = 10_000, **flags: object
) -> Customer:
    customer = enrolled_customer(amount_minor=amount_minor)
    Customer.objects.filter(pk=customer.pk).update(confirm_free_up_to_minor=up_to_minor, **flags)
    return customer


def test_confirm_free_match_is_captured_by_the_recognition_job_exactly_once() -> None:
    merchant = MerchantFactory(fee_rate_bps=60)
    terminal = TerminalFactory(store__merchant=merchant)
    customer = confirm_free_customer(5000)
    attempt = matched(terminal, customer, 3850)
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.is_confirm_free
    # The job's decision committed; a crash here leaves it to the rerun, which finishes it.
    captured = services.payment_attempt_recognise(attempt_id=attempt.pk)
    assert captured is not None
    assert captured.status == PaymentAttempt.Status.CAPTURED
    assert services.payment_attempt_recognise(attempt_id=attempt.pk) is None  # a rerun: no-op
    assert captured.fee_minor == 23
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 10_000 - 3850
    assert balance("merchant_payable", merchant_id=merchant.pk) == 3850 - 23
    assert JournalEntry.objects.filter(kind="capture").count() == 1
    assert FaceUse.objects.filter(customer=customer, outcome="captured").count() == 1
    # A tap that arrives late gets the same capture back.
    again = services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert again.capture_entry_id == captured.capture_entry_id
    assert ledger.verify_books().problems == []


@pytest.mark.parametrize(
    ("up_to", "amount", "flags", "status"),
    [
        (0, 100, {}, "awaiting_confirmation"),  # the default: always tap
        (5000, 5001, {}, "awaiting_confirmation"),  # above the customer's amount
        (5000, 100, {"is_lookalike_flagged": True}, "step_up_required"),  # never skips digits
    ],
)
def test_confirm_free_does_not_apply_outside_its_amount_or_with_step_up(  # type: ignore[no-untyped-def]
    up_to, amount, flags, status
) -> None:
    terminal = TerminalFactory()
    customer = confirm_free_customer(up_to, **flags)
    attempt = matched(terminal, customer, amount)
    assert (attempt.status, attempt.is_confirm_free) == (status, False)
    services.payment_attempt_recognise(attempt_id=attempt.pk)
    attempt.refresh_from_db()
    assert attempt.status == status
    if status == "step_up_required":  # digits passed: the customer is there to tap
        attempt = services.payment_attempt_step_up(
            terminal=terminal, attempt_id=attempt.public_id, phone_last4=customer.user.phone[-4:]
        )
        services.payment_attempt_recognise(attempt_id=attempt.pk)
        attempt.refresh_from_db()
        assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert JournalEntry.objects.filter(kind="capture").count() == 0


def test_confirm_free_capture_over_balance_declines_and_moves_nothing() -> None:
    customer = confirm_free_customer(5000, amount_minor=1000)
    attempt = matched(TerminalFactory(), customer, 3000)
    decided = services.payment_attempt_recognise(attempt_id=attempt.pk)
    assert decided is not None
    assert (decided.status, decided.decline_code) == ("declined", "insufficient_balance")
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 1000
    assert JournalEntry.objects.filter(kind="capture").count() == 0
    assert ledger.verify_books().problems == []
