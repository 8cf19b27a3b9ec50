"""Merchant portal pages: parse the request, call one service or selector, render."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facepay.errors import FacePayError
from facepay.models import User
from facepay.money import CURRENCY_EXPONENTS
from facepay.permissions import role_required
from facepay.spreadsheets import SafeCsvWriter
from merchants import charts, dashboard, selectors, services
from merchants.errors import MerchantForbidden, StoreForbidden, TerminalForbidden
from merchants.forms import (
    ApplicationForm,
    DashboardFilterForm,
    OwnerSignUpForm,
    ReviewDecisionForm,
    StaffInviteForm,
    StoreForm,
    TerminalForm,
)
from merchants.models import Merchant, StoreStaff

Role = User.Role
PORTAL_ROLES = (Role.MERCHANT_OWNER, Role.STORE_STAFF, Role.OPERATOR)
MANAGER_ROLES = (Role.MERCHANT_OWNER, Role.OPERATOR)
FORBIDDEN = (MerchantForbidden, StoreForbidden, TerminalForbidden)


def _refuse_or_message(request: HttpRequest, error: FacePayError) -> None:
    """A scope refusal is a 403 page; any other refusal becomes a message on the page."""
    if isinstance(error, FORBIDDEN):
        raise PermissionDenied(error.message) from error
    messages.error(request, error.message)


def _dashboard_scope(request: HttpRequest) -> tuple[DashboardFilterForm, list[int], date, date]:
    """The filter form, the store ids to count and the period; refuses an unseen store."""
    stores = selectors.store_list_for_user(user=request.user).order_by("id")
    form = DashboardFilterForm(request.GET or None, stores=stores, today=dashboard.today_local())
    visible = list(stores.values_list("id", flat=True))
    store_ids = visible
    if requested := request.GET.get("store"):
        if not requested.isdigit() or int(requested) not in visible:
            raise PermissionDenied(_("You may not see this store."))
        store_ids = [int(requested)]
    start, end = form.period()
    return form, store_ids, start, end


@role_required(*PORTAL_ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The sales dashboard (owner: every store; cashier: assigned stores)."""
    user = request.user
    merchant = selectors.merchant_for_owner(user=user)
    if user.role == Role.MERCHANT_OWNER and (merchant is None or not merchant.is_approved):
        return render(request, "merchants/onboarding_status.html", {"merchant": merchant})
    form, store_ids, start, end = _dashboard_scope(request)
    figures = dashboard.dashboard(store_ids=store_ids, start=start, end=end)
    return render(
        request,
        "merchants/dashboard.html",
        {
            "form": form,
            "board": figures,
            "start": start,
            "end": end,
            "period_includes_today": start <= figures.today.start <= end,
            "store_ids": store_ids,
            "query": request.GET.urlencode(),
            "bars": charts.day_bars(figures.days),
            "heat": charts.heat_rects(list(figures.heat_rows())),
            "heat_rows": list(figures.heat_rows()),
            "chart": {
                "width": charts.CHART_WIDTH,
                "height": charts.CHART_HEIGHT,
                "heat_width": charts.HEAT_LEFT + 24 * charts.HEAT_CELL,
                "heat_height": charts.HEAT_TOP + 7 * charts.HEAT_CELL,
                "cell": charts.HEAT_CELL,
            },
            "hours": list(range(24)),
            "store_param": request.GET.get("store", ""),
            "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


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
def application(request: HttpRequest) -> HttpResponse:
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
                form.add_error(error.extra.get("field"), error.message)  # type: ignore[arg-type]
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
def application_submit(request: HttpRequest) -> HttpResponse:
    merchant = selectors.merchant_for_owner(user=request.user)
    if merchant is None:
        messages.error(request, _("Fill in the application first."))
        return redirect("merchants:application")
    try:
        services.merchant_application_submit(actor=request.user, merchant=merchant)
    except FacePayError as error:
        _refuse_or_message(request, error)
    else:
        messages.success(request, _("Application submitted. We will e-mail you the decision."))
    return redirect("merchants:application")


@role_required(Role.MERCHANT_OWNER, Role.OPERATOR)
def licence(request: HttpRequest, merchant_id: int) -> HttpResponse:
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
        _refuse_or_message(request, error)
    else:
        merchant.refresh_from_db()
        messages.success(request, f"{merchant.name}: {merchant.get_status_display()}")
    return redirect("merchants:review_queue")


@role_required(*PORTAL_ROLES)
def stores(request: HttpRequest) -> HttpResponse:
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
def store_create(request: HttpRequest) -> HttpResponse:
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
def staff_invite(request: HttpRequest, store_id: int) -> HttpResponse:
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
        _refuse_or_message(request, error)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
    return redirect("merchants:stores")


@role_required(*MANAGER_ROLES)
@require_POST
def staff_remove(request: HttpRequest, staff_id: int) -> HttpResponse:
    assignment = StoreStaff.objects.select_related("store__merchant").filter(pk=staff_id).first()
    if assignment is None:
        raise PermissionDenied
    try:
        services.staff_remove(actor=request.user, assignment=assignment)
    except FacePayError as error:
        _refuse_or_message(request, error)
    return redirect("merchants:stores")


def _secret_page(request: HttpRequest, credentials: services.TerminalCredentials) -> HttpResponse:
    response = render(request, "merchants/terminal_secret.html", {"credentials": credentials})
    response["Cache-Control"] = "no-store"
    return response


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_register(request: HttpRequest, store_id: int) -> HttpResponse:
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
        _refuse_or_message(request, error)
        return redirect("merchants:stores")
    return _secret_page(request, credentials)


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_rotate(request: HttpRequest, terminal_id: int) -> HttpResponse:
    try:
        terminal = selectors.terminal_get_for_manager(user=request.user, terminal_id=terminal_id)
        credentials = services.terminal_rotate_secret(actor=request.user, terminal=terminal)
    except FacePayError as error:
        _refuse_or_message(request, error)
        return redirect("merchants:stores")
    return _secret_page(request, credentials)


@role_required(*MANAGER_ROLES)
@require_POST
def terminal_revoke(request: HttpRequest, terminal_id: int) -> HttpResponse:
    try:
        terminal = selectors.terminal_get_for_manager(user=request.user, terminal_id=terminal_id)
        services.terminal_revoke(actor=request.user, terminal=terminal)
    except FacePayError as error:
        _refuse_or_message(request, error)
    else:
        messages.success(request, _("Terminal revoked."))
    return redirect("merchants:stores")


def _decimal(amount_minor: int, currency: str) -> str:
    return str(Decimal(amount_minor).scaleb(-CURRENCY_EXPONENTS.get(currency, 2)))


class _Echo:
    def write(self, value: str) -> str:
        return value


PAYMENT_CSV_HEADER = [
    "payment_id",
    "captured_at",
    "store",
    "terminal",
    "method",
    "amount_minor",
    "fee_minor",
    "refunded_minor",
    "currency",
    "amount",
    "fee",
]


@role_required(*PORTAL_ROLES)
def payments_csv(request: HttpRequest) -> HttpResponse:
    """Captured payments of the filtered stores and days as CSV (no customer identities)."""
    _form, store_ids, start, end = _dashboard_scope(request)
    rows = dashboard.payments_for_export(store_ids=store_ids, start=start, end=end)
    writer = SafeCsvWriter(_Echo())
    zone = timezone.get_current_timezone()

    def lines():  # type: ignore[no-untyped-def]
        yield writer.writerow(PAYMENT_CSV_HEADER)
        for attempt in rows.iterator():
            yield writer.writerow(
                [
                    attempt.public_id,
                    attempt.captured_at.astimezone(zone).isoformat(),
                    attempt.store.name,
                    attempt.terminal.name,
                    attempt.method,
                    attempt.amount_minor,
                    attempt.fee_minor,
                    attempt.refunded_minor,
                    attempt.currency,
                    _decimal(attempt.amount_minor, attempt.currency),
                    _decimal(attempt.fee_minor, attempt.currency),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payments-{start}-{end}.csv"'
    return response


def _settlement_merchant_ids(user: User) -> list[int]:
    if user.is_operator:
        return list(Merchant.objects.values_list("id", flat=True))
    return list(Merchant.objects.filter(owner=user).values_list("id", flat=True))


@role_required(*MANAGER_ROLES)
def settlements(request: HttpRequest) -> HttpResponse:
    batches = dashboard.settlement_batches(
        merchant_ids=_settlement_merchant_ids(request.user)
    ).select_related("merchant")
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    return render(request, "merchants/settlements.html", {"page": page})


SETTLEMENT_CSV_HEADER = [
    "business_date",
    "merchant",
    "currency",
    "payment_count",
    "refund_count",
    "gross_minor",
    "fees_minor",
    "refunds_minor",
    "net_minor",
    "created_at",
]


@role_required(*MANAGER_ROLES)
def settlements_csv(request: HttpRequest) -> HttpResponse:
    batches = dashboard.settlement_batches(
        merchant_ids=_settlement_merchant_ids(request.user)
    ).select_related("merchant")
    writer = SafeCsvWriter(_Echo())

    def lines():  # type: ignore[no-untyped-def]
        yield writer.writerow(SETTLEMENT_CSV_HEADER)
        for batch in batches.iterator():
            yield writer.writerow(
                [
                    batch.business_date.isoformat(),
                    batch.merchant.name,
                    batch.currency,
                    batch.payment_count,
                    batch.refund_count,
                    batch.gross_minor,
                    batch.fees_minor,
                    batch.refunds_minor,
                    batch.net_minor,
                    batch.created_at.isoformat(),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="settlements.csv"'
    return response
