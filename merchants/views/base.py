"""What every merchant portal page shares: the roles."""

from __future__ import annotations

from facepay.models import User

Role = User.Role
PORTAL_ROLES = (Role.MERCHANT_OWNER, Role.STORE_STAFF, Role.OPERATOR)
MANAGER_ROLES = (Role.MERCHANT_OWNER, Role.OPERATOR)
