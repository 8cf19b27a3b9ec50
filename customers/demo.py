"""The demo street's customers: the customer row of a demo user (facepay.demo makes the users)."""

from __future__ import annotations

from django.utils import timezone

from customers.models import Customer
from facepay.models import User


def demo_customer(*, user: User) -> Customer:
    """The user's customer row, created once. Demo numbers cannot receive a text, so they count
    as verified; consent stays the person's to give."""
    customer, _created = Customer.objects.get_or_create(
        user=user, defaults={"phone_verified_at": timezone.now()}
    )
    return customer
