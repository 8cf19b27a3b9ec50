"""The ledger's side of customers.wallet: balance, statement, top-up and withdrawal of a
customer's wallet, registered as the customers app's `WalletBook` when payments loads."""

from __future__ import annotations

from uuid import UUID

from customers.wallet import Movement, Receipt, StatementLine
from payments import selectors, services
from payments.desk import selectors as desk_selectors


class LedgerWalletBook:
    def receipt(self, *, customer_id: int, payment_id: UUID) -> Receipt | None:
        return desk_selectors.receipt_for_customer(customer_id=customer_id, payment_id=payment_id)

    def balance_minor(self, *, customer_id: int, currency: str) -> int:
        return selectors.wallet_balance_minor(customer_id=customer_id, currency=currency)

    def statement(self, *, customer_id: int, limit: int | None = None) -> list[StatementLine]:
        return selectors.wallet_statement(customer_id=customer_id, limit=limit)

    def top_up(
        self,
        *,
        customer_id: int,
        amount_minor: int,
        currency: str,
        card_brand: str,
        card_last4: str,
        idempotency_key: str,
    ) -> Movement:
        entry = services.wallet_top_up(
            customer_id=customer_id,
            amount_minor=amount_minor,
            currency=currency,
            card_brand=card_brand,
            card_last4=card_last4,
            idempotency_key=idempotency_key,
        )
        return Movement(reference=entry.reference)

    def withdraw(
        self,
        *,
        customer_id: int,
        amount_minor: int,
        currency: str,
        card_brand: str,
        card_last4: str,
        idempotency_key: str,
    ) -> Movement:
        entry = services.wallet_withdraw(
            customer_id=customer_id,
            amount_minor=amount_minor,
            currency=currency,
            card_brand=card_brand,
            card_last4=card_last4,
            idempotency_key=idempotency_key,
        )
        return Movement(reference=entry.reference)
