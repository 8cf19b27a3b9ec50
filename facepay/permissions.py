"""Role checks shared by pages (decorator) and the API (DRF permission)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from facepay.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A page request that got past `role_required` (or `customer_page`): its user is signed in.

    Only a type: Django builds plain HttpRequests; annotating a view's request with this says
    what the decorator guarantees, so the view reads `request.user` as a `User` without casts.
    """

    user: User


class AuthenticatedRequest(Request):
    """An API request that got past a `has_role` / IsAuthenticated permission (a type only)."""

    user: User


def signed_in_user(request: HttpRequest | Request) -> User:
    """The request's user where a permission already let only signed-in users through (in
    DRF's get_queryset, whose request type the base class fixes); refuses anything else."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def user_has_role(user: Any, roles: tuple[str, ...]) -> bool:
    return bool(user and user.is_authenticated and (user.role in roles or user.is_superuser))


View = Callable[..., HttpResponseBase]


def role_required(*roles: str) -> Callable[[View], View]:
    """Page decorator: anonymous → login, wrong role → 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
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


Role = User.Role
