"""Charts per day, drawn on the server as SVG: the geometry here, the markup in
``adverification/console/_day_chart.html`` (no script, no style attribute, nothing from elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 720, 180
LEFT, BOTTOM, TOP = 48, 22, 10  # room for the axis' labels


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class DayChart:
    title: str
    width: int
    height: int
    left: int
    baseline: float
    peak: int
    bars: list[Bar]
    first: date
    last: date


def day_chart(*, title: str, start: date, end: date, values: dict[date, int]) -> DayChart:
    """One bar per day from ``start`` to ``end`` (a day with nothing is an empty slot), scaled to
    the highest."""
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    peak = max([values.get(day, 0) for day in days] + [0])
    plot_width, plot_height = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = plot_width / len(days)
    bars = []
    for n, day in enumerate(days):
        value = values.get(day, 0)
        height = round(plot_height * value / peak, 2) if peak else 0.0
        x = round(LEFT + n * slot + slot * 0.15, 2)
        bars.append(Bar(day, value, x, round(TOP + plot_height - height, 2), round(slot * 0.7, 2), height))
    return DayChart(title, WIDTH, HEIGHT, LEFT, TOP + plot_height, peak, bars, start, end)
