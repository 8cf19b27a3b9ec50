"""Customer portal pages: parse the form, call one service or selector, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import exports, forms, selectors, services, sms
from customers import wallet as wallet_port
from customers.api import client_agent, client_ip
from customers.models import BiometricDeletion, ConsentDocument, Customer
from facepay import money
from facepay.errors import FacePayError
from facepay.face.config import get_config
from facepay.models import User
from facepay.permissions import AuthenticatedHttpRequest, role_required

CustomerView = Callable[..., HttpResponse]


def customer_page(view: CustomerView) -> Callable[..., HttpResponseBase]:
    """Customer role only; the view gets the signed-in user's own customer row."""

    @role_required(User.Role.CUSTOMER)
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            customer = selectors.customer_for_user(user=request.user)
        except FacePayError as exc:
            raise Http404(exc.message) from exc
        return view(request, customer, *args, **kwargs)

    return wrapper


def refuse(request: HttpRequest, exc: FacePayError) -> None:
    messages.error(request, f"{exc.message} ({exc.code})")


def _status(customer: Customer) -> dict[str, Any]:
    return {
        "is_phone_verified": customer.is_phone_verified,
        "has_consent": selectors.consent_is_complete(customer=customer),
        "template": selectors.face_template_for(customer=customer),
    }


# --- sign-up, phone, profile ------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_sign_up(**form.cleaned_data, ip_address=client_ip(request))
        except FacePayError as exc:
            refuse(request, exc)
        else:
            login(request, customer.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! We have texted you a code."))
            return redirect("customers:verify_phone")
    return render(request, "customers/signup.html", {"form": form})


@customer_page
@require_http_methods(["GET", "POST"])
def verify_phone(request: AuthenticatedHttpRequest, customer: Customer) -> HttpResponse:
    form = forms.CodeForm(request.POST if request.POST.get("action") == "verify" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                services.phone_verification_send(user=request.user)
                messages.success(request, _("A new code is on its way."))
                return redirect("customers:verify_phone")
            if form.is_valid():
                services.phone_verification_confirm(
                    user=request.user, code=form.cleaned_data["code"]
                )
                messages.success(request, _("Your phone number is verified."))
                return redirect("customers:consent")
        except FacePayError as exc:
            refuse(request, exc)
    is_development_sender = settings.DEBUG and sms.is_development_sender()
    return render(
        request,
        "customers/verify_phone.html",
        {"form": form, "customer": customer, "is_development_sender": is_development_sender},
    )


@customer_page
@require_http_methods(["GET", "POST"])
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    form = forms.ProfileForm(
        request.POST or None, initial={"display_name": customer.user.display_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_profile_update(
                customer=customer, display_name=form.cleaned_data["display_name"]
            )
        except FacePayError as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:home")
    balance_minor = wallet_port.book().balance_minor(
        customer_id=customer.pk, currency=customer.currency
    )
    return render(
        request,
        "customers/home.html",
        {"customer": customer, "form": form, "balance_minor": balance_minor, **_status(customer)},
    )


# --- consent ------------------------------------------------------------------------------------
@customer_page
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, customer: Customer) -> HttpResponse:
    if request.method == "POST":
        purpose = request.POST.get("purpose", "")
        try:
            if purpose not in ConsentDocument.Purpose.values:
                raise Http404
            if request.POST.get("action") == "give":
                services.consent_give(
                    customer=customer,
                    purpose=purpose,
                    document_sha256=request.POST.get("document_sha256") or None,
                    ip_address=client_ip(request),
                    user_agent=client_agent(request),
                )
                messages.success(request, _("Consent given."))
            elif request.POST.get("action") == "withdraw":
                services.consent_withdraw(
                    customer=customer,
                    purpose=purpose,
                    ip_address=client_ip(request),
                    user_agent=client_agent(request),
                )
                messages.success(
                    request, _("Consent withdrawn. Any face template was deleted at once.")
                )
        except FacePayError as exc:
            refuse(request, exc)
        return redirect("customers:consent")
    services.consent_documents_ensure()
    state = selectors.consent_state(customer=customer)
    documents = [
        {"document": document, "record": state[document.purpose]}
        for document in selectors.consent_documents_current()
    ]
    chain = selectors.consent_chain(customer=customer)
    return render(
        request,
        "customers/consent.html",
        {
            "customer": customer,
            "documents": documents,
            "history": list(reversed(selectors.consent_history(customer=customer))),
            "chain": chain,
            **_status(customer),
        },
    )


@customer_page
def consent_record(request: HttpRequest, customer: Customer) -> HttpResponse:
    return exports.consent_record_response(customer)


# --- enrolment ----------------------------------------------------------------------------------
@customer_page
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Upload fallback (POST, multipart `images`); the camera path posts to the enrol API."""
    if request.method == "POST":
        limit = get_config().max_image_bytes  # one byte more is enough to refuse it
        images = [upload.read(limit + 1) for upload in request.FILES.getlist("images")[:4]]
        try:
            services.face_enrol(customer=customer, images=images, ip_address=client_ip(request))
        except FacePayError as exc:
            refuse(request, exc)
        else:
            messages.success(request, _("Your face is enrolled."))
        return redirect("customers:enrol")
    return render(
        request,
        "customers/enrol.html",
        {"customer": customer, "feedback_texts": _feedback_texts(), **_status(customer)},
    )


def _feedback_texts() -> dict[str, str]:
    """Live-feedback wording per engine code, for the camera page's script."""
    return {
        "looking": _("Looking for your face…"),
        "ok": _("Good picture: hold still…"),
        "enrolling": _("Making your template…"),
        "enrolled": _("Enrolled"),
        "no_face": _("No face found: look at the camera."),
        "multiple_faces": _("Several faces: only you should be in the picture."),
        "face_too_small": _("Too far away: come closer."),
        "face_blurred": _("Blurred: hold still."),
        "face_turned": _("Turned: look straight at the camera."),
        "face_badly_exposed": _("Too dark or too bright: find even light."),
        "spoof_suspected": _("We could not confirm a live person."),
        "enrolment_frames_inconsistent": _("The pictures do not show the same person."),
        "camera_unavailable": _("The camera is not available: upload photos instead."),
        "rate_limited": _("Too many pictures: wait a moment."),
        "error": _("Something went wrong: try again."),
    }


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
    withdraw_form = forms.CardMovementForm(
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
            move(
                customer_id=customer.pk,
                amount_minor=money.to_minor(data["amount"], customer.currency),
                currency=customer.currency,
                card_brand=data["card_brand"],
                card_last4=data["card_number"].replace(" ", "")[-4:],
                idempotency_key=data["idempotency_key"],
            )
        except FacePayError as exc:
            refuse(request, exc)
        else:
            messages.success(
                request,
                _("The money is on its way to your card.")
                if action == "withdraw"
                else _("Your wallet was topped up."),
            )
            return redirect("customers:wallet")
    lines = wallet_port.book().statement(customer_id=customer.pk)
    refunded = wallet_port.refunds_per_payment(lines)
    rows = [
        {
            "line": line,
            "refunded_minor": refunded.get(line.payment_id) if line.kind != "refund" else None,
        }
        for line in lines
    ]
    return render(
        request,
        "customers/wallet.html",
        {
            "customer": customer,
            "form": form,
            "withdraw_form": withdraw_form,
            "rows": rows,
            "balance_minor": balance_minor,
        },
    )


@customer_page
def receipt(request: HttpRequest, customer: Customer, payment_id: UUID) -> HttpResponse:
    lines = [
        line
        for line in wallet_port.book().statement(customer_id=customer.pk)
        if line.payment_id == payment_id
    ]
    if not lines:
        raise Http404
    payment = next((line for line in lines if line.kind != "refund"), lines[-1])
    refunds = [line for line in lines if line.kind == "refund"]
    return render(
        request,
        "customers/receipt.html",
        {"customer": customer, "payment": payment, "refunds": refunds, "payment_id": payment_id},
    )


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
            refuse(request, exc)
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
            refuse(request, exc)
    return render(
        request,
        "customers/privacy.html",
        {
            "customer": customer,
            "uses": exports.face_use_rows(customer=customer, limit=200),
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
