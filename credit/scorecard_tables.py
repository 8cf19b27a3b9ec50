"""The scorecard's published data: the feature catalogue (labels, reason and improvement
texts in both languages) and the default points table, in the format credit.scorecard
describes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
