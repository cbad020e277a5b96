"""A city's liabilities: its community bonds outstanding and the payments due in the next 12
months, by each funded bond's schedule (`domain.investment.bonds`), with totals per currency.

A funded bond's principal is the capital its investors were called to pay in; it is issued on
the day its offer closes (a date investors know when they commit; interest runs from it), and
the schedule runs from that date whatever the pilot yields. "Outstanding" is the capital the
schedule leaves unpaid at the end of today; "due in the next 12 months" are the lines falling
due after today and on or before the same day 12 months later (interest and capital, each line
whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from domain.investment.bonds import (
    BondConditions,
    ScheduleLine,
    add_months,
    due_within,
    outstanding_on,
    schedule,
)
from domain.kernel.money import Money

HORIZON_MONTHS = 12


@dataclass(frozen=True)
class BondLiability:
    offer_id: UUID
    project_id: UUID
    project_title: str
    principal: Money
    issue_date: date
    maturity: date
    outstanding: Money
    due: tuple[ScheduleLine, ...]  # the lines due in the next 12 months

    @property
    def currency(self) -> str:
        return self.principal.currency

    @property
    def due_total(self) -> Money:
        return sum((line.total for line in self.due), Money.zero(self.currency))

    @property
    def due_interest(self) -> Money:
        return sum((line.interest for line in self.due), Money.zero(self.currency))

    @property
    def due_capital(self) -> Money:
        return sum((line.capital for line in self.due), Money.zero(self.currency))


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    outstanding: Money
    due_interest: Money
    due_capital: Money

    @property
    def due_total(self) -> Money:
        return self.due_interest + self.due_capital


def issue_date(offer_closes_at: datetime) -> date:
    """A funded bond's issue date: the day (UTC) its offer closes."""
    return offer_closes_at.astimezone(UTC).date()


def bond_liability(*, offer_id: UUID, project_id: UUID, project_title: str,
                   terms: Mapping[str, Any], principal: Money, issue_date: date,
                   today: date) -> BondLiability:
    """One funded bond as the city owes it on `today`."""
    bond = BondConditions.parse(terms).issue(principal, issue_date)
    lines = schedule(bond)
    until = add_months(today, HORIZON_MONTHS)
    return BondLiability(offer_id=offer_id, project_id=project_id, project_title=project_title,
                         principal=principal, issue_date=issue_date, maturity=bond.maturity,
                         outstanding=outstanding_on(lines, today) or Money.zero(
                             principal.currency),
                         due=tuple(due_within(lines, today, until)))


def totals(liabilities: Iterable[BondLiability]) -> list[CurrencyTotal]:
    """The city's totals per currency (bonds from pilots in another currency never mix)."""
    by_currency: dict[str, CurrencyTotal] = {}
    for bond in liabilities:
        zero = Money.zero(bond.currency)
        found = by_currency.get(bond.currency, CurrencyTotal(bond.currency, zero, zero, zero))
        by_currency[bond.currency] = CurrencyTotal(
            bond.currency, found.outstanding + bond.outstanding,
            found.due_interest + bond.due_interest, found.due_capital + bond.due_capital)
    return [by_currency[c] for c in sorted(by_currency)]
