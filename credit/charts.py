"""Server-rendered SVG geometry for the score history chart (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from credit import scorecard
from credit.models import CreditScore

WIDTH, HEIGHT, PAD_X, PAD_Y = 640, 220, 48, 24


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    score: int
    label: str  # the scored month, YYYY-MM


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: tuple[ChartPoint, ...]
    polyline: str
    gridlines: tuple[tuple[float, int], ...]  # (y, score) for the tier cut-offs


def score_chart(history: Sequence[CreditScore], tiers: Sequence[Sequence[Any]]) -> Chart:
    """One point per scored row (insufficient-data rows are left out), 300 at the bottom."""
    scored = [row for row in history if row.score is not None]
    span = scorecard.SCORE_MAX - scorecard.SCORE_MIN

    def y_of(value: int) -> float:
        return round(
            HEIGHT - PAD_Y - (value - scorecard.SCORE_MIN) / span * (HEIGHT - 2 * PAD_Y), 1
        )

    step = (WIDTH - 2 * PAD_X) / max(len(scored) - 1, 1)
    points = tuple(
        ChartPoint(
            x=round(PAD_X + index * step, 1),
            y=y_of(row.score or 0),
            score=row.score or 0,
            label=f"{row.period_start:%Y-%m}",
        )
        for index, row in enumerate(scored)
    )
    grid = tuple(
        (y_of(int(cut)), int(cut)) for _tier, cut in tiers if int(cut) > scorecard.SCORE_MIN
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        gridlines=grid,
    )
