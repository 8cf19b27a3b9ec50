"""Merchant portal pages, by area: sales (dashboard, CSVs, settlements), onboarding (sign-up,
application, review) and stores (stores, staff, terminals)."""

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
from merchants.views.sales import (
    PAYMENT_CSV_HEADER,
    SETTLEMENT_CSV_HEADER,
    home,
    payments_csv,
    settlements,
    settlements_csv,
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
    "PAYMENT_CSV_HEADER",
    "PORTAL_ROLES",
    "REVIEW_ACTIONS",
    "SETTLEMENT_CSV_HEADER",
    "Role",
    "application",
    "application_submit",
    "home",
    "licence",
    "payments_csv",
    "refuse_or_message",
    "review_decide",
    "review_queue",
    "settlements",
    "settlements_csv",
    "signup",
    "staff_invite",
    "staff_remove",
    "store_create",
    "stores",
    "terminal_register",
    "terminal_revoke",
    "terminal_rotate",
]
