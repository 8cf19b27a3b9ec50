"""Factories for merchants, stores, staff and terminals (with issued credentials)."""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone

from customers import services as customer_services
from facepay.models import User
from merchants import credit_codes, services
from merchants.models import Merchant, Store, StoreStaff, Terminal
from payments import services as payment_services
from tests.facepay.factories import UserFactory
from tests.payments import factories as payments_factories


def valid_credit_code(number: int) -> str:
    body = f"91330302MA3{number:05d}X"
    return body + credit_codes.check_character(body)


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    owner = factory.SubFactory(UserFactory, role=User.Role.MERCHANT_OWNER)
    name = factory.Sequence(lambda n: f"Shop {n}")
    credit_code = factory.Sequence(valid_credit_code)
    trade = Merchant.Trade.TEAHOUSE
    address = factory.Sequence(lambda n: f"Wuma Street {n}")
    status = Merchant.Status.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    merchant = factory.SubFactory(MerchantFactory)
    name = factory.Sequence(lambda n: f"Store {n}")
    address = "Wuma Street"


class StoreStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreStaff

    store = factory.SubFactory(StoreFactory)
    user = factory.SubFactory(UserFactory, role=User.Role.STORE_STAFF)


class TerminalFactory(factory.django.DjangoModelFactory):
    """A terminal without credentials; use `terminal_with_secret` for a signed-call device."""

    class Meta:
        model = Terminal

    store = factory.SubFactory(StoreFactory)
    name = factory.Sequence(lambda n: f"Counter {n}")


def terminal_with_secret(**kwargs: object) -> services.TerminalCredentials:
    """A terminal with a freshly issued secret (through the service, as a system actor)."""
    return services.terminal_rotate_secret(actor=None, terminal=TerminalFactory(**kwargs))


def capture_payment(*, terminal: Terminal, amount_minor: int, customer=None):  # type: ignore[no-untyped-def]
    """Book one captured payment through the payments services (payment-code path)."""
    customer = customer or payments_factories.funded_customer()
    code = customer_services.payment_code_issue(customer=customer)
    attempt = payment_services.payment_attempt_create_with_code(
        terminal=terminal,
        amount_minor=amount_minor,
        currency="CNY",
        idempotency_key=uuid.uuid4().hex,
        payment_code=code.code,
    )
    return payment_services.payment_attempt_confirm(terminal=terminal, attempt_id=attempt.public_id)
