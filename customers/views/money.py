"""Customer portal pages: wallet, receipts, controls and data rights."""

from __future__ import annotations

import uuid
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import exports, face_log, forms, selectors, services
from customers import wallet as wallet_port
from customers.api import client_ip
from customers.models import BiometricDeletion, Customer
from customers.views.base import _status, customer_page
from facepay import money, pages, reauthentication, sign_in
from facepay.errors import FacePayError
from facepay.forms import client_address

STATEMENT_PAGE_SIZE = 50


# --- wallet -------------------------------------------------------------------------------------
@customer_page
@require_http_methods(["GET", "POST"])
def wallet(request: HttpRequest, customer: Customer) -> HttpResponse:
    balance_minor = wallet_port.book().balance_minor(
        customer_id=customer.pk, currency=customer.currency
    )
    action = request.POST.get("action", "top_up")
    posted = request.POST if request.method == "POST" else None  # a GET renders unbound forms
    form = forms.CardMovementForm(
        posted if action == "top_up" else None,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if request.method == "POST" and action == "reauthentication_code":
        sign_in.sign_in_code_send(
            username=request.user.get_username(), client=client_address(request)
        )
        messages.info(request, _("A one-time code is on its way to your phone."))
        return redirect("customers:wallet")
    withdraw_form = forms.WithdrawForm(
        posted if action == "withdraw" else None,
        prefix="withdraw",
        initial={
            "idempotency_key": uuid.uuid4().hex,
            "amount": money.to_major(balance_minor, customer.currency),
        },
    )
    bound = withdraw_form if action == "withdraw" else form
    if request.method == "POST" and bound.is_valid():
        data = bound.cleaned_data
        move = wallet_port.book().withdraw if action == "withdraw" else wallet_port.book().top_up
        try:
            services.require_open(customer)
            if action == "withdraw" and not reauthentication.is_recent(request):
                secret = data.get("password", "")
                reauthentication.reauthenticate(request=request, password=secret, code=secret)
            move(
                customer_id=customer.pk,
                amount_minor=money.to_minor(data["amount"], customer.currency),
                currency=customer.currency,
                card_brand=data["card_brand"],
                card_last4=data["card_number"].replace(" ", "")[-4:],
                idempotency_key=data["idempotency_key"],
            )
        except FacePayError as exc:
            pages.refuse(request, exc)
        else:
            messages.success(
                request,
                _("The money is on its way to your card.")
                if action == "withdraw"
                else _("Your wallet was topped up."),
            )
            return redirect("customers:wallet")
    lines = wallet_port.book().statement(customer_id=customer.pk)
    refunded = wallet_port.refunds_per_payment(lines)  # a refund may sit on another page
    # Newest first, a page at a time: a regular's statement runs to thousands of lines.
    page = Paginator(lines, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "line": line,
            "refunded_minor": refunded.get(line.payment_id) if line.kind != "refund" else None,
        }
        for line in page.object_list
    ]
    return render(
        request,
        "customers/wallet.html",
        {
            "customer": customer,
            "form": form,
            "withdraw_form": withdraw_form,
            "rows": rows,
            "page": page,
            "balance_minor": balance_minor,
        },
    )


@customer_page
def receipt(request: HttpRequest, customer: Customer, payment_id: UUID) -> HttpResponse:
    shown = wallet_port.book().receipt(customer_id=customer.pk, payment_id=payment_id)
    if shown is None:
        raise Http404
    return render(request, "customers/receipt.html", {"customer": customer, "receipt": shown})


# --- controls -----------------------------------------------------------------------------------
@customer_page
@require_http_methods(["GET", "POST"])
def controls(request: HttpRequest, customer: Customer) -> HttpResponse:
    action = request.POST.get("action")
    limits_form = forms.LimitsForm(
        request.POST if action == "limits" else None,
        initial={
            "per_payment_limit": money.to_major(
                customer.per_payment_limit_minor, customer.currency
            ),
            "daily_limit": money.to_major(customer.daily_limit_minor, customer.currency),
            "step_up_above": money.to_major(customer.step_up_above_minor, customer.currency),
            "confirm_free_up_to": money.to_major(
                customer.confirm_free_up_to_minor, customer.currency
            ),
        },
    )
    pin_form = forms.PinForm(request.POST if action == "pin" else None)
    issued = None
    if request.method == "POST":
        try:
            if action == "limits" and limits_form.is_valid():
                data = limits_form.cleaned_data
                services.customer_limits_update(
                    customer=customer,
                    per_payment_limit_minor=money.to_minor(
                        data["per_payment_limit"], customer.currency
                    ),
                    daily_limit_minor=money.to_minor(data["daily_limit"], customer.currency),
                    step_up_above_minor=money.to_minor(data["step_up_above"], customer.currency),
                    confirm_free_up_to_minor=money.to_minor(
                        data["confirm_free_up_to"], customer.currency
                    ),
                )
                messages.success(request, _("Limits saved."))
                return redirect("customers:controls")
            if action in {"freeze", "unfreeze"}:
                services.customer_face_pay_set(customer=customer, is_enabled=action == "unfreeze")
                messages.success(
                    request,
                    _("Face payment is on.") if action == "unfreeze" else _("Face payment is off."),
                )
                return redirect("customers:controls")
            if action == "pin" and pin_form.is_valid():
                services.payment_pin_set(customer=customer, pin=pin_form.cleaned_data["pin"])
                messages.success(request, _("Payment PIN saved."))
                return redirect("customers:controls")
            if action == "code":
                issued = services.payment_code_issue(customer=customer)
        except FacePayError as exc:
            pages.refuse(request, exc)
        customer.refresh_from_db()
    return render(
        request,
        "customers/controls.html",
        {
            "customer": customer,
            "limits_form": limits_form,
            "pin_form": pin_form,
            "issued": issued,
            "qr_svg": exports.qr_svg(issued.code) if issued else "",
        },
    )


@customer_page
@require_http_methods(["GET"])
def payment_code_state(request: HttpRequest, customer: Customer, code_id: int) -> HttpResponse:
    """The phone's one-time code page asks whether its code is still waiting to be used."""
    return JsonResponse({"state": selectors.payment_code_state(customer=customer, code_id=code_id)})


# --- rights -------------------------------------------------------------------------------------
@customer_page
@require_http_methods(["GET", "POST"])
def privacy(request: HttpRequest, customer: Customer) -> HttpResponse:
    close_form = forms.CloseAccountForm(
        request.POST if request.POST.get("action") == "close" else None
    )
    receipt_shown = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "delete_biometrics":
                receipt_shown = services.face_biometrics_delete(
                    customer=customer, reason=BiometricDeletion.Reason.CUSTOMER_REQUEST
                )
                messages.success(request, _("Your biometric data was deleted."))
            elif action == "close" and close_form.is_valid():
                services.customer_account_close(customer=customer, ip_address=client_ip(request))
                return render(request, "customers/closed.html", {})
        except FacePayError as exc:
            pages.refuse(request, exc)
    return render(
        request,
        "customers/privacy.html",
        {
            "customer": customer,
            "uses": face_log.face_payment_lines(customer=customer, limit=200),
            "deletions": selectors.biometric_deletion_list(customer=customer),
            "receipt_shown": receipt_shown,
            "close_form": close_form,
            **_status(customer),
        },
    )


@customer_page
def export(request: HttpRequest, customer: Customer, file_format: str) -> HttpResponse:
    if file_format == "json":
        return exports.json_response(customer)
    if file_format == "csv":
        return exports.csv_response(customer)
    raise Http404
