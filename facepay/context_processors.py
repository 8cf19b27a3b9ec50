"""Role-aware navigation for the base layout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from facepay.models import User

# (url name, label) per role, in the order shown. Names that do not exist yet are skipped.
NAVIGATION: dict[str, list[tuple[str, Any]]] = {
    User.Role.CUSTOMER: [
        ("customers:home", _("My account")),
        ("customers:enrol", _("Face enrolment")),
        ("customers:wallet", _("Wallet")),
        ("customers:controls", _("Limits & controls")),
        ("customers:privacy", _("Privacy & data")),
    ],
    User.Role.MERCHANT_OWNER: [
        ("merchants:home", _("Dashboard")),
        ("merchants:application", _("Application")),
        ("merchants:stores", _("Stores & terminals")),
        ("payments:payment_list", _("Recent payments")),
        ("merchants:settlements", _("Settlements")),
        ("credit:merchant_score", _("Credit score")),
    ],
    User.Role.STORE_STAFF: [
        ("merchants:home", _("Dashboard")),
        ("payments:terminal_picker", _("Terminal")),
        ("payments:payment_list", _("Recent payments")),
    ],
    User.Role.FINANCE_REVIEWER: [
        ("credit:home", _("SME scores")),
        ("credit:priority", _("Priority lists")),
        ("credit:drift", _("Drift")),
    ],
    User.Role.OPERATOR: [
        ("ops", _("Operations")),
        ("ops_disputes:list", _("Disputes")),
        ("merchants:review_queue", _("Merchant review")),
        ("admin:index", _("Admin")),
    ],
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for name, label in NAVIGATION.get(user.role, []):
        try:
            items.append({"url": reverse(name), "label": label, "active": False})
        except NoReverseMatch:
            continue
    # Only the most specific entry is current: /customers/ is a prefix of every customer page.
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
