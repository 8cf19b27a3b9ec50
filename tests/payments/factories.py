"""Factories for payments tests: customers with funded wallets, terminals, attempts."""

from __future__ import annotations

import uuid

import factory

from customers.models import Customer
from facepay.models import User
from payments import services
from tests.facepay.factories import UserFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    user = factory.SubFactory(UserFactory, role=User.Role.CUSTOMER, phone="+8613800001234")


def funded_customer(
    amount_minor: int = 100_000, currency: str = "CNY", **kwargs: object
) -> Customer:
    """A customer whose wallet was topped up through the service."""
    customer = CustomerFactory(**kwargs)
    services.wallet_top_up(
        customer_id=customer.pk,
        amount_minor=amount_minor,
        currency=currency,
        card_brand="unionpay",
        card_last4="4242",
        idempotency_key=uuid.uuid4().hex,
    )
    return customer
