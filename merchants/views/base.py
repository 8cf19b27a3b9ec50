"""What every merchant portal page shares: the roles and the refusal rule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from facepay.errors import FacePayError
from facepay.models import User
from merchants.errors import MerchantForbidden, StoreForbidden, TerminalForbidden

Role = User.Role
PORTAL_ROLES = (Role.MERCHANT_OWNER, Role.STORE_STAFF, Role.OPERATOR)
MANAGER_ROLES = (Role.MERCHANT_OWNER, Role.OPERATOR)
FORBIDDEN = (MerchantForbidden, StoreForbidden, TerminalForbidden)


def refuse_or_message(request: HttpRequest, error: FacePayError) -> None:
    """A scope refusal is a 403 page; any other refusal becomes a message on the page."""
    if isinstance(error, FORBIDDEN):
        raise PermissionDenied(error.message) from error
    messages.error(request, error.message)
