"""Credit reads: merchant-level ledger aggregates (read through payments.selectors)
and the finance office's and merchants' views of scores, always scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from credit import features, scorecard
from credit.models import CreditScore, ScoreContest, ScoreModel, ScoreOverride
from facepay.models import User
from merchants import selectors as merchant_selectors
from payments import selectors as payment_selectors

if TYPE_CHECKING:  # another app's model, named in type hints only
    from merchants.models import Merchant


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_zone())


def merchant_month_aggregates(
    *, merchant: Merchant, period_start: date
) -> features.MonthAggregates:
    """Merchant-level aggregates of one month from the ledger (through payments.selectors); reads
    only, no customer identity leaves the database (customers are counted, never named)."""
    period_end = features.month_end(period_start)
    zone = local_zone()
    ledger = payment_selectors.merchant_ledger_month(
        merchant_id=merchant.pk,
        start_at=local_midnight(period_start),
        end_at=local_midnight(period_end),
        history_at=local_midnight(features.add_months(period_start, -6)),
        period_start=period_start,
        period_end=period_end,
        zone=zone,
    )
    monthly: dict[date, int] = {}
    for day, total in ledger.history_daily_minor.items():
        month = features.month_start(day)
        monthly[month] = monthly.get(month, 0) + total
    daily = ledger.daily_takings_minor
    settled_days = len({day for day in ledger.settlement_dates if daily.get(day, 0) > 0})
    approved = merchant.approved_at.astimezone(zone).date() if merchant.approved_at else None
    first_at = ledger.first_capture_at
    return features.MonthAggregates(
        period_start=period_start,
        period_end=period_end,
        daily_takings_minor=daily,
        payment_count=ledger.payment_count,
        gross_minor=ledger.gross_minor,
        refunds_minor=ledger.refunds_minor,
        dispute_count=ledger.dispute_count,
        payments_per_customer=ledger.payments_per_customer,
        monthly_gross_minor=monthly,
        settled_days=settled_days,
        first_trade_date=first_at.astimezone(zone).date() if first_at else None,
        onboarded_date=approved,
        sources={
            **ledger.sources,
            "onboarded": f"merchants_merchant.approved_at WHERE id = {merchant.pk}",
        },
    )


def merchant_features(
    *, merchant: Merchant, period_start: date, model: ScoreModel
) -> features.FeatureSet:
    """Features of one merchant-month from the ledger, with the card's minimum-activity rules."""
    aggregates = merchant_month_aggregates(merchant=merchant, period_start=period_start)
    return features.compute_features(aggregates, model.table.get("minimum_activity"))


def active_model() -> ScoreModel:
    """The one active points table (a data migration seeds expert-1)."""
    return ScoreModel.objects.get(status=ScoreModel.Status.ACTIVE)


def scoreable_merchants() -> QuerySet[Merchant]:
    return merchant_selectors.merchant_list_approved()


# --- The finance office's and the merchant's views -------------------------------------------


def is_finance(user: User) -> bool:
    return user.is_authenticated and (user.role == User.Role.FINANCE_REVIEWER or user.is_operator)


@dataclass(frozen=True)
class RankedMerchant:
    merchant: Merchant
    score: CreditScore | None
    previous: CreditScore | None  # the latest score of an earlier month
    effective_tier: str  # the approved override's tier, else the score's
    override: ScoreOverride | None  # the approved override in force

    @property
    def change(self) -> int | None:
        if self.score is None or self.previous is None:
            return None
        if self.score.score is None or self.previous.score is None:
            return None
        return self.score.score - self.previous.score


def approved_override(score: CreditScore) -> ScoreOverride | None:
    return (
        score.overrides.filter(status=ScoreOverride.Status.APPROVED)
        .order_by("-decided_at", "-id")
        .first()
    )


def ranked_merchant(merchant: Merchant) -> RankedMerchant:
    scores = list(merchant.credit_scores.select_related("model").order_by("-computed_at", "-id"))
    latest = scores[0] if scores else None
    previous = None
    if latest is not None:
        previous = next((s for s in scores if s.period_start < latest.period_start), None)
    override = approved_override(latest) if latest is not None else None
    tier = override.new_tier if override else (latest.tier if latest else "")
    return RankedMerchant(merchant, latest, previous, tier, override)


def score_list_for_finance(
    *,
    user: User,
    trade: str = "",
    tier: str = "",
    change: str = "",
    insufficient: str = "",
) -> list[RankedMerchant]:
    """Approved merchants ranked by their latest score (insufficient data last); filters:
    trade, effective tier, score change since the previous month (up/down/flat), insufficient
    data (yes/no). Finance reviewers and operators only, else empty."""
    if not is_finance(user):
        return []
    merchants = scoreable_merchants()
    if trade:
        merchants = merchants.filter(trade=trade)
    rows = [ranked_merchant(m) for m in merchants]
    if tier:
        rows = [r for r in rows if r.effective_tier == tier]
    if insufficient == "yes":
        rows = [
            r for r in rows if r.score and r.score.status == CreditScore.Status.INSUFFICIENT_DATA
        ]
    elif insufficient == "no":
        rows = [r for r in rows if r.score and r.score.status == CreditScore.Status.SCORED]
    if change == "up":
        rows = [r for r in rows if (r.change or 0) > 0]
    elif change == "down":
        rows = [r for r in rows if (r.change or 0) < 0]
    elif change == "flat":
        rows = [r for r in rows if r.change == 0]
    rows.sort(key=lambda r: (-(r.score.score or 0) if r.score else 1, r.merchant.name))
    return rows


def priority_lists(*, user: User) -> dict[str, list[RankedMerchant]]:
    """Loans: effective tier A or B, best score first. Subsidies: tiers A–C with takings growing
    over 3 months (sound business with room to grow), fastest growth first."""
    rows = [
        r
        for r in score_list_for_finance(user=user)
        if r.score and r.score.status == CreditScore.Status.SCORED
    ]
    loans = [r for r in rows if r.effective_tier in ("A", "B")]

    def growth(row: RankedMerchant) -> float:
        value = row.score.inputs.get("growth_3m", {}).get("value") if row.score else None
        return float(value) if value is not None else 0.0

    subsidies = [r for r in rows if r.effective_tier in ("A", "B", "C") and growth(r) > 0]
    subsidies.sort(key=lambda r: -growth(r))
    return {"loans": loans, "subsidies": subsidies}


def merchant_for_finance(*, user: User, merchant_id: int) -> Merchant | None:
    if not is_finance(user):
        return None
    return scoreable_merchants().filter(pk=merchant_id).first()


def score_history(*, merchant: Merchant) -> list[CreditScore]:
    """Every score row of the merchant, oldest first (the chart reads left to right)."""
    return list(merchant.credit_scores.select_related("model").order_by("computed_at", "id"))


def merchants_owned_by(*, user: User) -> QuerySet[Merchant]:
    """The merchant owner's own businesses; nobody else's, whatever the id asked for."""
    if not user.is_authenticated or user.role != User.Role.MERCHANT_OWNER:
        return merchant_selectors.merchant_list_for_user(user=user).none()
    return merchant_selectors.merchant_list_for_user(user=user).order_by("pk")


def overrides_pending() -> QuerySet[ScoreOverride]:
    return ScoreOverride.objects.filter(status=ScoreOverride.Status.PENDING).select_related(
        "merchant", "score", "requested_by"
    )


def contests_open() -> QuerySet[ScoreContest]:
    return ScoreContest.objects.filter(status=ScoreContest.Status.OPEN).select_related(
        "merchant", "score", "requested_by"
    )


def scores_of_month(*, period_start: date) -> list[CreditScore]:
    """The latest score row per merchant for one month."""
    rows = CreditScore.objects.filter(period_start=period_start).order_by(
        "merchant_id", "-computed_at", "-id"
    )
    latest: dict[int, CreditScore] = {}
    for row in rows:
        latest.setdefault(row.merchant_id, row)
    return list(latest.values())


def scored_months() -> list[date]:
    return sorted(
        set(CreditScore.objects.values_list("period_start", flat=True).distinct()), reverse=True
    )


@dataclass(frozen=True)
class DriftLine:
    name: str  # a feature name, or "score"
    psi: float
    band: str  # stable / watch / shifted
    expected: tuple[int, ...]  # counts per bin, previous month
    actual: tuple[int, ...]  # counts per bin, this month


@dataclass(frozen=True)
class DriftReport:
    period_start: date | None
    previous_start: date | None
    lines: tuple[DriftLine, ...]
    merchants: int  # scored merchants this month


def drift_report(*, period_start: date | None = None) -> DriftReport:
    """PSI of every feature (binned with the active card's bins, missing values as a bin of
    their own) and of the score (fixed bands), this month against the month before."""
    months = scored_months()
    if period_start is None:
        period_start = months[0] if months else None
    if period_start is None:
        return DriftReport(None, None, (), 0)
    previous = features.add_months(period_start, -1)
    now_rows = [r for r in scores_of_month(period_start=period_start) if r.status == "scored"]
    old_rows = [r for r in scores_of_month(period_start=previous) if r.status == "scored"]
    if not now_rows or not old_rows:
        return DriftReport(period_start, previous, (), len(now_rows))
    table = active_model().table
    lines = []
    for name, spec in table["features"].items():
        bins = spec["bins"]
        expected = scorecard.bin_counts(
            bins, [r.inputs.get(name, {}).get("value") for r in old_rows]
        )
        actual = scorecard.bin_counts(bins, [r.inputs.get(name, {}).get("value") for r in now_rows])
        value = scorecard.psi(expected, actual)
        lines.append(
            DriftLine(name, value, scorecard.psi_band(value), tuple(expected), tuple(actual))
        )
    expected = scorecard.score_band_counts([r.score for r in old_rows if r.score is not None])
    actual = scorecard.score_band_counts([r.score for r in now_rows if r.score is not None])
    value = scorecard.psi(expected, actual)
    lines.append(
        DriftLine("score", value, scorecard.psi_band(value), tuple(expected), tuple(actual))
    )
    return DriftReport(period_start, previous, tuple(lines), len(now_rows))
