"""The receipt program's charts, drawn on the server as SVG: the geometry here, the markup in
``receipts/console/_charts.html`` (no script, no style attribute, nothing from elsewhere).

- receipts per month: one column a month, stacked by outcome (approved, rejected, still open);
- the approval rate per month: of the receipts decided, the share approved;
- the top reasons of rejection: one bar a reason, longest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from receipts.selectors import MonthFigures

WIDTH, HEIGHT = 720, 200
LEFT, BOTTOM, TOP = 48, 22, 10  # room for the axis' labels
REASON_ROW, REASON_LABEL = 26, 300  # a reason's row height, and the room for its text


@dataclass(frozen=True)
class Segment:
    kind: str  # "approved", "rejected" or "open"
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    month: date
    sent: int
    rate: int  # approval rate, percent of the receipts decided
    x: float
    width: float
    segments: list[Segment]
    rate_y: float
    rate_height: float


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    left: int
    baseline: float
    peak: int
    columns: list[Column]


def month_chart(months: list[MonthFigures]) -> MonthChart:
    """Oldest month on the left. Heights scale to the busiest month (the receipts) and to 100 % (the
    approval rate)."""
    ordered = sorted(months, key=lambda m: m.month)
    peak = max([m.sent for m in ordered] + [0])
    plot_width, plot_height = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    slot = plot_width / max(len(ordered), 1)
    baseline = TOP + plot_height
    columns = []
    for n, m in enumerate(ordered):
        top: float = baseline
        segments = []
        stack = (("approved", m.approved), ("rejected", m.rejected), ("open", m.sent - m.approved - m.rejected))
        for kind, value in stack:
            height = round(plot_height * value / peak, 2) if peak else 0.0
            top = round(top - height, 2)
            segments.append(Segment(kind, value, top, height))
        rate_height = round(plot_height * m.approval_rate / 100, 2)
        x, width = round(LEFT + n * slot + slot * 0.15, 2), round(slot * 0.7, 2)
        columns.append(
            Column(m.month, m.sent, m.approval_rate, x, width, segments, round(baseline - rate_height, 2), rate_height)
        )
    return MonthChart(WIDTH, HEIGHT, LEFT, baseline, peak, columns)


@dataclass(frozen=True)
class ReasonBar:
    code: str
    label: str
    value: int
    y: int
    width: float


@dataclass(frozen=True)
class ReasonChart:
    width: int
    height: int
    label_width: int
    bars: list[ReasonBar]


def reasons_chart(reasons: list[tuple[str, str, int]]) -> ReasonChart:
    """One bar a reason of rejection (code, text, count), scaled to the most frequent."""
    peak = max([n for _code, _label, n in reasons] + [0])
    room = WIDTH - REASON_LABEL - 40
    bars = [
        ReasonBar(code, label, n, index * REASON_ROW, round(room * n / peak, 2) if peak else 0.0)
        for index, (code, label, n) in enumerate(reasons)
    ]
    return ReasonChart(WIDTH, max(len(bars), 1) * REASON_ROW, REASON_LABEL, bars)
