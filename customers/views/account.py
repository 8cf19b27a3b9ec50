"""Customer portal pages: sign-up, phone, home, consent and enrolment."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers import errors, exports, forms, selectors, services, signup_session, sms
from customers import wallet as wallet_port
from customers.api import client_agent, client_ip
from customers.models import ConsentDocument, Customer
from customers.views.base import _status, customer_page
from facepay import pages
from facepay.errors import FacePayError
from facepay.face import burst
from facepay.permissions import AuthenticatedHttpRequest


# --- sign-up, phone, profile ------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:  # a taken phone is answered like a new one (its owner is texted instead)
            signup_session.sign_up_start(
                request=request, data=form.cleaned_data, ip_address=client_ip(request)
            )
        except FacePayError as exc:
            pages.refuse(request, exc)
        else:
            messages.success(request, _("Welcome! We have texted you a code."))
            return redirect("customers:verify_phone")
    return render(request, "customers/signup.html", {"form": form})


def _verify_phone_page(
    request: HttpRequest,
    *,
    customer: Customer | None,
    phone: str,
    resend: Callable[[], object],
    confirm: Callable[[str], object],
) -> HttpResponse:
    form = forms.CodeForm(request.POST if request.POST.get("action") == "verify" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                resend()
                messages.success(request, _("A new code is on its way."))
                return redirect("customers:verify_phone")
            if form.is_valid():
                confirm(form.cleaned_data["code"])
                messages.success(request, _("Your phone number is verified."))
                return redirect("customers:consent")
        except FacePayError as exc:
            pages.refuse(request, exc)
    is_development_sender = settings.DEBUG and sms.is_development_sender()
    return render(
        request,
        "customers/verify_phone.html",
        {
            "form": form,
            "customer": customer,
            "phone": phone,
            "is_development_sender": is_development_sender,
        },
    )


@require_http_methods(["GET", "POST"])
def verify_phone(request: HttpRequest) -> HttpResponseBase:
    """After a sign-up (not yet signed in: the session waits for the code) or later for a
    signed-in customer."""
    if request.user.is_authenticated or not signup_session.is_pending(request):
        return _verify_phone_signed_in(request)
    return _verify_phone_page(
        request,
        customer=None,
        phone=signup_session.pending_phone(request),
        resend=lambda: signup_session.sign_up_resend(request=request),
        confirm=lambda code: signup_session.sign_up_confirm(request=request, code=code),
    )


@customer_page
def _verify_phone_signed_in(request: AuthenticatedHttpRequest, customer: Customer) -> HttpResponse:
    return _verify_phone_page(
        request,
        customer=customer,
        phone=customer.user.phone,
        resend=lambda: services.phone_verification_send(user=request.user),
        confirm=lambda code: services.phone_verification_confirm(user=request.user, code=code),
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
            pages.refuse(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:home")
    balance_minor = wallet_port.book().balance_minor(
        customer_id=customer.pk, currency=customer.currency
    )
    return render(
        request,
        "customers/home.html",
        {
            "customer": customer,
            "form": form,
            "balance_minor": balance_minor,
            **_status(customer),
        },
    )


@customer_page
@require_http_methods(["POST"])
def face_pay_resume(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Signed in again: the customer resumes face pay paused after wrong phone digits."""
    services.customer_face_pay_resume(customer=customer)
    messages.success(request, _("Face pay is on again."))
    return redirect("customers:home")


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
            pages.refuse(request, exc)
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
    """The camera enrolment page (the page's script posts the burst to the enrol API). A POST
    is the old photo upload: refused with `burst_required`, a photo proves no live person."""
    if request.method == "POST":
        pages.refuse(
            request,
            errors.EnrolmentBurstRequired(
                _("Photos are not accepted for enrolment: use the camera below.")
            ),
        )
        return redirect("customers:enrol")
    return render(
        request,
        "customers/enrol.html",
        {
            "customer": customer,
            "feedback_texts": _feedback_texts(),
            "recording": burst.recording_shape(),
            **_status(customer),
        },
    )


def _feedback_texts() -> dict[str, str]:
    """Wording per step and refusal code, for the camera page's script."""
    return {
        "challenge_wait": _("Look at the camera…"),
        "recording": _("Recording: do the action shown above."),
        "enrolling": _("Making your template…"),
        "enrolled": _("Enrolled"),
        "no_face": _("No face found: look at the camera."),
        "multiple_faces": _("Several faces: only you should be in the picture."),
        "face_too_small": _("Too far away: come closer."),
        "face_blurred": _("Blurred: hold still."),
        "face_turned": _("Turned: look straight at the camera."),
        "face_badly_exposed": _("Too dark or too bright: find even light."),
        "face_too_dark": _("Too dark: find more light."),
        "face_too_bright": _("Too bright: step out of the strong light."),
        "spoof_suspected": _("We could not confirm a live person."),
        "liveness_face_missing": _("Liveness check failed: the face left the camera."),
        "liveness_face_changed": _("Liveness check failed: a different face appeared."),
        "liveness_challenge_too_early": _("Liveness check failed: the action came too early."),
        "liveness_challenge_not_performed": _(
            "Liveness check failed: the asked action was not seen."
        ),
        "liveness_planar_face": _("Liveness check failed: a flat picture (photo or screen)."),
        "liveness_passive_spoof": _("Liveness check failed: no live person confirmed."),
        "burst_required": _("Photos are not accepted for enrolment: use the camera below."),
        "burst_too_few_frames": _("The recording was too short: please try again."),
        "burst_too_many_frames": _("The recording was too long: please try again."),
        "burst_not_continuous": _("The recording was broken: please try again."),
        "burst_predates_challenge": _(
            "The recording was made before the challenge: please try again."
        ),
        "enrolment_challenge_used": _("This challenge was already used: press “Start” again."),
        "enrolment_challenge_expired": _("The challenge expired: press “Start” again."),
        "enrolment_challenge_invalid": _("This challenge is not valid: press “Start” again."),
        "consent_missing": _("Give both biometric consents before enrolling."),
        "camera_unavailable": _("The camera is not available: enrolment needs the camera."),
        "rate_limited": _("Too many tries: wait a moment."),
        "error": _("Something went wrong: try again."),
    }
