"""Server-rendered SVG geometry for the dashboard charts (no JavaScript, no CDN)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from payments.sales.dashboard import DayTakings, HeatCell

CHART_WIDTH = 720
CHART_HEIGHT = 200
HEAT_CELL = 24
HEAT_LEFT = 40
HEAT_TOP = 20


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: DayTakings


@dataclass(frozen=True)
class HeatRect:
    x: int
    y: int
    opacity: float  # 0.05–1.0 by takings relative to the busiest hour
    cell: HeatCell


def day_bars(days: list[DayTakings]) -> list[Bar]:
    """One bar per day, scaled to the busiest day; empty days get a hairline."""
    if not days:
        return []
    top = max(day.gross_minor for day in days) or 1
    slot = CHART_WIDTH / len(days)
    width = max(slot * 0.8, 1.0)
    bars = []
    for index, day in enumerate(days):
        height = round(CHART_HEIGHT * day.gross_minor / top, 1) if day.gross_minor else 1.0
        bars.append(
            Bar(
                x=round(index * slot + (slot - width) / 2, 1),
                y=round(CHART_HEIGHT - height, 1),
                width=round(width, 1),
                height=height,
                day=day,
            )
        )
    return bars


def heat_rects(rows: list[tuple[int, list[HeatCell]]]) -> list[HeatRect]:
    """A 7 × 24 grid (Monday first), shaded by takings."""
    top = max((cell.gross_minor for _, cells in rows for cell in cells), default=0) or 1
    rects = []
    for row, (_weekday, cells) in enumerate(rows):
        for cell in cells:
            opacity = 0.05 + 0.95 * cell.gross_minor / top if cell.gross_minor else 0.0
            rects.append(
                HeatRect(
                    x=HEAT_LEFT + cell.hour * HEAT_CELL,
                    y=HEAT_TOP + row * HEAT_CELL,
                    opacity=round(opacity, 3),
                    cell=cell,
                )
            )
    return rects


@dataclass(frozen=True)
class AxisTick:
    position: float  # y for the value axis, x (bar centre) for the date axis
    gross_minor: int = 0
    day: date | None = None


@dataclass(frozen=True)
class DayAxes:
    values: list[AxisTick]  # 0, half and the busiest day's takings, bottom to top
    dates: list[AxisTick]  # at most MAX_DATE_LABELS dates, first and last always
    show_values: bool  # few enough bars to print each day's takings above its bar


MAX_DATE_LABELS = 8


def day_axes(days: list[DayTakings]) -> DayAxes:
    """The bar chart's axes: the value axis scaled like day_bars, dates under the bars."""
    if not days:
        return DayAxes(values=[], dates=[], show_values=False)
    top = max(day.gross_minor for day in days)
    values = [AxisTick(position=float(CHART_HEIGHT), gross_minor=0)]
    if top:
        values += [
            AxisTick(position=CHART_HEIGHT / 2, gross_minor=top // 2),
            AxisTick(position=0.0, gross_minor=top),
        ]
    slot = CHART_WIDTH / len(days)
    step = max(1, -(-len(days) // MAX_DATE_LABELS))
    indexes = sorted({*range(0, len(days), step), len(days) - 1})
    if len(indexes) > 1 and indexes[-1] - indexes[-2] < step:
        indexes.pop(-2)  # keep the last date's label clear of its neighbour
    dates = [
        AxisTick(position=round(index * slot + slot / 2, 1), day=days[index].day)
        for index in indexes
    ]
    return DayAxes(values=values, dates=dates, show_values=len(days) <= 14)
