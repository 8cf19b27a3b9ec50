"""Sales figures for the merchant dashboard: read-only queries over the payments app's rows.

The merchant portal's sales area lives in payments.sales because it reads the ledger; it is
mounted under /merchants/ by facepay.urls.

Everything is scoped to a set of stores (what the viewer may see) and to whole local days
(Asia/Shanghai) from `start` to `end` inclusive. Customers are only ever counted, never named.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

# The periods (choices, bounds, the resolver) belong to the filter the merchant portal shows.
from merchants.periods import MAX_PERIOD_DAYS as MAX_PERIOD_DAYS
from merchants.periods import PERIODS as PERIODS
from merchants.periods import period_resolve as period_resolve
from payments.models import PaymentAttempt, Refund


@dataclass(frozen=True)
class DayTakings:
    day: date
    payments: int
    gross_minor: int


@dataclass(frozen=True)
class HeatCell:
    weekday: int  # ISO: 1 = Monday … 7 = Sunday
    hour: int  # 0–23 local time
    payments: int
    gross_minor: int


@dataclass(frozen=True)
class Figures:
    """One period's figures, as settlement counts them: `fees_minor` is the capture fees minus
    the fee shares refunds handed back, and `net_minor` = gross − fees − refunds."""

    start: date
    end: date
    currency: str
    payments: int
    gross_minor: int
    fees_minor: int
    refunds: int
    refunds_minor: int
    net_minor: int
    average_ticket_minor: int  # gross / payments, half-even; 0 without payments
    unique_customers: int
    repeat_customers: int  # customers with two or more payments in the period


@dataclass(frozen=True)
class Dashboard:
    today: Figures
    period: Figures
    days: list[DayTakings] = field(default_factory=list)
    heat: list[HeatCell] = field(default_factory=list)

    @property
    def heat_max_minor(self) -> int:
        return max((cell.gross_minor for cell in self.heat), default=0)

    @property
    def days_max_minor(self) -> int:
        return max((day.gross_minor for day in self.days), default=0)

    def heat_rows(self) -> Iterator[tuple[int, list[HeatCell]]]:
        """(weekday, 24 cells) for Monday … Sunday, zeros filled in."""
        cells = {(c.weekday, c.hour): c for c in self.heat}
        for weekday in range(1, 8):
            yield (
                weekday,
                [cells.get((weekday, hour), HeatCell(weekday, hour, 0, 0)) for hour in range(24)],
            )


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in the current (Asia/Shanghai) time zone, as aware datetimes."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def today_local() -> date:
    return timezone.localdate()


def captured_payments(
    *, store_ids: Iterable[int], start: date, end: date, currency: str
) -> QuerySet[PaymentAttempt]:
    """Captured payments of these stores whose capture falls in the local days start…end."""
    since, until = local_bounds(start, end)
    return PaymentAttempt.objects.filter(
        store_id__in=list(store_ids),
        status=PaymentAttempt.Status.CAPTURED,
        currency=currency,
        captured_at__gte=since,
        captured_at__lt=until,
    )


def refunds_in(
    *, store_ids: Iterable[int], start: date, end: date, currency: str
) -> QuerySet[Refund]:
    """Refunds of these stores' payments made in the local days start…end."""
    since, until = local_bounds(start, end)
    return Refund.objects.filter(
        attempt__store_id__in=list(store_ids),
        currency=currency,
        created_at__gte=since,
        created_at__lt=until,
    )


def _half_even_division(numerator: int, denominator: int) -> int:
    if not denominator:
        return 0
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_EVEN))


def figures(
    *, store_ids: list[int], start: date, end: date, currency: str | None = None
) -> Figures:
    """The period's totals for these stores (read-only)."""
    currency = currency or settings.FACEPAY_CURRENCY
    payments = captured_payments(store_ids=store_ids, start=start, end=end, currency=currency)
    totals = payments.aggregate(count=Count("id"), gross=Sum("amount_minor"), fees=Sum("fee_minor"))
    per_customer = (
        payments.exclude(customer_id__isnull=True).values("customer_id").annotate(n=Count("id"))
    )
    counts = [row["n"] for row in per_customer]
    refund_totals = refunds_in(
        store_ids=store_ids, start=start, end=end, currency=currency
    ).aggregate(count=Count("id"), total=Sum("amount_minor"), fees=Sum("fee_minor"))
    count = totals["count"] or 0
    gross = totals["gross"] or 0
    fees = (totals["fees"] or 0) - (refund_totals["fees"] or 0)
    refunds_minor = refund_totals["total"] or 0
    return Figures(
        start=start,
        end=end,
        currency=currency,
        payments=count,
        gross_minor=gross,
        fees_minor=fees,
        refunds=refund_totals["count"] or 0,
        refunds_minor=refunds_minor,
        net_minor=gross - fees - refunds_minor,
        average_ticket_minor=_half_even_division(gross, count),
        unique_customers=len(counts),
        repeat_customers=sum(1 for n in counts if n >= 2),
    )


def takings_per_day(
    *, store_ids: list[int], start: date, end: date, currency: str | None = None
) -> list[DayTakings]:
    """One row per local day start…end (zeros included), oldest first."""
    currency = currency or settings.FACEPAY_CURRENCY
    rows = (
        captured_payments(store_ids=store_ids, start=start, end=end, currency=currency)
        .annotate(day=TruncDate("captured_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("id"), gross=Sum("amount_minor"))
    )
    by_day = {row["day"]: row for row in rows}
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        row = by_day.get(day)
        days.append(
            DayTakings(
                day=day, payments=row["count"] if row else 0, gross_minor=row["gross"] if row else 0
            )
        )
    return days


def takings_per_hour_of_week(
    *, store_ids: list[int], start: date, end: date, currency: str | None = None
) -> list[HeatCell]:
    """Captured payments per (ISO weekday, local hour) over the period; empty cells left out."""
    currency = currency or settings.FACEPAY_CURRENCY
    zone = timezone.get_current_timezone()
    rows = (
        captured_payments(store_ids=store_ids, start=start, end=end, currency=currency)
        .annotate(
            weekday=ExtractIsoWeekDay("captured_at", tzinfo=zone),
            hour=ExtractHour("captured_at", tzinfo=zone),
        )
        .values("weekday", "hour")
        .annotate(count=Count("id"), gross=Sum("amount_minor"))
        .order_by("weekday", "hour")
    )
    return [
        HeatCell(
            weekday=row["weekday"],
            hour=row["hour"],
            payments=row["count"],
            gross_minor=row["gross"],
        )
        for row in rows
    ]


def dashboard(
    *, store_ids: list[int], start: date, end: date, currency: str | None = None
) -> Dashboard:
    """Everything the dashboard page shows for these stores and days."""
    today = today_local()
    return Dashboard(
        today=figures(store_ids=store_ids, start=today, end=today, currency=currency),
        period=figures(store_ids=store_ids, start=start, end=end, currency=currency),
        days=takings_per_day(store_ids=store_ids, start=start, end=end, currency=currency),
        heat=takings_per_hour_of_week(store_ids=store_ids, start=start, end=end, currency=currency),
    )


def payments_for_export(
    *, store_ids: list[int], start: date, end: date, currency: str | None = None
) -> QuerySet[PaymentAttempt]:
    """Captured payments for the CSV export, oldest first (no customer identity)."""
    currency = currency or settings.FACEPAY_CURRENCY
    return (
        captured_payments(store_ids=store_ids, start=start, end=end, currency=currency)
        .select_related("store", "terminal")
        .order_by("captured_at", "id")
    )


def latest_payments_today(
    *, store_ids: list[int], limit: int = 10, currency: str | None = None
) -> list[PaymentAttempt]:
    """Today's (local day) latest captured payments of these stores, newest first: what the
    live feed shows, rendered by the server so a reload does not empty it."""
    today = today_local()
    currency = currency or settings.FACEPAY_CURRENCY
    return list(
        captured_payments(store_ids=store_ids, start=today, end=today, currency=currency)
        .select_related("store")
        .order_by("-captured_at", "-id")[:limit]
    )
