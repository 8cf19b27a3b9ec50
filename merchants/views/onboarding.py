"""Owner sign-up, the application and the operator's review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facepay.errors import FacePayError
from facepay.permissions import AuthenticatedHttpRequest, role_required
from merchants import selectors, services
from merchants.forms import (
    ApplicationForm,
    OwnerSignUpForm,
    ReviewDecisionForm,
)
from merchants.models import Merchant
from merchants.views.base import Role, refuse_or_message


def signup(request: HttpRequest) -> HttpResponse:
    """Public: create a merchant-owner login, sign in, continue to the application form."""
    form = OwnerSignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.merchant_owner_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
            phone=form.cleaned_data["phone"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("merchants:application")
    return render(request, "merchants/signup.html", {"form": form})


def _application_initial(merchant: Merchant | None) -> dict[str, str]:
    if merchant is None:
        return {}
    return {
        field: getattr(merchant, field)
        for field in (
            "name",
            "credit_code",
            "trade",
            "address",
            "owner_legal_name",
            "bank_name",
            "bank_account_holder",
        )
    }


@role_required(Role.MERCHANT_OWNER)
def application(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The owner's application: edit while draft / more information requested, else read."""
    merchant = selectors.merchant_for_owner(user=request.user)
    is_editable = merchant is None or merchant.status in services.EDITABLE_STATUSES
    form = ApplicationForm(initial=_application_initial(merchant))
    status = 200
    if request.method == "POST":
        form = ApplicationForm(request.POST, request.FILES)
        if not is_editable:
            messages.error(request, _("The application cannot be changed in its current status."))
            status = 409
        elif form.is_valid():
            try:
                merchant = services.merchant_application_save(
                    actor=request.user, merchant=merchant, **form.cleaned_data
                )
            except FacePayError as error:
                field = error.extra.get("field")
                form.add_error(field if isinstance(field, str) else None, error.message)
                status = 400
            else:
                messages.success(request, _("Application saved."))
                return redirect("merchants:application")
        else:
            status = 400
    history = merchant.status_changes.select_related("actor") if merchant else []
    return render(
        request,
        "merchants/application.html",
        {"form": form, "merchant": merchant, "is_editable": is_editable, "history": history},
        status=status,
    )


@role_required(Role.MERCHANT_OWNER)
@require_POST
def application_submit(request: AuthenticatedHttpRequest) -> HttpResponse:
    merchant = selectors.merchant_for_owner(user=request.user)
    if merchant is None:
        messages.error(request, _("Fill in the application first."))
        return redirect("merchants:application")
    try:
        services.merchant_application_submit(actor=request.user, merchant=merchant)
    except FacePayError as error:
        refuse_or_message(request, error)
    else:
        messages.success(request, _("Application submitted. We will e-mail you the decision."))
    return redirect("merchants:application")


@role_required(Role.MERCHANT_OWNER, Role.OPERATOR)
def licence(request: AuthenticatedHttpRequest, merchant_id: int) -> FileResponse:
    """The uploaded licence, for its owner and operators only."""
    merchant = get_object_or_404(Merchant, pk=merchant_id)
    if not (request.user.is_operator or merchant.owner_id == request.user.pk):
        raise PermissionDenied
    if not merchant.licence_file:
        raise Http404
    return FileResponse(
        merchant.licence_file.open("rb"),
        content_type=merchant.licence_content_type or "application/octet-stream",
    )


@role_required(Role.OPERATOR)
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "merchants/review_queue.html",
        {
            "queue": selectors.application_review_queue(),
            "decided": selectors.application_recently_decided(),
            "form": ReviewDecisionForm(),
        },
    )


REVIEW_ACTIONS = {
    "start_review": lambda actor, merchant, reason: services.merchant_review_start(
        actor=actor, merchant=merchant
    ),
    "approve": lambda actor, merchant, reason: services.merchant_approve(
        actor=actor, merchant=merchant, reason=reason
    ),
    "more_info": lambda actor, merchant, reason: services.merchant_request_more_info(
        actor=actor, merchant=merchant, reason=reason
    ),
    "reject": lambda actor, merchant, reason: services.merchant_reject(
        actor=actor, merchant=merchant, reason=reason
    ),
}


@role_required(Role.OPERATOR)
@require_POST
def review_decide(request: HttpRequest, merchant_id: int) -> HttpResponse:
    merchant = get_object_or_404(Merchant, pk=merchant_id)
    form = ReviewDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("merchants:review_queue")
    try:
        REVIEW_ACTIONS[form.cleaned_data["decision"]](
            request.user, merchant, form.cleaned_data["reason"]
        )
    except FacePayError as error:
        refuse_or_message(request, error)
    else:
        merchant.refresh_from_db()
        messages.success(request, f"{merchant.name}: {merchant.get_status_display()}")
    return redirect("merchants:review_queue")
