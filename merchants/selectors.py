"""Merchant-side reads, always scoped to the viewer."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from facepay.models import User
from merchants.models import Merchant, Store


def merchant_list_for_user(*, user: User) -> QuerySet[Merchant]:
    """Merchants the viewer may see, scoped by role (operators: all)."""
    if user.is_operator:
        return Merchant.objects.all()
    if user.role == User.Role.MERCHANT_OWNER:
        return Merchant.objects.filter(owner=user)
    if user.role == User.Role.STORE_STAFF:
        return Merchant.objects.filter(stores__staff__user=user).distinct()
    if user.role == User.Role.FINANCE_REVIEWER:
        return Merchant.objects.filter(status=Merchant.Status.APPROVED)
    return Merchant.objects.none()


def store_list_for_user(*, user: User) -> QuerySet[Store]:
    """Stores the viewer may see: an owner all of theirs, a cashier only assigned ones."""
    if user.is_operator:
        return Store.objects.all()
    if user.role == User.Role.MERCHANT_OWNER:
        return Store.objects.filter(merchant__owner=user)
    if user.role == User.Role.STORE_STAFF:
        return Store.objects.filter(Q(staff__user=user)).distinct()
    return Store.objects.none()
