"""An indicator's values against its target as an SVG drawn on the server (no script): the
points joined by a line, the target as a dashed line, dates along the bottom and the scale's
ends at the side. Pages show the same values as a table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from adapters.impact_queries import IndicatorView

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    on: date
    value: Decimal


@dataclass(frozen=True)
class IndicatorChart:
    width: int
    height: int
    points: list[ChartPoint]
    line: str  # the polyline's points attribute
    target_y: float
    low: Decimal
    high: Decimal
    low_y: float
    high_y: float
    first: date | None
    last: date | None
    left: int
    right: float
    bottom: float


def _scale(low: Decimal, high: Decimal, value: Decimal) -> float:
    span = high - low
    share = float((value - low) / span) if span else 0.5
    return round(TOP + (1 - share) * (HEIGHT - TOP - BOTTOM), 1)


def chart(indicator: IndicatorView) -> IndicatorChart:
    values = [v.value for v in indicator.values]
    figures = [*values, indicator.target, Decimal(0)]
    low, high = min(figures), max(figures)
    if high == low:
        high = low + 1
    days = [v.measured_on for v in indicator.values]
    first, last = (days[0], days[-1]) if days else (None, None)
    span = (last - first).days if first and last else 0
    plot = WIDTH - LEFT - RIGHT

    def x_of(day: date) -> float:
        if not span or first is None:
            return round(LEFT + plot / 2, 1)
        return round(LEFT + plot * (day - first).days / span, 1)

    points = [ChartPoint(x_of(v.measured_on), _scale(low, high, v.value), v.measured_on,
                         v.value) for v in indicator.values]
    return IndicatorChart(
        width=WIDTH, height=HEIGHT, points=points,
        line=" ".join(f"{p.x},{p.y}" for p in points),
        target_y=_scale(low, high, indicator.target), low=low, high=high,
        low_y=_scale(low, high, low), high_y=_scale(low, high, high), first=first, last=last,
        left=LEFT, right=WIDTH - RIGHT, bottom=HEIGHT - BOTTOM,
    )
