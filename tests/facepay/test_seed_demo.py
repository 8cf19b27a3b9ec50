import pytest
from django.core.management import call_command

from customers.models import Customer
from facepay.models import User
from merchants import credit_codes
from merchants.models import Merchant, Store, Terminal


@pytest.mark.django_db
def test_seed_demo_builds_the_street_once_and_is_idempotent() -> None:
    call_command("seed_demo")
    counts = (
        User.objects.count(),
        Merchant.objects.count(),
        Store.objects.count(),
        Terminal.objects.count(),
        Customer.objects.count(),
    )
    call_command("seed_demo")
    assert (
        User.objects.count(),
        Merchant.objects.count(),
        Store.objects.count(),
        Terminal.objects.count(),
        Customer.objects.count(),
    ) == counts
    assert Merchant.objects.count() >= 8
    assert len(set(Merchant.objects.values_list("trade", flat=True))) >= 8
    assert Customer.objects.count() == 60
    assert User.objects.filter(role=User.Role.FINANCE_REVIEWER).exists()
    assert User.objects.filter(role=User.Role.OPERATOR).exists()
    assert all(credit_codes.is_valid(m.credit_code) for m in Merchant.objects.all())
    assert Terminal.objects.count() >= Store.objects.count()
