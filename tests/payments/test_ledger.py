from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from customers import services as customer_services
from customers.errors import AccountClosed
from payments import ledger, selectors, services
from payments.errors import (
    AmountAboveMaximum,
    AmountInvalid,
    CardInvalid,
    IdempotencyKeyReused,
    InsufficientBalance,
    LedgerUnbalanced,
)
from payments.models import Account, JournalEntry, Posting
from tests.payments.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def top_up(customer_id: int, amount_minor: int, key: str = "k1") -> JournalEntry:
    return services.wallet_top_up(
        customer_id=customer_id,
        amount_minor=amount_minor,
        currency="CNY",
        card_brand="UnionPay",
        card_last4="1234",
        idempotency_key=key,
    )


def test_wallet_top_up_moves_funding_clearing_to_wallet() -> None:
    customer = CustomerFactory()
    entry = top_up(customer.pk, 5000)
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 5000
    clearing = Account.objects.get(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    assert ledger.balance_minor(clearing) == -5000
    assert clearing.balance_minor == 0  # never stored: Σ postings
    assert entry.memo == "unionpay ···· 1234"
    assert sorted(entry.postings.values_list("amount_minor", flat=True)) == [-5000, 5000]
    assert ledger.verify_books().is_consistent


def test_wallet_top_up_is_idempotent_per_key() -> None:
    customer = CustomerFactory()
    first = top_up(customer.pk, 5000)
    again = top_up(customer.pk, 5000)
    assert again.pk == first.pk
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 5000


def test_wallet_top_up_refuses_reused_key_with_other_amount() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 5000)
    with pytest.raises(IdempotencyKeyReused):
        top_up(customer.pk, 6000)
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 5000
    assert JournalEntry.objects.count() == 1


def withdraw(customer_id: int, amount_minor: int, key: str = "w1") -> JournalEntry:
    return services.wallet_withdraw(
        customer_id=customer_id,
        amount_minor=amount_minor,
        currency="CNY",
        card_brand="visa",
        card_last4="4242",
        idempotency_key=key,
    )


def test_wallet_withdraw_moves_wallet_back_to_funding_clearing_once_per_key() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 5000)
    entry = withdraw(customer.pk, 3000)
    assert withdraw(customer.pk, 3000).pk == entry.pk  # a replay
    assert entry.kind == JournalEntry.Kind.WITHDRAWAL
    assert entry.memo == "visa ···· 4242"
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 2000
    clearing = Account.objects.get(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    assert ledger.balance_minor(clearing) == -2000
    statement = selectors.wallet_statement(customer_id=customer.pk)
    assert [(line.kind, line.amount_minor) for line in statement] == [
        ("withdrawal", -3000),
        ("top_up", 5000),
    ]
    with pytest.raises(IdempotencyKeyReused):
        withdraw(customer.pk, 1000)
    assert ledger.verify_books().is_consistent


def test_wallet_withdraw_above_the_balance_moves_nothing() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 5000)
    with pytest.raises(InsufficientBalance) as refused:
        withdraw(customer.pk, 5001)
    assert refused.value.code == "insufficient_balance"
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 5000
    assert JournalEntry.objects.filter(kind=JournalEntry.Kind.WITHDRAWAL).count() == 0
    assert withdraw(customer.pk, 5000, key="w2").kind == JournalEntry.Kind.WITHDRAWAL  # all of it
    assert selectors.wallet_balance_minor(customer_id=customer.pk, currency="CNY") == 0
    assert ledger.verify_books().is_consistent


@pytest.mark.parametrize(
    ("amount", "brand", "last4", "error"),
    [
        (0, "visa", "1234", AmountInvalid),
        (-5, "visa", "1234", AmountInvalid),
        (10**12, "visa", "1234", AmountAboveMaximum),
        (100, "bitcoin", "1234", CardInvalid),
        (100, "visa", "12a4", CardInvalid),
    ],
)
def test_wallet_top_up_refuses_bad_input(amount: int, brand: str, last4: str, error: type) -> None:
    customer = CustomerFactory()
    with pytest.raises(error):
        services.wallet_top_up(
            customer_id=customer.pk,
            amount_minor=amount,
            currency="CNY",
            card_brand=brand,
            card_last4=last4,
            idempotency_key="x",
        )
    assert JournalEntry.objects.count() == 0
    assert Account.objects.count() == 0


def test_wallet_top_up_of_a_closed_account_is_refused_by_the_service() -> None:
    customer = CustomerFactory()
    customer_services.customer_account_close(customer=customer)
    with pytest.raises(AccountClosed):
        top_up(customer.pk, 5000)
    assert JournalEntry.objects.count() == 0


def test_post_refuses_unbalanced_lines_before_writing() -> None:
    customer = CustomerFactory()
    wallet = ledger.wallet_account(customer_id=customer.pk, currency="CNY")
    clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    with pytest.raises(LedgerUnbalanced):
        ledger.post(
            kind="top_up", currency="CNY", reference="r", lines=[(clearing, -5), (wallet, 4)]
        )
    assert JournalEntry.objects.count() == 0
    wallet.refresh_from_db()
    assert wallet.balance_minor == 0


def test_post_refuses_negative_wallet_and_changes_nothing() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 100)
    wallet = ledger.wallet_account(customer_id=customer.pk, currency="CNY")
    clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    with pytest.raises(InsufficientBalance):
        ledger.post(
            kind="top_up", currency="CNY", reference="r2", lines=[(wallet, -101), (clearing, 101)]
        )
    wallet.refresh_from_db()
    assert wallet.balance_minor == 100
    assert JournalEntry.objects.count() == 1


def test_post_duplicate_reference_is_refused_by_the_database() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 100, key="same")
    wallet = ledger.wallet_account(customer_id=customer.pk, currency="CNY")
    clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    with pytest.raises(IntegrityError), transaction.atomic():
        ledger.post(
            kind="top_up",
            currency="CNY",
            reference=f"top_up:{customer.pk}:same",
            lines=[(clearing, -1), (wallet, 1)],
        )
    wallet.refresh_from_db()
    assert wallet.balance_minor == 100


def test_wallet_balance_constraint_holds_in_the_database() -> None:
    customer = CustomerFactory()
    wallet = ledger.wallet_account(customer_id=customer.pk, currency="CNY")
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(balance_minor=-1)


def test_verify_books_reports_a_tampered_balance() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 100)
    Account.objects.filter(kind=Account.Kind.CUSTOMER_WALLET).update(balance_minor=99)
    report = ledger.verify_books()
    assert not report.is_consistent
    assert any("Σ postings 100" in problem for problem in report.problems)


def test_post_many_posts_history_and_skips_known_references() -> None:
    customer = CustomerFactory()
    wallet = ledger.wallet_account(customer_id=customer.pk, currency="CNY")
    clearing = ledger.platform_account(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    specs = [
        ledger.EntrySpec(
            "top_up", "CNY", f"seed:{n}", [(clearing, -10), (wallet, 10)], timezone.now()
        )
        for n in range(5)
    ]
    assert len(ledger.post_many(specs)) == 5
    assert ledger.post_many(specs) == []
    wallet.refresh_from_db()
    assert wallet.balance_minor == 50
    assert Posting.objects.count() == 10
    assert ledger.verify_books().is_consistent


def test_wallet_statement_lists_top_ups_with_running_balance() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 100, key="a")
    top_up(customer.pk, 250, key="b")
    lines = selectors.wallet_statement(customer_id=customer.pk)
    assert [(line.kind, line.amount_minor, line.balance_after_minor) for line in lines] == [
        ("top_up", 250, 350),
        ("top_up", 100, 100),
    ]


def test_verify_books_reports_a_stored_platform_balance_and_the_database_refuses_one() -> None:
    customer = CustomerFactory()
    top_up(customer.pk, 100)
    clearing = Account.objects.get(kind=Account.Kind.FUNDING_CLEARING, currency="CNY")
    assert clearing.balance_minor == 0
    assert ledger.balance_minor(clearing) == -100
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=clearing.pk).update(balance_minor=-100)
    assert ledger.verify_books().is_consistent
