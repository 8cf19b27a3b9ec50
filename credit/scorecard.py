"""The scorecard as pure functions: feature values in, score + tier + reason codes out.

A points table is plain data (stored as JSON on `credit.models.ScoreModel`, one row per
version):

    {
      "base_points": 300,
      "tiers": [["A", 780], ["B", 700], ["C", 620], ["D", 540], ["E", 300]],
      "features": {
        "refund_rate": {"bins": [{"upper": 0.01, "points": 75}, …, {"upper": null, "points": 0}],
                        "missing_points": 30},
        …
      }
    }

A value falls in the first bin whose `upper` it is below (`null` = +infinity), the same
convention as optbinning's splits, so a learned card is stored in this format too. The score is
`base_points` + the points of every feature, clamped to the published 300–900 scale.

Reason codes are the features that cost the most points: shortfall = the feature's best points
minus the points it got. Only features that had a value (were actually scored) can be reasons.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCORE_MIN = 300
SCORE_MAX = 900
REASON_COUNT = 4

# PSI bands: stable, watch, shifted.
PSI_WATCH = 0.1
PSI_SHIFT = 0.25
PSI_FLOOR = 0.0001  # a bin share of zero would make ln() infinite; floor it as is customary


@dataclass(frozen=True)
class FeatureInfo:
    name: str
    label_en: str
    label_zh: str
    reason_en: str
    reason_zh: str
    improve_en: str
    improve_zh: str
    unit: str  # "minor" (fen), "ratio", "days", "count"


FEATURES: tuple[FeatureInfo, ...] = (
    FeatureInfo(
        "revenue_level",
        "Monthly takings",
        "月营业额",
        "Monthly takings are low",
        "月营业额偏低",
        "Grow the takings taken through FacePay; record all sales on the platform.",
        "提高通过刷脸支付收取的营业额；把全部销售记在平台上。",
        "minor",
    ),
    FeatureInfo(
        "growth_3m",
        "3-month growth",
        "3个月增长率",
        "Takings fell over the last 3 months",
        "近3个月营业额下降",
        "Stabilise and grow average daily takings against three months ago.",
        "稳定并提高日均营业额，使其高于三个月前。",
        "ratio",
    ),
    FeatureInfo(
        "growth_6m",
        "6-month growth",
        "6个月增长率",
        "Takings fell over the last 6 months",
        "近6个月营业额下降",
        "Build steady growth of average daily takings over half a year.",
        "半年内保持日均营业额稳定增长。",
        "ratio",
    ),
    FeatureInfo(
        "volatility",
        "Volatility of daily takings",
        "日营业额波动",
        "Daily takings are very uneven",
        "日营业额波动大",
        "Open on regular days and hours so takings are steadier from day to day.",
        "固定营业日和营业时间，使每日营业额更平稳。",
        "ratio",
    ),
    FeatureInfo(
        "active_days",
        "Active trading days",
        "营业天数",
        "Few days with sales",
        "有销售的天数少",
        "Trade on more days of the month.",
        "每月增加营业天数。",
        "days",
    ),
    FeatureInfo(
        "unique_customers",
        "Unique customers",
        "独立顾客数",
        "Few different customers",
        "顾客数量少",
        "Reach more customers: promotions, opening hours, visibility on the street.",
        "通过促销、延长营业时间、提高街面可见度吸引更多顾客。",
        "count",
    ),
    FeatureInfo(
        "repeat_share",
        "Repeat-customer share",
        "回头客占比",
        "Few customers come back",
        "回头客占比低",
        "Encourage customers to return: service quality, loyalty offers.",
        "提升服务质量、提供会员优惠，鼓励顾客再次光顾。",
        "ratio",
    ),
    FeatureInfo(
        "average_ticket",
        "Average ticket",
        "客单价",
        "Average ticket is small",
        "客单价偏低",
        "Offer bundles or add-ons that raise the average sale.",
        "提供套餐或搭配商品，提高每笔销售额。",
        "minor",
    ),
    FeatureInfo(
        "refund_rate",
        "Refund rate",
        "退款率",
        "High share of takings refunded",
        "退款金额占比高",
        "Reduce refunds: check goods before sale, describe products accurately.",
        "减少退款：售前检查商品，如实描述商品。",
        "ratio",
    ),
    FeatureInfo(
        "dispute_rate",
        "Dispute rate",
        "争议率",
        "Customers dispute payments",
        "顾客对付款提出争议",
        "Resolve complaints at the counter before they become disputes.",
        "在柜台及时处理投诉，避免形成争议。",
        "ratio",
    ),
    FeatureInfo(
        "tenure",
        "Tenure on the street",
        "经营时长",
        "Short trading history",
        "经营时间短",
        "Keep trading: the score improves as the trading record grows.",
        "持续经营：交易记录越长，评分越高。",
        "days",
    ),
    FeatureInfo(
        "settlement_regularity",
        "Settlement regularity",
        "结算规律性",
        "Settlements are irregular",
        "结算不规律",
        "Keep the settlement account valid so every trading day settles on time.",
        "保持结算账户有效，使每个营业日按时结算。",
        "ratio",
    ),
)
FEATURE_NAMES: tuple[str, ...] = tuple(info.name for info in FEATURES)
FEATURES_BY_NAME: dict[str, FeatureInfo] = {info.name: info for info in FEATURES}

# The expert card, version "expert-1": best points add up to 600 over a base of 300 = 900.
DEFAULT_TABLE: dict[str, Any] = {
    "base_points": 300,
    "tiers": [["A", 780], ["B", 700], ["C", 620], ["D", 540], ["E", 300]],
    "minimum_activity": {"history_days": 60, "active_days": 8, "payments": 30},
    "features": {
        "revenue_level": {  # fen in the month: ¥5k, ¥20k, ¥60k, ¥150k
            "bins": [
                {"upper": 500_000, "points": 0},
                {"upper": 2_000_000, "points": 20},
                {"upper": 6_000_000, "points": 40},
                {"upper": 15_000_000, "points": 55},
                {"upper": None, "points": 65},
            ],
            "missing_points": 0,
        },
        "growth_3m": {
            "bins": [
                {"upper": -0.2, "points": 0},
                {"upper": -0.05, "points": 15},
                {"upper": 0.05, "points": 30},
                {"upper": 0.2, "points": 40},
                {"upper": None, "points": 45},
            ],
            "missing_points": 20,
        },
        "growth_6m": {
            "bins": [
                {"upper": -0.2, "points": 0},
                {"upper": -0.05, "points": 12},
                {"upper": 0.05, "points": 24},
                {"upper": 0.2, "points": 32},
                {"upper": None, "points": 35},
            ],
            "missing_points": 15,
        },
        "volatility": {
            "bins": [
                {"upper": 0.35, "points": 65},
                {"upper": 0.6, "points": 45},
                {"upper": 0.9, "points": 25},
                {"upper": 1.3, "points": 10},
                {"upper": None, "points": 0},
            ],
            "missing_points": 0,
        },
        "active_days": {
            "bins": [
                {"upper": 10, "points": 0},
                {"upper": 18, "points": 20},
                {"upper": 24, "points": 40},
                {"upper": None, "points": 55},
            ],
            "missing_points": 0,
        },
        "unique_customers": {
            "bins": [
                {"upper": 10, "points": 0},
                {"upper": 30, "points": 20},
                {"upper": 80, "points": 35},
                {"upper": None, "points": 45},
            ],
            "missing_points": 0,
        },
        "repeat_share": {
            "bins": [
                {"upper": 0.1, "points": 0},
                {"upper": 0.25, "points": 20},
                {"upper": 0.4, "points": 40},
                {"upper": None, "points": 55},
            ],
            "missing_points": 0,
        },
        "average_ticket": {  # fen: ¥15, ¥40, ¥100
            "bins": [
                {"upper": 1_500, "points": 5},
                {"upper": 4_000, "points": 15},
                {"upper": 10_000, "points": 22},
                {"upper": None, "points": 25},
            ],
            "missing_points": 0,
        },
        "refund_rate": {
            "bins": [
                {"upper": 0.01, "points": 75},
                {"upper": 0.03, "points": 55},
                {"upper": 0.06, "points": 30},
                {"upper": 0.1, "points": 10},
                {"upper": None, "points": 0},
            ],
            "missing_points": 0,
        },
        "dispute_rate": {
            "bins": [
                {"upper": 0.001, "points": 50},
                {"upper": 0.005, "points": 35},
                {"upper": 0.01, "points": 15},
                {"upper": None, "points": 0},
            ],
            "missing_points": 0,
        },
        "tenure": {  # days
            "bins": [
                {"upper": 90, "points": 5},
                {"upper": 180, "points": 15},
                {"upper": 365, "points": 25},
                {"upper": 730, "points": 35},
                {"upper": None, "points": 40},
            ],
            "missing_points": 0,
        },
        "settlement_regularity": {
            "bins": [
                {"upper": 0.5, "points": 0},
                {"upper": 0.8, "points": 15},
                {"upper": 0.95, "points": 35},
                {"upper": None, "points": 45},
            ],
            "missing_points": 20,
        },
    },
}


@dataclass(frozen=True)
class FeaturePoints:
    name: str
    value: float | None
    bin_index: int | None  # None: the value was missing (not scored)
    points: int
    best_points: int

    @property
    def is_scored(self) -> bool:
        return self.bin_index is not None

    @property
    def shortfall(self) -> int:
        return self.best_points - self.points


@dataclass(frozen=True)
class Reason:
    code: str  # the feature name, e.g. "refund_rate"
    shortfall: int
    text_en: str
    text_zh: str
    improve_en: str
    improve_zh: str


@dataclass(frozen=True)
class ScoreResult:
    score: int
    tier: str
    points: tuple[FeaturePoints, ...]
    reasons: tuple[Reason, ...]


class InvalidTable(ValueError):
    """A points table that cannot score: unknown feature, unsorted bins, bad tiers."""


def validate_table(table: Mapping[str, Any]) -> None:
    """Raise InvalidTable unless the table is complete and well ordered."""
    features = table.get("features")
    if not isinstance(features, Mapping) or not features:
        raise InvalidTable("The table has no features.")
    for name, spec in features.items():
        if name not in FEATURES_BY_NAME:
            raise InvalidTable(f"Unknown feature {name!r}.")
        bins = spec.get("bins") if isinstance(spec, Mapping) else None
        if not bins:
            raise InvalidTable(f"Feature {name!r} has no bins.")
        uppers = [b.get("upper") for b in bins]
        if uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            raise InvalidTable(f"Only the last bin of {name!r} may be open-ended.")
        if any(a >= b for a, b in itertools.pairwise(uppers[:-1])):
            raise InvalidTable(f"Bins of {name!r} are not in increasing order.")
        if not all(isinstance(b.get("points"), int) for b in bins):
            raise InvalidTable(f"Points of {name!r} must be whole numbers.")
        if not isinstance(spec.get("missing_points", 0), int):
            raise InvalidTable(f"Missing points of {name!r} must be a whole number.")
    cutoffs = [cut for _tier, cut in table.get("tiers", [])]
    if not cutoffs or cutoffs != sorted(cutoffs, reverse=True):
        raise InvalidTable("Tier cut-offs must run from the highest tier down.")
    if not isinstance(table.get("base_points", 0), int):
        raise InvalidTable("Base points must be a whole number.")


def bin_index(bins: Sequence[Mapping[str, Any]], value: float) -> int:
    """Index of the bin holding `value`: the first whose upper edge it is below."""
    for index, spec in enumerate(bins):
        upper = spec["upper"]
        if upper is None or value < upper:
            return index
    return len(bins) - 1


def feature_points(name: str, spec: Mapping[str, Any], value: float | None) -> FeaturePoints:
    bins = spec["bins"]
    best = max(max(b["points"] for b in bins), int(spec.get("missing_points", 0)))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return FeaturePoints(name, None, None, int(spec.get("missing_points", 0)), best)
    index = bin_index(bins, value)
    return FeaturePoints(name, value, index, int(bins[index]["points"]), best)


def tier_for(score: int, tiers: Sequence[Sequence[Any]]) -> str:
    for tier, cutoff in tiers:
        if score >= cutoff:
            return str(tier)
    return str(tiers[-1][0])


def reasons_for(points: Sequence[FeaturePoints], count: int = REASON_COUNT) -> tuple[Reason, ...]:
    """The `count` scored features that cost the most points (ties: the table's feature order)."""
    order = {name: index for index, name in enumerate(FEATURE_NAMES)}
    costly = [fp for fp in points if fp.is_scored and fp.shortfall > 0]
    costly.sort(key=lambda fp: (-fp.shortfall, order.get(fp.name, len(order))))
    reasons = []
    for fp in costly[:count]:
        info = FEATURES_BY_NAME[fp.name]
        reasons.append(
            Reason(
                code=fp.name,
                shortfall=fp.shortfall,
                text_en=info.reason_en,
                text_zh=info.reason_zh,
                improve_en=info.improve_en,
                improve_zh=info.improve_zh,
            )
        )
    return tuple(reasons)


def score(table: Mapping[str, Any], values: Mapping[str, float | None]) -> ScoreResult:
    """Score one merchant's features with a points table (missing values get missing points)."""
    points = tuple(
        feature_points(name, spec, values.get(name)) for name, spec in table["features"].items()
    )
    raw = int(table.get("base_points", 0)) + sum(fp.points for fp in points)
    total = min(SCORE_MAX, max(SCORE_MIN, raw))
    return ScoreResult(
        score=total,
        tier=tier_for(total, table["tiers"]),
        points=points,
        reasons=reasons_for(points),
    )


# --- Population stability ---------------------------------------------------------------------


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index between two binned distributions (counts or shares).

    PSI = Σ (a − e) · ln(a / e) over the bins' shares; empty bins are floored at 0.0001.
    """
    if len(expected) != len(actual) or not expected:
        raise ValueError("Both distributions need the same, non-zero number of bins.")
    expected_total, actual_total = float(sum(expected)), float(sum(actual))
    if expected_total <= 0 or actual_total <= 0:
        raise ValueError("Each distribution needs at least one observation.")
    total = 0.0
    for e_count, a_count in zip(expected, actual, strict=True):
        e = max(e_count / expected_total, PSI_FLOOR)
        a = max(a_count / actual_total, PSI_FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def psi_band(value: float) -> str:
    """'stable' below 0.1, 'watch' from 0.1 to 0.25, 'shifted' above 0.25."""
    if value < PSI_WATCH:
        return "stable"
    if value <= PSI_SHIFT:
        return "watch"
    return "shifted"


def bin_counts(bins: Sequence[Mapping[str, Any]], values: Sequence[float | None]) -> list[int]:
    """Counts per bin of a feature's table, plus a last slot for missing values."""
    counts = [0] * (len(bins) + 1)
    for value in values:
        counts[len(bins) if value is None else bin_index(bins, value)] += 1
    return counts


SCORE_BANDS: tuple[int, ...] = (400, 500, 600, 650, 700, 750, 800, 850)  # upper edges


def score_band_counts(scores: Sequence[int]) -> list[int]:
    bins = [{"upper": edge} for edge in SCORE_BANDS] + [{"upper": None}]
    return bin_counts(bins, list(scores))[:-1]
