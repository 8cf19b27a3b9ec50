"""Credit test data: score rows built through the real scorecard from chosen feature values."""

from __future__ import annotations

from datetime import date

from credit import features, services
from credit.models import CreditScore, ScoreModel
from merchants.models import Merchant

TYPICAL: dict[str, float | None] = {
    "revenue_level": 3_000_000,
    "growth_3m": 0.02,
    "growth_6m": None,
    "volatility": 0.5,
    "active_days": 25,
    "unique_customers": 60,
    "repeat_share": 0.3,
    "average_ticket": 3_500,
    "refund_rate": 0.02,
    "dispute_rate": 0.0,
    "tenure": 300,
    "settlement_regularity": 1.0,
}


def score_row(
    merchant: Merchant,
    *,
    period_start: date = date(2026, 10, 1),
    values: dict[str, float | None] | None = None,
    insufficient: tuple[str, ...] = (),
    trigger: str = CreditScore.Trigger.MONTHLY,
) -> CreditScore:
    """A stored score row as the scoring service would write it for these feature values."""
    model = ScoreModel.objects.get(status=ScoreModel.Status.ACTIVE)
    end = features.month_end(period_start)
    feature_set = features.FeatureSet(
        values=tuple(
            features.FeatureValue(name, value, period_start, end, f"test:{name}")
            for name, value in {**TYPICAL, **(values or {})}.items()
        ),
        insufficient=insufficient,
    )
    return CreditScore.objects.create(
        merchant=merchant,
        period_start=period_start,
        period_end=end,
        model=model,
        trigger=trigger,
        **services._score_row_fields(feature_set, model),
    )
