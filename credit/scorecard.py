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

from credit.scorecard_tables import DEFAULT_TABLE as DEFAULT_TABLE
from credit.scorecard_tables import FEATURE_NAMES as FEATURE_NAMES
from credit.scorecard_tables import FEATURES as FEATURES
from credit.scorecard_tables import FEATURES_BY_NAME as FEATURES_BY_NAME
from credit.scorecard_tables import FeatureInfo as FeatureInfo

SCORE_MIN = 300
SCORE_MAX = 900
REASON_COUNT = 4

# PSI bands: stable, watch, shifted.
PSI_WATCH = 0.1
PSI_SHIFT = 0.25
PSI_FLOOR = 0.0001  # a bin share of zero would make ln() infinite; floor it as is customary


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
