"""Lockouts that hold across attempts, terminals and time (issue 13).

Wrong phone digits count per customer (5 in 24 h pause face pay), every wrong entry counts per
terminal (10 in an hour pause the terminal), and a terminal's wrong PINs never lock the
customer out. Each test here fails on the code before the lockouts (per-attempt counting only).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from customers import errors as customer_errors
from customers import services as customer_services
from customers.models import Customer
from facepay.errors import FacePayError
from facepay.models import User
from payments import errors, services
from payments.models import JournalEntry, PaymentAttempt
from tests.facepay.factories import UserFactory
from tests.merchants.factories import TerminalFactory
from tests.payments.factories import enrolled_customer
from tests.payments.test_attempts import EVIDENCE, create, matched

pytestmark = pytest.mark.django_db


def wrong_digits(customer: Customer) -> str:
    return "0000" if customer.user.phone[-4:] != "0000" else "1111"


def test_twelve_wrong_digits_over_four_attempts_and_two_terminals_pause_face_pay() -> None:
    first, second = TerminalFactory(), TerminalFactory()
    customer = enrolled_customer(amount_minor=100_000)
    Customer.objects.filter(pk=customer.pk).update(step_up_above_minor=20_000)
    # Four attempts of ¥250 (above the ¥200 step-up amount), alternating terminals, all asked
    # for digits before the first guess.
    attempts = [
        (terminal, matched(terminal, customer, 25_000, key=f"guess-{number}"))
        for number, terminal in enumerate([first, second, first, second])
    ]
    assert {attempt.status for _, attempt in attempts} == {"step_up_required"}
    counted = []  # the wrong entries the service still took as a try
    for terminal, attempt in attempts:
        for _ in range(3):
            with pytest.raises(FacePayError) as caught:
                services.payment_attempt_step_up(
                    terminal=terminal,
                    attempt_id=attempt.public_id,
                    phone_last4=wrong_digits(customer),
                )
            is_try = caught.value.code == "step_up_wrong" and "paused" not in caught.value.message
            counted.append(is_try)
    customer.refresh_from_db()
    assert counted[:5] == [True] * 5
    assert not any(counted[5:]), "face pay must be paused before the 6th wrong entry"
    assert customer.face_pay_paused_at is not None
    # The right digits afterwards capture nothing, on any terminal, old attempt or new.
    fresh = matched(first, customer, 25_000, key="after")
    for terminal, attempt in [*attempts, (first, fresh)]:
        with pytest.raises(FacePayError):
            services.payment_attempt_step_up(
                terminal=terminal,
                attempt_id=attempt.public_id,
                phone_last4=customer.user.phone[-4:],
            )
        with pytest.raises(FacePayError):
            services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
    assert not JournalEntry.objects.filter(kind="capture").exists()
    fresh.refresh_from_db()
    assert (fresh.status, fresh.decline_code) == ("declined", "face_pay_paused")
    # Signing in and resuming gives face pay back.
    customer_services.customer_face_pay_resume(customer=customer)
    resumed = matched(first, customer, 3_000, key="resumed")
    assert resumed.status == PaymentAttempt.Status.AWAITING_CONFIRMATION


def test_another_terminals_wrong_pins_do_not_lock_the_customers_pin() -> None:
    honest, guesser = TerminalFactory(), TerminalFactory()
    customer = enrolled_customer(amount_minor=100_000, user__phone="+8613911115555")
    customer_services.payment_pin_set(customer=customer, pin="482915")
    for number in range(6):
        with pytest.raises(customer_errors.PinInvalid):
            services.payment_attempt_create_with_code(
                terminal=guesser,
                amount_minor=1000,
                currency="CNY",
                idempotency_key=f"guess-{number}",
                phone="+8613911115555",
                pin=f"00000{number}",
            )
    attempt = services.payment_attempt_create_with_code(
        terminal=honest,
        amount_minor=1000,
        currency="CNY",
        idempotency_key="honest",
        phone="+8613911115555",
        pin="482915",
    )
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.customer_id == customer.pk


def test_ten_wrong_entries_in_an_hour_pause_the_terminal_and_alert_owner_and_operator(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    terminal = TerminalFactory()
    UserFactory(email="ops@example.com", role=User.Role.OPERATOR)
    customer = enrolled_customer(amount_minor=100_000, user__phone="+8613911116666")
    customer_services.payment_pin_set(customer=customer, pin="482915")
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(10):
            with pytest.raises(customer_errors.PinInvalid):
                services.payment_attempt_create_with_code(
                    terminal=terminal,
                    amount_minor=1000,
                    currency="CNY",
                    idempotency_key=f"guess-{number}",
                    phone="+8613911116666",
                    pin=f"0000{number:02d}",
                )
    with pytest.raises(errors.TerminalPaused):
        services.payment_attempt_create_with_code(
            terminal=terminal,
            amount_minor=1000,
            currency="CNY",
            idempotency_key="right",
            phone="+8613911116666",
            pin="482915",
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert {terminal.store.merchant.owner.email, "ops@example.com"} <= recipients
    # The owner resumes it in the merchant portal.
    client = Client()
    client.force_login(terminal.store.merchant.owner)
    stores = client.get(reverse("merchants:stores")).content.decode()
    assert reverse("merchants:terminal_resume", args=[terminal.pk]) in stores
    client.post(reverse("merchants:terminal_resume", args=[terminal.pk]))
    terminal.refresh_from_db()
    assert terminal.paused_at is None
    # The customer is not locked out: another terminal takes the right PIN.
    elsewhere = services.payment_attempt_create_with_code(
        terminal=TerminalFactory(),
        amount_minor=1000,
        currency="CNY",
        idempotency_key="elsewhere",
        phone="+8613911116666",
        pin="482915",
    )
    assert elsewhere.customer_id == customer.pk


def test_digits_pick_the_one_candidate_in_the_band_whose_phone_matches() -> None:
    terminal = TerminalFactory()
    first = enrolled_customer(amount_minor=100_000, user__phone="+8613911117001")
    second = enrolled_customer(amount_minor=100_000, user__phone="+8613911117002")
    attempt = services.payment_attempt_ask_digits(
        attempt_id=create(terminal, 3000, "band").pk,
        candidates=[first.pk, second.pk],
        reason="score",
        evidence=EVIDENCE,
    )
    assert attempt.status == "step_up_required"
    assert attempt.customer_id is None
    attempt = services.payment_attempt_step_up(
        terminal=terminal, attempt_id=attempt.public_id, phone_last4="7002"
    )
    assert attempt.status == PaymentAttempt.Status.AWAITING_CONFIRMATION
    assert attempt.customer_id == second.pk


def test_digits_that_fit_two_candidates_decline() -> None:
    terminal = TerminalFactory()
    first = enrolled_customer(amount_minor=100_000, user__phone="+8613911118888")
    second = enrolled_customer(amount_minor=100_000, user__phone="+8613922228888")
    attempt = services.payment_attempt_ask_digits(
        attempt_id=create(terminal, 3000, "twins").pk,
        candidates=[first.pk, second.pk],
        reason="score",
        evidence=EVIDENCE,
    )
    with pytest.raises(errors.StepUpWrong):
        services.payment_attempt_step_up(
            terminal=terminal, attempt_id=attempt.public_id, phone_last4="8888"
        )
    attempt.refresh_from_db()
    assert (attempt.status, attempt.decline_code) == ("declined", "step_up_ambiguous")
