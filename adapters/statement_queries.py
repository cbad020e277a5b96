"""An investor's yearly statement: every cash flow of a calendar year per holding, each naming
why it happened (the commitment paid in, the schedule line, or the benefit report, tier and
agreement version) and its event's position in the log, with the year's totals per currency:
paid in, interest, capital and distributions received. Read from rm_investment_cash_flows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.portfolio_models import CAPITAL, DISTRIBUTION, INTEREST, PAID_IN
from domain.kernel.money import Money

FIRST_YEAR, LAST_YEAR = 2000, 2999
# The totals a statement gives, in this order: paid in is counted as a positive sum.
TOTALS = ((PAID_IN, "Paid in"), (INTEREST, "Interest received"),
          (CAPITAL, "Capital received"), (DISTRIBUTION, "Distributions received"))


def statement_year(text: str) -> int | None:
    """The year a statement is asked for ("2027"), or None when it is not one."""
    if len(text) != 4 or not text.isascii() or not text.isdigit():
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


@dataclass(frozen=True)
class StatementLine:
    on: date
    project_id: UUID
    project_title: str
    offer_id: UUID
    kind: str
    amount: Money  # signed: paid in is negative
    reason: str
    position: int


@dataclass
class StatementHolding:
    offer_id: UUID
    project_id: UUID
    project_title: str
    offer_kind: str
    currency: str
    lines: list[StatementLine] = field(default_factory=list)

    def total(self, kind: str) -> Money:
        return _total(self.lines, kind, self.currency)


@dataclass
class Statement:
    year: int
    holdings: list[StatementHolding]

    @property
    def currencies(self) -> list[str]:
        return sorted({h.currency for h in self.holdings})

    def total(self, kind: str, currency: str) -> Money:
        return _total([line for h in self.holdings for line in h.lines], kind, currency)

    def totals(self) -> list[tuple[str, str, str, Money]]:
        """(kind, label, currency, amount) for every total of every currency of the year."""
        return [(kind, label, currency, self.total(kind, currency))
                for currency in self.currencies for kind, label in TOTALS]


def _total(lines: list[StatementLine], kind: str, currency: str) -> Money:
    minor = sum(line.amount.minor for line in lines
                if line.kind == kind and line.amount.currency == currency)
    return Money(-minor if kind == PAID_IN else minor, currency)


class StatementQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]

    def statement(self, investor_id: UUID, year: int) -> Statement:
        f, o, p = t.investment_cash_flows.c, t.offers.c, t.projects.c
        rows = self._all(
            sa.select(f.on, f.offer_id, f.project_id, f.amount, f.currency, f.kind, f.reason,
                      f.position, o.kind.label("offer_kind"), p.title)
            .join(t.offers, o.id == f.offer_id).join(t.projects, p.id == f.project_id)
            .where(f.investor_id == investor_id, f.on >= date(year, 1, 1),
                   f.on <= date(year, 12, 31))
            .order_by(p.title, f.offer_id, f.on, f.position, f.seq))
        holdings: dict[UUID, StatementHolding] = {}
        for r in rows:
            holding = holdings.setdefault(r.offer_id, StatementHolding(
                r.offer_id, r.project_id, r.title, r.offer_kind, r.currency))
            holding.lines.append(StatementLine(
                r.on, r.project_id, r.title, r.offer_id, r.kind,
                Money(int(r.amount), r.currency), r.reason, int(r.position)))
        return Statement(year, list(holdings.values()))

    def statement_years(self, investor_id: UUID) -> list[int]:
        """The years with cash flows of this investor, latest first."""
        f = t.investment_cash_flows.c
        days = self._all(sa.select(f.on).where(f.investor_id == investor_id).distinct())
        return sorted({r.on.year for r in days}, reverse=True)
