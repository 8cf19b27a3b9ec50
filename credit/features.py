"""Monthly credit features from merchant-level ledger aggregates (pure functions, no ORM).

The selector `credit.selectors.merchant_month_aggregates` fills `MonthAggregates` from the
payments tables; everything here is arithmetic on those plain numbers, so it is unit-testable
and recomputable by hand. Customers appear only as payment counts per (anonymous) customer:
never an identity, a name or anything derived from a face.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

GROWTH_MIN_COVERAGE_DAYS = 15  # a month with fewer traded-on-platform days cannot be compared


@dataclass(frozen=True)
class MonthAggregates:
    """One merchant's aggregates for the period month [period_start, period_end)."""

    period_start: date
    period_end: date  # exclusive: the first day of the next month
    daily_takings_minor: Mapping[date, int]  # captured amount per Asia/Shanghai day, in the period
    payment_count: int  # captured payments in the period
    gross_minor: int  # captured amount in the period
    refunds_minor: int  # refunds booked in the period
    dispute_count: int  # disputes opened in the period
    payments_per_customer: tuple[int, ...]  # one count per distinct paying customer; no ids
    monthly_gross_minor: Mapping[date, int]  # month start → captured amount, period and 6 before
    settled_days: int  # trading days of the period that have a settlement batch
    first_trade_date: date | None  # first capture ever, up to the period end
    onboarded_date: date | None  # the merchant's approval date
    sources: Mapping[str, str] = field(default_factory=dict)  # aggregate name → source query


@dataclass(frozen=True)
class FeatureValue:
    name: str
    value: float | None
    period_start: date
    period_end: date
    source: str  # the query (or queries) the value was computed from


@dataclass(frozen=True)
class FeatureSet:
    values: tuple[FeatureValue, ...]
    insufficient: tuple[str, ...]  # failed minimum-activity rules; empty = scoreable

    @property
    def is_sufficient(self) -> bool:
        return not self.insufficient

    def as_values(self) -> dict[str, float | None]:
        return {fv.name: fv.value for fv in self.values}


# Which aggregates each feature reads: its lineage.
FEATURE_SOURCES: dict[str, tuple[str, ...]] = {
    "revenue_level": ("gross",),
    "growth_3m": ("monthly_gross", "first_trade"),
    "growth_6m": ("monthly_gross", "first_trade"),
    "volatility": ("daily_takings", "first_trade"),
    "active_days": ("daily_takings",),
    "unique_customers": ("customers",),
    "repeat_share": ("customers",),
    "average_ticket": ("gross",),
    "refund_rate": ("refunds", "gross"),
    "dispute_rate": ("disputes", "gross"),
    "tenure": ("first_trade", "onboarded"),
    "settlement_regularity": ("settlements", "daily_takings"),
}

DEFAULT_MINIMUM_ACTIVITY: dict[str, int] = {"history_days": 60, "active_days": 8, "payments": 30}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(first_of_month: date) -> date:
    """Exclusive end: the first day of the next month."""
    return add_months(first_of_month, 1)


def coverage_days(first_of_month: date, first_trade_date: date | None) -> int:
    """Days of the month on or after the merchant's first trade."""
    days = calendar.monthrange(first_of_month.year, first_of_month.month)[1]
    if first_trade_date is None:
        return 0
    end = first_of_month + timedelta(days=days)
    start = max(first_of_month, first_trade_date)
    return max(0, (end - start).days)


def average_daily_minor(aggregates: MonthAggregates, first_of_month: date) -> float | None:
    covered = coverage_days(first_of_month, aggregates.first_trade_date)
    if covered < GROWTH_MIN_COVERAGE_DAYS:
        return None
    return aggregates.monthly_gross_minor.get(first_of_month, 0) / covered


def growth(aggregates: MonthAggregates, months: int) -> float | None:
    """Average daily takings of the period against the same `months` earlier, minus one."""
    now = average_daily_minor(aggregates, aggregates.period_start)
    then = average_daily_minor(aggregates, add_months(aggregates.period_start, -months))
    if now is None or then is None or then == 0:
        return None
    return now / then - 1


def volatility(aggregates: MonthAggregates) -> float | None:
    """Coefficient of variation (population sd / mean) of daily takings, days without sales
    counted as zero, over the period's days on or after the first trade."""
    start = aggregates.period_start
    if aggregates.first_trade_date is not None:
        start = max(start, aggregates.first_trade_date)
    days = (aggregates.period_end - start).days
    if days <= 0:
        return None
    series = [
        aggregates.daily_takings_minor.get(start + timedelta(days=offset), 0)
        for offset in range(days)
    ]
    mean = sum(series) / days
    if mean == 0:
        return None
    variance = sum((value - mean) ** 2 for value in series) / days
    return math.sqrt(variance) / mean


def compute_features(
    aggregates: MonthAggregates, minimum_activity: Mapping[str, int] | None = None
) -> FeatureSet:
    """All features of one merchant-month, plus the minimum-activity rules it fails."""
    rules = {**DEFAULT_MINIMUM_ACTIVITY, **(minimum_activity or {})}
    active_days = sum(1 for amount in aggregates.daily_takings_minor.values() if amount > 0)
    customers = len(aggregates.payments_per_customer)
    repeaters = sum(1 for count in aggregates.payments_per_customer if count >= 2)
    gross, count = aggregates.gross_minor, aggregates.payment_count
    starts = [d for d in (aggregates.first_trade_date, aggregates.onboarded_date) if d is not None]
    tenure = (aggregates.period_end - min(starts)).days if starts else None
    history = (
        (aggregates.period_end - aggregates.first_trade_date).days
        if aggregates.first_trade_date
        else 0
    )
    raw: dict[str, float | None] = {
        "revenue_level": float(gross),
        "growth_3m": growth(aggregates, 3),
        "growth_6m": growth(aggregates, 6),
        "volatility": volatility(aggregates),
        "active_days": float(active_days),
        "unique_customers": float(customers),
        "repeat_share": repeaters / customers if customers else None,
        "average_ticket": gross / count if count else None,
        "refund_rate": aggregates.refunds_minor / gross if gross else None,
        "dispute_rate": aggregates.dispute_count / count if count else None,
        "tenure": float(tenure) if tenure is not None else None,
        "settlement_regularity": aggregates.settled_days / active_days if active_days else None,
    }
    values = tuple(
        FeatureValue(
            name=name,
            value=None if value is None else round(value, 6),
            period_start=aggregates.period_start,
            period_end=aggregates.period_end,
            source="\n".join(
                aggregates.sources.get(source, source) for source in FEATURE_SOURCES[name]
            ),
        )
        for name, value in raw.items()
    )
    insufficient = []
    if history < rules["history_days"]:
        insufficient.append(f"history_days:{history}<{rules['history_days']}")
    if active_days < rules["active_days"]:
        insufficient.append(f"active_days:{active_days}<{rules['active_days']}")
    if count < rules["payments"]:
        insufficient.append(f"payments:{count}<{rules['payments']}")
    return FeatureSet(values=values, insufficient=tuple(insufficient))
