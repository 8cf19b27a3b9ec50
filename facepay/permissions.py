"""Role checks shared by pages (decorator) and the API (DRF permission)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.authentication import CSRFCheck
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from facepay.errors import CsrfFailed
from facepay.models import User


def user_has_role(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(user and user.is_authenticated and (user.role in roles or user.is_superuser))


View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """Page decorator: anonymous → login, wrong role → 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_role(*roles: str) -> type[BasePermission]:
    """DRF permission class factory: `permission_classes = [has_role(User.Role.CUSTOMER)]`."""

    class HasRole(BasePermission):
        def has_permission(self, request: Request, view: APIView) -> bool:
            return user_has_role(request.user, roles)

    HasRole.__name__ = "Has" + "Or".join(r.title().replace("_", "") for r in roles) + "Role"
    return HasRole


class CsrfChecked(BasePermission):
    """For endpoints that create a session: the CSRF token and the Origin header are checked
    even for an anonymous caller (DRF checks them only for signed-in session users)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        check = CSRFCheck(lambda _request: HttpResponse())
        check.process_request(request._request)
        reason = check.process_view(request._request, None, (), {})
        if reason is not None:
            raise CsrfFailed(_("The request did not come from this site's own page."))
        return True


Role = User.Role
