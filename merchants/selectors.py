"""Merchant-side reads, always scoped to the viewer."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from facepay.models import User
from merchants.errors import MerchantForbidden, StoreForbidden, TerminalForbidden
from merchants.models import Merchant, Store, StoreStaff, Terminal


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


def store_names(*, store_ids: set[int]) -> dict[int, str]:
    """Store names by id, for other apps' histories (a customer's "who used my face")."""
    return dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "name"))


def terminal_names(*, terminal_ids: set[int]) -> dict[int, str]:
    """Counter (terminal) names by id, for the customer's "who used my face" log."""
    return dict(Terminal.objects.filter(pk__in=terminal_ids).values_list("pk", "name"))


def merchant_for_owner(*, user: User) -> Merchant | None:
    """The owner's merchant (the portal shows one business per owner: the oldest)."""
    if user.role != User.Role.MERCHANT_OWNER:
        return None
    return Merchant.objects.filter(owner=user).order_by("created_at", "id").first()


def merchant_get_for_user(*, user: User, merchant_id: int) -> Merchant:
    """One merchant the viewer may see; raises MerchantForbidden otherwise (no existence leak)."""
    merchant = merchant_list_for_user(user=user).filter(pk=merchant_id).first()
    if merchant is None:
        raise MerchantForbidden(_("You may not see this merchant."), merchant_id=merchant_id)
    return merchant


def store_get_for_user(*, user: User, store_id: int) -> Store:
    """One store the viewer may see; raises StoreForbidden otherwise."""
    store = store_list_for_user(user=user).select_related("merchant").filter(pk=store_id).first()
    if store is None:
        raise StoreForbidden(_("You may not see this store."), store_id=store_id)
    return store


def store_get_for_manager(*, user: User, store_id: int) -> Store:
    """One store the viewer may manage (owner or operator); raises StoreForbidden otherwise."""
    store = store_get_for_user(user=user, store_id=store_id)
    if not (user.is_operator or store.merchant.owner_id == user.pk):
        raise StoreForbidden(_("You may not manage this store."), store_id=store_id)
    return store


def terminal_list_for_user(*, user: User) -> QuerySet[Terminal]:
    """Terminals of the stores the viewer may see."""
    stores = store_list_for_user(user=user)
    return Terminal.objects.filter(store__in=stores).select_related("store").order_by("id")


def terminal_get_for_manager(*, user: User, terminal_id: int) -> Terminal:
    """One terminal the viewer may manage; raises TerminalForbidden otherwise."""
    terminal = Terminal.objects.select_related("store__merchant").filter(pk=terminal_id).first()
    if terminal is None or not (user.is_operator or terminal.store.merchant.owner_id == user.pk):
        raise TerminalForbidden(_("You may not manage this terminal."), terminal_id=terminal_id)
    return terminal


def staff_list_for_merchant(*, merchant: Merchant) -> QuerySet[StoreStaff]:
    return (
        StoreStaff.objects.filter(store__merchant=merchant)
        .select_related("store", "user")
        .order_by("store_id", "user__username")
    )


def application_review_queue() -> QuerySet[Merchant]:
    """Applications waiting for an operator: submitted first-come, then those under review."""
    return (
        Merchant.objects.filter(
            status__in=[Merchant.Status.SUBMITTED, Merchant.Status.UNDER_REVIEW]
        )
        .select_related("owner")
        .order_by("submitted_at", "id")
    )


def application_recently_decided(*, limit: int = 20) -> list[Merchant]:
    return list(
        Merchant.objects.filter(
            status__in=[
                Merchant.Status.APPROVED,
                Merchant.Status.REJECTED,
                Merchant.Status.MORE_INFO_REQUESTED,
            ],
            reviewed_at__isnull=False,
        )
        .select_related("owner")
        .order_by("-reviewed_at")[:limit]
    )


def terminal_paused_at(*, terminal_id: int) -> datetime | None:
    """When the terminal was paused for too many wrong entries (None: it takes payments)."""
    return Terminal.objects.filter(pk=terminal_id).values_list("paused_at", flat=True).first()


def merchant_get(*, merchant_id: int) -> Merchant | None:
    """One merchant by id, unscoped (callers check what the viewer may do with it)."""
    return Merchant.objects.filter(pk=merchant_id).first()


def merchant_list_approved() -> QuerySet[Merchant]:
    """Approved merchants, oldest first (the ones credit scores)."""
    return Merchant.objects.filter(status=Merchant.Status.APPROVED).order_by("pk")


def merchants_by_credit_code(*, codes: set[str]) -> dict[str, Merchant]:
    """Merchants by unified social credit code, for the codes that name one."""
    return {m.credit_code: m for m in Merchant.objects.filter(credit_code__in=codes)}


def trade_choices() -> list[tuple[str, str | Promise]]:
    """The trades a merchant can register under, as form choices."""
    return list(Merchant.Trade.choices)


def terminal_list_active_for_user(*, user: User) -> QuerySet[Terminal]:
    """Active terminals of the stores the viewer may see (cashier: assigned stores only)."""
    return (
        Terminal.objects.filter(
            store__in=store_list_for_user(user=user), status=Terminal.Status.ACTIVE
        )
        .select_related("store__merchant")
        .order_by("store__name", "name")
    )


def store_list_all() -> list[Store]:
    """Every store with its merchant, oldest first (the demo seeding's street)."""
    return list(Store.objects.select_related("merchant").order_by("pk"))


def store_ids_in_scope(
    *, user: User, store_id: int | None = None, merchant_id: int | None = None
) -> list[int]:
    """The one viewer scope of merchant figures (dashboard page, API, live feed): the ids of the
    stores the viewer may see, narrowed to one merchant's (MerchantForbidden when the viewer may
    not see it) and then to one store (StoreForbidden when it is not among them)."""
    stores = store_list_for_user(user=user)
    if merchant_id is not None:
        merchant_get_for_user(user=user, merchant_id=merchant_id)
        stores = stores.filter(merchant_id=merchant_id)
    store_ids = list(stores.order_by("id").values_list("id", flat=True))
    if store_id is not None:
        if store_id not in store_ids:
            raise StoreForbidden(_("You may not see this store."), store_id=store_id)
        store_ids = [store_id]
    return store_ids
