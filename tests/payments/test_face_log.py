"""Issue 12 / 15 item 6: the customer's "who used my face" log, one line per face payment, in
words: store and counter by name, Beijing time, amount in yuan, the liveness challenge and
whether it passed, and the outcome (paid; refused and why)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customers import face_log
from customers.models import Customer
from facepay.face.engine import get_engine
from payments import services
from payments.models import PaymentAttempt
from tests.merchants.factories import TerminalFactory
from tests.payments.factories import enrolled_customer, unit_vector
from tests.payments.test_attempts import EVIDENCE

pytestmark = pytest.mark.django_db


def face_attempt(terminal, amount_minor: int, challenge: str) -> PaymentAttempt:  # type: ignore[no-untyped-def]
    attempt = services.payment_attempt_create(
        terminal=terminal,
        amount_minor=amount_minor,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
    )
    PaymentAttempt.objects.filter(pk=attempt.pk).update(liveness_challenge=challenge)
    return attempt


def test_log_shows_paid_limit_refusal_and_liveness_refusal_in_words(face_pack: None) -> None:
    vector = unit_vector(7, get_engine().manifest.embedding_dimension)
    customer = enrolled_customer(vector, model_version=get_engine().model_version)
    Customer.objects.filter(pk=customer.pk).update(per_payment_limit_minor=5_000)
    terminal = TerminalFactory(name="Counter 2", store__name="Wuma Tea House")

    paid = face_attempt(terminal, 3_850, "blink")
    services.payment_attempt_decide(
        attempt_id=paid.pk, decline_code=None, evidence=EVIDENCE, customer_id=customer.pk
    )
    services.payment_attempt_confirm(terminal=terminal, attempt_id=paid.public_id)

    over = face_attempt(terminal, 9_000, "nod")
    services.payment_attempt_decide(
        attempt_id=over.pk, decline_code=None, evidence=EVIDENCE, customer_id=customer.pk
    )

    photo = face_attempt(terminal, 1_200, "turn_left")
    services.payment_attempt_liveness_refuse(
        attempt_id=photo.pk, code="liveness_planar_face", details={}, embedding=vector
    )

    with translation.override("en"):
        lines = face_log.face_payment_lines(customer=customer)
    assert [(line.outcome, line.amount_text) for line in lines] == [
        ("liveness_refused", "¥12.00"),
        ("declined", "¥90.00"),
        ("captured", "¥38.50"),
    ]
    assert [line.outcome_text for line in lines] == [
        "Refused: liveness check: a flat picture (photo or screen)",
        "Refused: above your payment limit",
        "Paid",
    ]
    assert [(line.challenge_text, line.is_challenge_passed) for line in lines] == [
        ("Turn your head to your left", False),
        ("Nod your head", True),
        ("Blink your eyes", True),
    ]
    assert {(line.store_name, line.terminal_name) for line in lines} == {
        ("Wuma Tea House", "Counter 2")
    }
    assert {str(line.at.tzinfo) for line in lines} == {"Asia/Shanghai"}

    client = Client()
    client.force_login(customer.user)
    page = client.get(reverse("customers:privacy"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "Wuma Tea House" in page
    assert "Counter 2" in page
    assert "¥38.50" in page
    with translation.override("zh-hans"):
        assert str(face_log.REFUSAL_WORDS["liveness_planar_face"]) in page
        assert str(face_log.CHALLENGE_WORDS["blink"]) in page
    assert "captured" not in page.split('id="face-uses"')[1].split("</table>")[0].replace(
        'data-outcome="captured"', ""
    )
