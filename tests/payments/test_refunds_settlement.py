from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import errors, ledger, selectors, services
from payments.models import Account, Dispute, PaymentAttempt, SettlementBatch
from tests.merchants.factories import MerchantFactory, TerminalFactory
from tests.payments.factories import enrolled_customer
from tests.payments.test_attempts import EVIDENCE, create

pytestmark = pytest.mark.django_db


def captured(terminal, customer, amount_minor, key):  # type: ignore[no-untyped-def]
    attempt = create(terminal, amount_minor, key)
    services.payment_attempt_decide(
        attempt_id=attempt.pk, decline_code=None, evidence=EVIDENCE, customer_id=customer.pk
    )
    return services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)


def payable(merchant_id: int) -> int:
    return Account.objects.get(kind="merchant_payable", merchant_id=merchant_id).balance_minor


def test_partial_and_multiple_refunds_up_to_the_captured_amount() -> None:
    merchant = MerchantFactory(fee_rate_bps=100)
    terminal = TerminalFactory(store__merchant=merchant)
    customer = enrolled_customer(amount_minor=10_000)
    attempt = captured(terminal, customer, 5000, "p")
    services.refund_create(attempt_id=attempt.public_id, amount_minor=2000, idempotency_key="r1")
    services.refund_create(attempt_id=attempt.public_id, amount_minor=2000, idempotency_key="r1")
    services.refund_create(attempt_id=attempt.public_id, amount_minor=1000, idempotency_key="r2")
    with pytest.raises(errors.RefundExceedsCaptured):
        services.refund_create(
            attempt_id=attempt.public_id, amount_minor=2001, idempotency_key="r3"
        )
    attempt.refresh_from_db()
    assert attempt.refunded_minor == 3000
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 8000
    assert payable(merchant.pk) == 5000 - 50 - (2000 - 20) - (1000 - 10)  # fee shares back
    kinds = [line.kind for line in selectors.wallet_statement(customer_id=customer.pk)]
    assert kinds == ["refund", "refund", "capture", "top_up"]
    assert ledger.verify_books().problems == []


def test_refund_of_unpaid_attempt_is_refused() -> None:
    attempt = create(TerminalFactory())
    with pytest.raises(errors.AttemptWrongState):
        services.refund_create(attempt_id=attempt.public_id, amount_minor=1, idempotency_key="x")


def test_upheld_dispute_refunds_the_rest_with_evidence_and_no_image() -> None:
    terminal = TerminalFactory()
    customer = enrolled_customer(amount_minor=10_000)
    attempt = captured(terminal, customer, 4000, "p")
    services.refund_create(attempt_id=attempt.public_id, amount_minor=1000, idempotency_key="r")
    dispute = services.dispute_open(
        customer_id=customer.pk, attempt_id=attempt.public_id, reason="that wasn't me"
    )
    assert dispute.evidence["similarity"] == EVIDENCE["similarity"]
    assert dispute.evidence["amount_minor"] == 4000
    assert not any("image" in key or "frame" in key for key in dispute.evidence)
    with pytest.raises(errors.DisputeAlreadyOpen):
        services.dispute_open(customer_id=customer.pk, attempt_id=attempt.public_id, reason="x")
    decided = services.dispute_decide(dispute_id=dispute.pk, decided_by=None, is_upheld=True)
    assert decided.status == Dispute.Status.WON
    assert decided.refund is not None
    assert decided.refund.amount_minor == 3000
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 10_000
    with pytest.raises(errors.DisputeNotOpen):
        services.dispute_decide(dispute_id=dispute.pk, decided_by=None, is_upheld=False)


def test_settlement_nets_captures_refunds_and_fees_into_a_payout_once() -> None:
    merchant = MerchantFactory(fee_rate_bps=60)
    terminal = TerminalFactory(store__merchant=merchant)
    customer = enrolled_customer(amount_minor=100_000)
    first = captured(terminal, customer, 10_000, "a")
    captured(terminal, customer, 5_000, "b")
    services.refund_create(attempt_id=first.public_id, amount_minor=2_000, idempotency_key="r")
    tomorrow = timezone.now() + timedelta(days=1)
    batches = services.settlement_run(now=tomorrow)
    assert len(batches) == 1
    batch = batches[0]
    assert (batch.gross_minor, batch.fees_minor, batch.refunds_minor) == (15_000, 90 - 12, 2_000)
    assert batch.net_minor == 15_000 - 78 - 2_000
    assert payable(merchant.pk) == 0
    bank = Account.objects.get(kind="bank_settlement_clearing")
    assert ledger.balance_minor(bank) == batch.net_minor
    assert services.settlement_run(now=tomorrow) == []
    assert SettlementBatch.objects.count() == 1
    assert PaymentAttempt.objects.filter(settlement_batch=batch).count() == 2
    assert ledger.verify_books().problems == []


def test_refund_after_settlement_without_takings_is_refused() -> None:
    merchant = MerchantFactory()
    terminal = TerminalFactory(store__merchant=merchant)
    customer = enrolled_customer(amount_minor=10_000)
    attempt = captured(terminal, customer, 5000, "a")
    services.settlement_run(now=timezone.now() + timedelta(days=1))
    with pytest.raises(errors.MerchantBalanceInsufficient):
        services.refund_create(attempt_id=attempt.public_id, amount_minor=100, idempotency_key="r")
    attempt.refresh_from_db()
    assert attempt.refunded_minor == 0
