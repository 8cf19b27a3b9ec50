"""Must-show 5: random sequences of money movements never break a verify_books invariant."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings, strategies
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from facepay.errors import FacePayError
from payments import ledger, services
from payments.models import PaymentAttempt
from tests.merchants.factories import MerchantFactory, TerminalFactory
from tests.payments.factories import enrolled_customer, fund
from tests.payments.test_attempts import EVIDENCE

amounts = strategies.integers(min_value=1, max_value=30_000)


class Books(RuleBasedStateMachine):
    @initialize()
    def open_street(self) -> None:
        self.terminals = [
            TerminalFactory(store__merchant=MerchantFactory(fee_rate_bps=bps))
            for bps in (0, 60, 175)
        ]
        self.customers = [enrolled_customer(amount_minor=5_000) for _ in range(3)]
        self.payments: list[PaymentAttempt] = []
        self.days = 0

    def _attempt(self, terminal_index: int, customer_index: int, amount: int) -> PaymentAttempt:
        attempt = services.payment_attempt_create(
            terminal=self.terminals[terminal_index],
            amount_minor=amount,
            currency="CNY",
            idempotency_key=uuid.uuid4().hex,
        )
        return services.payment_attempt_decide(
            attempt_id=attempt.pk,
            decline_code=None,
            evidence=EVIDENCE,
            customer_id=self.customers[customer_index].pk,
        )

    @rule(customer=strategies.integers(0, 2), amount=amounts)
    def top_up(self, customer: int, amount: int) -> None:
        fund(self.customers[customer], amount)

    @rule(customer=strategies.integers(0, 2), amount=amounts)
    def withdraw(self, customer: int, amount: int) -> None:
        with contextlib.suppress(FacePayError):  # above the balance: refused, nothing moves
            services.wallet_withdraw(
                customer_id=self.customers[customer].pk,
                amount_minor=amount,
                currency="CNY",
                card_brand="visa",
                card_last4="4242",
                idempotency_key=uuid.uuid4().hex,
            )

    @rule(terminal=strategies.integers(0, 2), customer=strategies.integers(0, 2), amount=amounts)
    def pay(self, terminal: int, customer: int, amount: int) -> None:
        attempt = self._attempt(terminal, customer, amount)
        try:
            if attempt.status == PaymentAttempt.Status.STEP_UP_REQUIRED:
                attempt = services.payment_attempt_step_up(
                    terminal=self.terminals[terminal],
                    attempt_id=attempt.public_id,
                    phone_last4=self.customers[customer].user.phone[-4:],
                )
            attempt = services.payment_attempt_confirm(
                terminal=self.terminals[terminal], attempt_id=attempt.public_id
            )
        except FacePayError:
            return
        self.payments.append(attempt)

    @rule(data=strategies.data(), amount=amounts)
    def refund(self, data: strategies.DataObject, amount: int) -> None:
        if not self.payments:
            return
        attempt = data.draw(strategies.sampled_from(self.payments))
        with contextlib.suppress(FacePayError):
            services.refund_create(
                attempt_id=attempt.public_id, amount_minor=amount, idempotency_key=uuid.uuid4().hex
            )

    @rule(data=strategies.data(), is_upheld=strategies.booleans())
    def dispute(self, data: strategies.DataObject, is_upheld: bool) -> None:
        if not self.payments:
            return
        attempt = data.draw(strategies.sampled_from(self.payments))
        try:
            dispute = services.dispute_open(
                customer_id=attempt.customer_id, attempt_id=attempt.public_id, reason="not me"
            )
            services.dispute_decide(dispute_id=dispute.pk, decided_by=None, is_upheld=is_upheld)
        except FacePayError:
            pass

    @rule(terminal=strategies.integers(0, 2), customer=strategies.integers(0, 2))
    def abandon(self, terminal: int, customer: int) -> None:
        attempt = self._attempt(terminal, customer, 100)
        PaymentAttempt.objects.filter(pk=attempt.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        services.payment_attempts_expire()
        with pytest.raises(FacePayError):
            services.payment_attempt_confirm(
                terminal=self.terminals[terminal], attempt_id=attempt.public_id
            )

    @rule()
    def settle(self) -> None:
        self.days += 1
        services.settlement_run(now=timezone.now() + timedelta(days=self.days))

    @invariant()
    def books_balance(self) -> None:
        assert ledger.verify_books().problems == []


@pytest.mark.django_db
def test_books_stay_consistent_under_random_sequences() -> None:
    Books.TestCase.settings = settings(
        max_examples=10,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    Books.TestCase().runTest()
