"""Factories for merchants, stores, staff and terminals (with issued credentials)."""

from __future__ import annotations

import factory
from django.utils import timezone

from facepay.models import User
from merchants import credit_codes, services
from merchants.models import Merchant, Store, StoreStaff, Terminal
from tests.facepay.factories import UserFactory


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
