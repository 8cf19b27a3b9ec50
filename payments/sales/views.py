"""The merchant portal's sales pages (mounted under /merchants/): the dashboard, the payments
CSV, settlements and their CSV. The viewer's stores and merchants come from merchants.selectors."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from facepay import money
from facepay.models import User
from facepay.parsing import parse_id
from facepay.permissions import AuthenticatedHttpRequest, role_required
from facepay.spreadsheets import SafeCsvWriter
from merchants import selectors
from merchants.errors import StoreForbidden
from merchants.forms import DashboardFilterForm
from payments import selectors as payment_selectors
from payments.sales import charts, dashboard

Role = User.Role
PORTAL_ROLES = (Role.MERCHANT_OWNER, Role.STORE_STAFF, Role.OPERATOR)
MANAGER_ROLES = (Role.MERCHANT_OWNER, Role.OPERATOR)


def _dashboard_scope(
    request: AuthenticatedHttpRequest,
) -> tuple[DashboardFilterForm, list[int], date, date]:
    """The filter form, the store ids to count and the period; refuses an unseen store. A form
    with errors (malformed store, a date out of range, a period over a year) counts the last
    30 days of no store; its caller answers 400."""
    stores = selectors.store_list_for_user(user=request.user).order_by("id")
    form = DashboardFilterForm(request.GET or None, stores=stores, today=dashboard.today_local())
    requested = request.GET.get("store") or ""
    store_id = parse_id(requested) if requested else None
    store_ids: list[int] = []  # a malformed store: the form reports it
    if not requested or store_id is not None:
        try:
            store_ids = selectors.store_ids_in_scope(user=request.user, store_id=store_id)
        except StoreForbidden as error:
            raise PermissionDenied(error.message) from error
    start, end = form.period()
    return form, store_ids, start, end


def _form_refusal(form: DashboardFilterForm) -> HttpResponse:
    """400 for a malformed filter: each error's stable code and message, one a line."""
    lines = [
        f"{error.code or 'invalid_input'}: {' '.join(error.messages)}"
        for errors in form.errors.as_data().values()
        for error in errors
    ]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


@role_required(*PORTAL_ROLES)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The sales dashboard (owner: every store; cashier: assigned stores)."""
    user = request.user
    merchant = selectors.merchant_for_owner(user=user)
    if user.role == Role.MERCHANT_OWNER and (merchant is None or not merchant.is_approved):
        return render(request, "merchants/onboarding_status.html", {"merchant": merchant})
    form, store_ids, start, end = _dashboard_scope(request)
    figures = dashboard.dashboard(store_ids=store_ids, start=start, end=end)
    status = 400 if form.is_bound and not form.is_valid() else 200
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
            "latest": dashboard.latest_payments_today(store_ids=store_ids),
            "is_owner": user.role == Role.MERCHANT_OWNER,
            "query": request.GET.urlencode(),
            "bars": charts.day_bars(figures.days),
            "axes": charts.day_axes(figures.days),
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
        status=status,
    )


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
def payments_csv(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Captured payments of the filtered stores and days as CSV (no customer identities)."""
    form, store_ids, start, end = _dashboard_scope(request)
    if form.is_bound and not form.is_valid():
        return _form_refusal(form)
    rows = dashboard.payments_for_export(store_ids=store_ids, start=start, end=end)
    writer = SafeCsvWriter(_Echo())
    zone = timezone.get_current_timezone()

    def lines():
        yield writer.writerow(PAYMENT_CSV_HEADER)
        for attempt in rows.iterator():
            captured_at = attempt.captured_at
            assert captured_at is not None  # noqa: S101 - the export lists captured payments
            yield writer.writerow(
                [
                    attempt.public_id,
                    captured_at.astimezone(zone).isoformat(),
                    attempt.store.name,
                    attempt.terminal.name,
                    attempt.method,
                    attempt.amount_minor,
                    attempt.fee_minor,
                    attempt.refunded_minor,
                    attempt.currency,
                    str(money.to_major(attempt.amount_minor, attempt.currency)),
                    str(money.to_major(attempt.fee_minor, attempt.currency)),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payments-{start}-{end}.csv"'
    return response


@role_required(*MANAGER_ROLES)
def settlements(request: AuthenticatedHttpRequest) -> HttpResponse:
    batches = payment_selectors.settlement_batches_for_user(user=request.user)
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
    "created_at (Asia/Shanghai)",
    "gross",
    "fees",
    "refunds",
    "net",
]


@role_required(*MANAGER_ROLES)
def settlements_csv(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """Settlement batches as CSV: fen columns for reconciliation (unchanged positions), then the
    same amounts in yuan with two decimals; times in Asia/Shanghai."""
    batches = payment_selectors.settlement_batches_for_user(user=request.user)
    writer = SafeCsvWriter(_Echo())
    zone = timezone.get_current_timezone()

    def lines():
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
                    batch.created_at.astimezone(zone).isoformat(timespec="seconds"),
                    *(
                        str(money.to_major(amount, batch.currency))
                        for amount in (
                            batch.gross_minor,
                            batch.fees_minor,
                            batch.refunds_minor,
                            batch.net_minor,
                        )
                    ),
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="settlements.csv"'
    return response
