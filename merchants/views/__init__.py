"""Merchant portal pages, by area: onboarding (sign-up, application, review) and stores (stores,
staff, terminals). The sales pages (dashboard, CSVs, settlements) read the ledger, so they live in
payments.sales and facepay.urls mounts them here."""

from merchants.views.base import (
    FORBIDDEN,
    MANAGER_ROLES,
    PORTAL_ROLES,
    Role,
    refuse_or_message,
)
from merchants.views.onboarding import (
    REVIEW_ACTIONS,
    application,
    application_submit,
    licence,
    review_decide,
    review_queue,
    signup,
)
from merchants.views.stores import (
    staff_invite,
    staff_remove,
    store_create,
    stores,
    terminal_register,
    terminal_revoke,
    terminal_rotate,
)

__all__ = [
    "FORBIDDEN",
    "MANAGER_ROLES",
    "PORTAL_ROLES",
    "REVIEW_ACTIONS",
    "Role",
    "application",
    "application_submit",
    "licence",
    "refuse_or_message",
    "review_decide",
    "review_queue",
    "signup",
    "staff_invite",
    "staff_remove",
    "store_create",
    "stores",
    "terminal_register",
    "terminal_revoke",
    "terminal_rotate",
]
