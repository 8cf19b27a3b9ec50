"""Stores, staff and terminals."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facepay.errors import FacePayError
from facepay.permissions import AuthenticatedHttpRequest, role_required
from merchants import selectors, services
from merchants.errors import StoreForbidden
from merchants.forms import (
    StaffInviteForm,
    StoreForm,
    TerminalForm,
)
from merchants.models import StoreStaff
from merchants.views.base import MANAGER_ROLES, PORTAL_ROLES, Role, refuse_or_message


@role_required(*PORTAL_ROLES)
def stores(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stores, their cashiers and terminals; owners get the forms to change them."""
    user = request.user
    merchant = selectors.merchant_for_owner(user=user)
    visible = selectors.store_list_for_user(user=user).select_related("merchant").order_by("id")
    terminals = selectors.terminal_list_for_user(user=user)
    staff = StoreStaff.objects.filter(store__in=visible).select_related("user", "store")
    rows = [
        {
            "store": store,
            "terminals": [t for t in terminals if t.store_id == store.pk],
            "staff": [s for s in staff if s.store_id == store.pk],
        }
        for store in visible
    ]
    can_manage = user.role == Role.MERCHANT_OWNER or user.is_operator
    return render(
        request,
        "merchants/stores.html",
        {
            "merchant": merchant,
            "rows": rows,
            "can_manage": can_manage,
            "store_form": StoreForm(),
            "invite_form": StaffInviteForm(),
            "terminal_form": TerminalForm(),
        },
    )


@role_required(Role.MERCHANT_OWNER)
@require_POST
def store_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    merchant = selectors.merchant_for_owner(user=request.user)
    form = StoreForm(request.POST)
    if merchant is None:
        messages.error(request, _("Fill in the application first."))
        return redirect("merchants:application")
    if form.is_valid():
        services.store_create(actor=request.user, merchant=merchant, **form.cleaned_data)
        messages.success(request, _("Store added."))
    else:
        messages.error(request, _("A store needs a name."))
    return redirect("merchants:stores")


@role_required(*MANAGER_ROLES)
@require_POST
def staff_invite(request: AuthenticatedHttpRequest, store_id: int) -> HttpResponse:
    try:
        store = selectors.store_get_for_manager(user=request.user, store_id=store_id)
    except StoreForbidden as error:
        raise PermissionDenied(error.message) from error
    form = StaffInviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the cashier's name and a valid e-mail address."))
        return redirect("merchants:stores")
    try:
        services.staff_invite(
            actor=request.user,
            store=store,
            base_url=request.build_absolute_uri("/").rstrip("/"),
            **form.cleaned_data,
        )
    except FacePayError as error:
        refuse_or_message(request, error)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
    return redirect("merchants:stores")


@role_required(*MANAGER_ROLES)
@require_POST
def staff_remove(request: AuthenticatedHttpRequest, staff_id: int) -> HttpResponse:
    assignment = StoreStaff.objects.select_related("store__merchant").filter(pk=staff_id).first()
    if assignment is None:
        raise PermissionDenied
    try:
        services.staff_remove(actor=request.user, assignment=assignment)
    except FacePayError as error:
        refuse_or_message(request, error)
    return redirect("merchants:stores")


def _secret_page(request: HttpRequest, credentials: services.TerminalCredentials) -> HttpResponse:
    response = render(request, "merchants/terminal_secret.html", {"credentials": credentials})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_register(request: AuthenticatedHttpRequest, store_id: int) -> HttpResponse:
    try:
        store = selectors.store_get_for_manager(user=request.user, store_id=store_id)
    except StoreForbidden as error:
        raise PermissionDenied(error.message) from error
    form = TerminalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A terminal needs a name."))
        return redirect("merchants:stores")
    try:
        credentials = services.terminal_register(
            actor=request.user, store=store, name=form.cleaned_data["name"]
        )
    except FacePayError as error:
        refuse_or_message(request, error)
        return redirect("merchants:stores")
    return _secret_page(request, credentials)


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_rotate(request: AuthenticatedHttpRequest, terminal_id: int) -> HttpResponse:
    try:
        terminal = selectors.terminal_get_for_manager(user=request.user, terminal_id=terminal_id)
        credentials = services.terminal_rotate_secret(actor=request.user, terminal=terminal)
    except FacePayError as error:
        refuse_or_message(request, error)
        return redirect("merchants:stores")
    return _secret_page(request, credentials)


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_revoke(request: AuthenticatedHttpRequest, terminal_id: int) -> HttpResponse:
    try:
        terminal = selectors.terminal_get_for_manager(user=request.user, terminal_id=terminal_id)
        services.terminal_revoke(actor=request.user, terminal=terminal)
    except FacePayError as error:
        refuse_or_message(request, error)
    else:
        messages.success(request, _("Terminal revoked."))
    return redirect("merchants:stores")
