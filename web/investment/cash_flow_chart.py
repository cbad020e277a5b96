"""A holding's cash flows over time as a server-rendered SVG (no JavaScript; drawn by
templates/invest/_cash_flow_chart.html): a bar a day (paid in below the axis, money back above
it, payments still to come hollow) and the running net position as a line. The figures are
Money (integers); only the geometry is float."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from adapters.portfolio_queries import Holding
from domain.kernel.money import Money

WIDTH, HEIGHT, PAD, BAR = 640, 220, 36, 6


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    colour: str
    planned: bool
    title: str


@dataclass(frozen=True)
class Chart:
    label: str
    zero: float
    bars: list[Bar]
    net: str  # the polyline's points
    first: date
    last: date
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD
    bar: int = BAR


def cash_flow_chart(holding: Holding) -> Chart | None:
    by_day: dict[tuple[date, bool], int] = {}  # one bar a day: interest and capital together
    for f in holding.cash_flows:
        by_day[(f.on, False)] = by_day.get((f.on, False), 0) + f.amount.minor
    for p in holding.next_payments:
        by_day[(p.due_date, True)] = by_day.get((p.due_date, True), 0) + p.total.minor
    flows = [(on, amount, planned) for (on, planned), amount in by_day.items()]
    if not flows:
        return None
    first = min(d for d, _, _ in flows)
    last = max(d for d, _, _ in flows)
    span = max((last - first).days, 1)
    running, net = 0, []
    for on, amount, _ in sorted(f for f in flows if not f[2]):
        running += amount
        net.append((on, running))
    top = max([a for _, a, _ in flows] + [n for _, n in net] + [0])
    bottom = min([a for _, a, _ in flows] + [n for _, n in net] + [0])
    height = max(top - bottom, 1)

    def x(day: date) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * (day - first).days / span, 1)

    def y(amount: int) -> float:
        return round(PAD / 2 + (HEIGHT - PAD) * (top - amount) / height, 1)

    zero = y(0)
    bars = []
    for on, amount, planned in flows:
        upper, lower = sorted((y(amount), zero))
        what = "due" if planned else ("paid in" if amount < 0 else "received")
        bars.append(Bar(x(on) - BAR / 2, upper, max(round(lower - upper, 1), 1.0),
                        "#b3261e" if amount < 0 else "#1b6e3a", planned,
                        f"{on.isoformat()}: {what} "
                        f"{Money(abs(amount), holding.currency).display()}"))
    label = (f"Cash flows of your holding in {holding.project_title}: paid in "
             f"{holding.paid_in.display()}, received {holding.received.display()}")
    points = " ".join(f"{x(d)},{y(n)}" for d, n in net) if len(net) > 1 else ""
    return Chart(label, zero, bars, points, first, last)
