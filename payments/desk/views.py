"""Refund and dispute pages. Each parses its form, calls one payments service, and renders."""

from __future__ import annotations

import uuid
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from facepay import money
from facepay.errors import FacePayError
from facepay.models import User
from facepay.pages import refuse
from facepay.permissions import AuthenticatedHttpRequest, role_required
from payments import errors, selectors, services
from payments.desk import forms
from payments.desk import selectors as desk_selectors
from payments.models import Dispute

NOT_ME_REASON = "这不是我 / This was not me (receipt)"


# --- the merchant's payment page: refunds ---------------------------------------------------------
@role_required(*desk_selectors.REFUNDER_ROLES)
@require_http_methods(["GET", "POST"])
def payment_detail(request: AuthenticatedHttpRequest, payment_id: UUID) -> HttpResponse:
    """A payment with its refunds; POST "review" shows the confirmation, POST "confirm" refunds."""
    try:
        attempt = desk_selectors.payment_for_refunder(user=request.user, payment_id=payment_id)
    except errors.AttemptNotFound as exc:
        raise Http404 from exc
    action = request.POST.get("action", "")
    form = forms.RefundForm(
        request.POST if request.method == "POST" else None,
        initial={
            "amount": money.to_major(attempt.refundable_minor, attempt.currency),
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        amount_minor = money.to_minor(data["amount"], attempt.currency)
        if action == "confirm":
            try:
                services.refund_create(
                    attempt_id=attempt.public_id,
                    amount_minor=amount_minor,
                    idempotency_key=data["idempotency_key"],
                    reason=data["reason"],
                    requested_by=request.user,
                    store_ids=desk_selectors.store_ids_for_refunds(user=request.user),
                )
            except FacePayError as exc:
                refuse(request, exc)
            else:
                messages.success(
                    request,
                    _("Refunded %(amount)s to the customer's wallet.")
                    % {"amount": money.format_minor(amount_minor, attempt.currency)},
                )
                return redirect("payments:payment_detail", payment_id=attempt.public_id)
        else:
            confirming = True
    return render(
        request,
        "payments/payment_detail.html",
        {
            "payment": attempt,
            "refunds": list(attempt.refunds.select_related("dispute").order_by("created_at", "pk")),
            "form": form,
            "confirming": confirming,
            "refund_minor": (
                money.to_minor(form.cleaned_data["amount"], attempt.currency) if confirming else 0
            ),
        },
    )


# --- the customer's receipt: "this was not me" ----------------------------------------------------
@role_required(User.Role.CUSTOMER)
@require_POST
def receipt_dispute(request: AuthenticatedHttpRequest, payment_id: UUID) -> HttpResponse:
    """Open a dispute on one of the customer's payments, from its receipt."""
    try:
        customer_id = selectors.customer_id_for_user(user=request.user)
    except FacePayError as exc:
        raise Http404 from exc
    form = forms.DisputeForm(request.POST)
    reason = (form.cleaned_data["reason"] if form.is_valid() else "").strip()
    try:
        services.dispute_open(
            customer_id=customer_id, attempt_id=payment_id, reason=reason or NOT_ME_REASON
        )
    except errors.AttemptNotFound as exc:
        raise Http404 from exc
    except FacePayError as exc:
        refuse(request, exc)
    else:
        messages.success(
            request,
            _(
                "We opened a dispute. An operator will look at this payment and tell you "
                "the outcome."
            ),
        )
    return redirect("customers:receipt", payment_id=payment_id)


# --- the operator's dispute desk (ops area) -------------------------------------------------------
@role_required(User.Role.OPERATOR)
def dispute_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", Dispute.Status.OPEN)
    disputes = desk_selectors.dispute_list_for_operator(status=status)
    page = Paginator(disputes, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/disputes.html",
        {"page": page, "status": status, "statuses": Dispute.Status.choices},
    )


@role_required(User.Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def dispute_detail(request: AuthenticatedHttpRequest, dispute_id: int) -> HttpResponse:
    """The dispute's evidence in yuan and local time; POST decides it (audit-logged)."""
    try:
        case = desk_selectors.dispute_file_for_operator(dispute_id=dispute_id)
    except errors.AttemptNotFound as exc:
        raise Http404 from exc
    form = forms.DisputeDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        is_upheld = form.cleaned_data["decision"] == "uphold"
        try:
            dispute = services.dispute_decide(
                dispute_id=dispute_id,
                decided_by=request.user,
                is_upheld=is_upheld,
                note=form.cleaned_data["note"],
            )
        except FacePayError as exc:
            refuse(request, exc)
        else:
            if dispute.refund is not None:
                messages.success(
                    request,
                    _("Dispute upheld: %(amount)s refunded to the customer.")
                    % {
                        "amount": money.format_minor(
                            dispute.refund.amount_minor, dispute.refund.currency
                        )
                    },
                )
            elif is_upheld:
                messages.success(request, _("Dispute upheld: nothing was left to refund."))
            else:
                messages.success(request, _("Dispute rejected."))
            return redirect("ops_disputes:detail", dispute_id=dispute_id)
    return render(request, "payments/dispute_detail.html", {"case": case, "form": form})
