"""The pure scorecard: points, tiers, reason codes (Must-show #2) and PSI (Must-show #3)."""

from __future__ import annotations

import math
import random

import pytest

from credit import scorecard

GOOD = {
    "revenue_level": 8_000_000,
    "growth_3m": 0.1,
    "growth_6m": 0.1,
    "volatility": 0.3,
    "active_days": 26,
    "unique_customers": 120,
    "repeat_share": 0.45,
    "average_ticket": 5_000,
    "refund_rate": 0.005,
    "dispute_rate": 0.0,
    "tenure": 400,
    "settlement_regularity": 1.0,
}


def test_default_table_is_valid_and_spans_the_scale() -> None:
    scorecard.validate_table(scorecard.DEFAULT_TABLE)
    features = scorecard.DEFAULT_TABLE["features"]
    best = sum(max(b["points"] for b in spec["bins"]) for spec in features.values())
    assert scorecard.DEFAULT_TABLE["base_points"] + best == scorecard.SCORE_MAX
    assert set(features) == set(scorecard.FEATURE_NAMES)


def test_score_sums_points_and_picks_the_tier() -> None:
    result = scorecard.score(scorecard.DEFAULT_TABLE, GOOD)
    by_name = {fp.name: fp.points for fp in result.points}
    assert by_name["revenue_level"] == 55  # ¥80k is in the ¥60k–¥150k bin
    assert by_name["volatility"] == 65
    assert result.score == 300 + sum(by_name.values()) == 874
    assert result.tier == "A"
    assert [r.code for r in result.reasons] == ["revenue_level", "growth_3m", "tenure", "growth_6m"]


def test_tier_cutoffs() -> None:
    tiers = scorecard.DEFAULT_TABLE["tiers"]
    assert [scorecard.tier_for(s, tiers) for s in (900, 780, 779, 700, 620, 540, 539, 300)] == [
        "A",
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
        "E",
    ]


def test_reason_codes_put_a_high_refund_rate_first() -> None:
    risky = {**GOOD, "refund_rate": 0.15, "volatility": 0.7}
    result = scorecard.score(scorecard.DEFAULT_TABLE, risky)
    assert result.reasons[0].code == "refund_rate"
    assert result.reasons[0].shortfall == 75
    assert result.reasons[0].text_en == "High share of takings refunded"
    assert result.reasons[0].text_zh == "退款金额占比高"
    assert result.reasons[0].improve_en
    assert result.reasons[0].improve_zh
    assert len(result.reasons) == scorecard.REASON_COUNT


def test_changing_only_the_refund_rate_changes_only_its_points() -> None:
    before = scorecard.score(scorecard.DEFAULT_TABLE, GOOD)
    after = scorecard.score(scorecard.DEFAULT_TABLE, {**GOOD, "refund_rate": 0.15})
    changed = {
        a.name: (a.points, b.points)
        for a, b in zip(before.points, after.points, strict=True)
        if a.points != b.points
    }
    assert changed == {"refund_rate": (75, 0)}
    assert before.score - after.score == 75


def test_missing_values_are_not_reasons() -> None:
    values = {**GOOD, "growth_3m": None, "growth_6m": None}
    result = scorecard.score(scorecard.DEFAULT_TABLE, values)
    points = {fp.name: fp for fp in result.points}
    assert points["growth_3m"].points == 20
    assert not points["growth_3m"].is_scored
    assert "growth_3m" not in [r.code for r in result.reasons]
    assert "growth_6m" not in [r.code for r in result.reasons]


def test_validate_table_refuses_unsorted_bins() -> None:
    table = {
        "base_points": 300,
        "tiers": [["A", 700], ["E", 300]],
        "features": {
            "tenure": {
                "bins": [
                    {"upper": 10, "points": 1},
                    {"upper": 5, "points": 2},
                    {"upper": None, "points": 3},
                ]
            }
        },
    }
    with pytest.raises(scorecard.InvalidTable):
        scorecard.validate_table(table)


def test_psi_equals_the_hand_worked_example() -> None:
    # Shares 25/25/25/25 % last month, 10/20/30/40 % this month:
    #   (0.10-0.25)·ln(0.10/0.25) = 0.1374436
    #   (0.20-0.25)·ln(0.20/0.25) = 0.0111572
    #   (0.30-0.25)·ln(0.30/0.25) = 0.0091161
    #   (0.40-0.25)·ln(0.40/0.25) = 0.0705005      sum = 0.2282174
    assert round(scorecard.psi([25, 25, 25, 25], [10, 20, 30, 40]), 4) == 0.2282
    assert round(scorecard.psi([0.25] * 4, [0.1, 0.2, 0.3, 0.4]), 7) == 0.2282174
    assert scorecard.psi_band(0.2282) == "watch"


def test_psi_bands() -> None:
    assert [scorecard.psi_band(v) for v in (0.0, 0.099, 0.1, 0.25, 0.2501)] == [
        "stable",
        "stable",
        "watch",
        "watch",
        "shifted",
    ]


def test_synthetic_drift_of_one_feature_moves_psi_past_the_shift_band() -> None:
    rng = random.Random(7)
    bins = scorecard.DEFAULT_TABLE["features"]["volatility"]["bins"]
    last_month = [rng.uniform(0.2, 1.0) for _ in range(400)]
    same = [rng.uniform(0.2, 1.0) for _ in range(400)]
    drifted = [value + 0.5 for value in same]  # daily takings became far more uneven
    stable = scorecard.psi(scorecard.bin_counts(bins, last_month), scorecard.bin_counts(bins, same))
    shifted = scorecard.psi(
        scorecard.bin_counts(bins, last_month), scorecard.bin_counts(bins, drifted)
    )
    assert scorecard.psi_band(stable) == "stable"
    assert shifted > 0.25
    assert scorecard.psi_band(shifted) == "shifted"


def test_psi_floors_empty_bins() -> None:
    value = scorecard.psi([10, 0], [5, 5])
    assert math.isfinite(value)
    assert value > 0.25
