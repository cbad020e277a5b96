"""A community bond's repayment schedule, and each schedule line shared among its holders.

Conventions (what the city owes, whatever the pilot yields):

- **Periods.** ``term_years x payments_per_year`` periods; payments are yearly (1) or half-yearly
  (2). Payment *k* falls due ``k x 12 / payments_per_year`` months after the issue date, on the
  issue date's day of the month, clamped to the end of shorter months (issued 31 August,
  half-yearly: 28/29 February, 31 August, 28/29 February, ...). Each date is counted from the
  issue date, so a clamp never drifts into later dates.
- **Interest** for a period is the capital outstanding at its start x the annual rate /
  payments_per_year (a fixed 30/360-style period fraction: every period is the same length
  whatever its days), rounded half-even to the minor unit, period by period.
- **Capital.** ``amortising``: equal capital instalments, each principal / periods rounded down to
  the minor unit, and the last instalment absorbs the rounding so capital sums to the principal
  exactly. ``bullet``: nothing until the last payment, which repays the whole principal.
- **Holders.** A line is shared among holders pro rata to each holder's capital outstanding
  before that line (on the first line: their holdings), interest and capital each by the
  largest-remainder rule (`domain.investment.splits`). Because capital is shared by what each
  holder still has outstanding, every holder gets back exactly their holding over the schedule,
  and no share is ever negative.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from domain.investment.errors import InvalidSplit, InvalidTerms
from domain.investment.rates import check_rate, parse_rate, rate_text
from domain.investment.splits import largest_remainder
from domain.kernel.errors import InvalidAmount
from domain.kernel.money import Money

K = TypeVar("K")

AMORTISING, BULLET = "amortising", "bullet"
REPAYMENTS = (AMORTISING, BULLET)
PAYMENTS_PER_YEAR = (1, 2)
MIN_TERM_YEARS, MAX_TERM_YEARS = 1, 30


@dataclass(frozen=True)
class BondConditions:
    """What a bond offer states before anyone has lent: rate, term, payments, repayment."""

    rate: Decimal  # annual, a fraction: Decimal("0.045") is 4.5 %
    term_years: int
    payments_per_year: int  # 1 (yearly) or 2 (half-yearly)
    repayment: str  # AMORTISING | BULLET

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", check_rate(self.rate))
        if (isinstance(self.term_years, bool) or not isinstance(self.term_years, int)
                or not MIN_TERM_YEARS <= self.term_years <= MAX_TERM_YEARS):
            raise InvalidTerms(f"The term is a whole number of years from {MIN_TERM_YEARS} to "
                               f"{MAX_TERM_YEARS}", field="term_years")
        if isinstance(self.payments_per_year, bool) or (
                self.payments_per_year not in PAYMENTS_PER_YEAR):
            raise InvalidTerms("Payments are every 12 months (1 a year) or every 6 months "
                               "(2 a year)", field="payments_per_year")
        if self.repayment not in REPAYMENTS:
            raise InvalidTerms("Capital is repaid \"amortising\" (equal instalments) or "
                               "\"bullet\" (all at maturity)", field="repayment")

    @classmethod
    def parse(cls, data: object) -> BondConditions:
        """Terms as the API writes them: {"rate": "0.045", "term_years": 5,
        "payments_per_year": 2, "repayment": "amortising"} (the rate a decimal string)."""
        if not isinstance(data, Mapping):
            raise InvalidTerms("A bond's terms are an object with rate, term_years, "
                               "payments_per_year and repayment")
        unknown = sorted(set(map(str, data)) - set(BOND_FIELDS))
        if unknown:
            raise InvalidTerms(f"Unknown bond term: {', '.join(unknown)}")
        missing = [name for name in BOND_FIELDS if name not in data]
        if missing:
            raise InvalidTerms(f"The bond's terms need {', '.join(missing)}", field=missing[0])
        return cls(parse_rate(data["rate"]), data["term_years"], data["payments_per_year"],
                   data["repayment"])

    def as_data(self) -> dict[str, Any]:
        """The terms as plain data (events, the API): the rate as a decimal string."""
        return {"rate": rate_text(self.rate), "term_years": self.term_years,
                "payments_per_year": self.payments_per_year, "repayment": self.repayment}

    def issue(self, principal: Money, issue_date: date) -> BondTerms:
        """The bond as issued: these terms on the capital raised, from the issue date."""
        return BondTerms(principal, self.rate, self.term_years, self.payments_per_year,
                         self.repayment, issue_date)


BOND_FIELDS = ("rate", "term_years", "payments_per_year", "repayment")


@dataclass(frozen=True)
class BondTerms:
    """A community bond as issued: what is lent, at what rate, for how long, repaid how."""

    principal: Money
    rate: Decimal  # annual, a fraction: Decimal("0.045") is 4.5 %
    term_years: int
    payments_per_year: int  # 1 (yearly) or 2 (half-yearly)
    repayment: str  # AMORTISING | BULLET
    issue_date: date

    def __post_init__(self) -> None:
        if not isinstance(self.principal, Money) or not self.principal.is_positive():
            raise InvalidAmount("The bond's principal must be more than zero", field="principal")
        conditions = BondConditions(self.rate, self.term_years, self.payments_per_year,
                                    self.repayment)
        object.__setattr__(self, "rate", conditions.rate)
        if not isinstance(self.issue_date, date):
            raise InvalidTerms("The issue date must be a date", field="issue_date")

    @property
    def conditions(self) -> BondConditions:
        return BondConditions(self.rate, self.term_years, self.payments_per_year, self.repayment)

    @property
    def periods(self) -> int:
        return self.term_years * self.payments_per_year

    @property
    def maturity(self) -> date:
        return due_date(self.issue_date, self.term_years * 12)


@dataclass(frozen=True)
class ScheduleLine:
    """One payment the city owes: interest and capital due on a date."""

    number: int  # 1, 2, ... periods
    due_date: date
    interest: Money
    capital: Money
    outstanding_after: Money

    @property
    def total(self) -> Money:
        return self.interest + self.capital

    @property
    def outstanding_before(self) -> Money:
        return self.outstanding_after + self.capital


@dataclass(frozen=True)
class HolderPayment:
    """One holder's share of one schedule line."""

    line: int  # the schedule line's number
    due_date: date
    interest: Money
    capital: Money

    @property
    def total(self) -> Money:
        return self.interest + self.capital


def add_months(start: date, months: int) -> date:
    """`start` plus whole months, on the same day of the month, clamped to the month's end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(issue_date: date, months: int) -> date:
    return add_months(issue_date, months)


def period_interest(outstanding: Money, rate: Decimal, payments_per_year: int) -> Money:
    """outstanding x rate / payments_per_year, rounded half-even to the minor unit."""
    exact = Decimal(outstanding.minor) * rate / payments_per_year
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), outstanding.currency)


def schedule(terms: BondTerms) -> list[ScheduleLine]:
    """Every payment of the bond, in order (see the module's conventions)."""
    periods, principal = terms.periods, terms.principal
    step = 12 // terms.payments_per_year
    instalment = principal.minor // periods
    outstanding = principal
    lines = []
    for number in range(1, periods + 1):
        interest = period_interest(outstanding, terms.rate, terms.payments_per_year)
        if number == periods:
            capital = outstanding  # the last payment repays what is left, rounding included
        elif terms.repayment == AMORTISING:
            capital = Money(instalment, principal.currency)
        else:
            capital = Money.zero(principal.currency)
        outstanding = outstanding - capital
        lines.append(ScheduleLine(number, due_date(terms.issue_date, number * step), interest,
                                  capital, outstanding))
    return lines


def split_line(line: ScheduleLine, outstanding: Mapping[K, Money]) -> dict[K, HolderPayment]:
    """One line shared among holders pro rata to their capital outstanding before it.

    Interest and capital are each split by the largest-remainder rule, so each sums to the line's
    exactly. Pass the holders' outstanding capital (their holdings, on the first line) in a
    stable order: ties go to the earlier holder.
    """
    for holder, amount in outstanding.items():
        if not isinstance(amount, Money) or amount.currency != line.capital.currency:
            raise InvalidSplit(f"the holding of {holder!r} is not an amount in "
                               f"{line.capital.currency}", field="holdings")
    interest = largest_remainder(line.interest, outstanding)
    capital = largest_remainder(line.capital, outstanding)
    return {holder: HolderPayment(line.number, line.due_date, interest[holder], capital[holder])
            for holder in outstanding}


def split_schedule(lines: list[ScheduleLine],
                   holdings: Mapping[K, Money]) -> list[dict[K, HolderPayment]]:
    """Every line shared among holders; each holder's capital adds up to their holding.

    The holdings must add up to the bond's principal (the first line's outstanding before it).
    """
    if not lines:
        return []
    principal = lines[0].outstanding_before
    if any(not isinstance(h, Money) or h.currency != principal.currency
           or h.minor < 0 for h in holdings.values()):
        raise InvalidSplit(f"holdings are amounts in {principal.currency}, none negative",
                           field="holdings")
    if sum(h.minor for h in holdings.values()) != principal.minor:
        raise InvalidSplit(f"the holdings add up to "
                           f"{Money(sum(h.minor for h in holdings.values()), principal.currency)}"
                           f", not the principal {principal}", field="holdings")
    outstanding = dict(holdings)
    shared = []
    for line in lines:
        payments = split_line(line, outstanding)
        outstanding = {h: outstanding[h] - payments[h].capital for h in outstanding}
        shared.append(payments)
    return shared


def due_by(lines: list[ScheduleLine], day: date) -> list[ScheduleLine]:
    """The lines due on or before `day` (what should have been paid by then)."""
    return [line for line in lines if line.due_date <= day]


def due_within(lines: list[ScheduleLine], after: date, until: date) -> list[ScheduleLine]:
    """The lines due after `after` and on or before `until` (e.g. the next 12 months:
    ``due_within(lines, today, add_months(today, 12))``)."""
    return [line for line in lines if after < line.due_date <= until]


def outstanding_on(lines: list[ScheduleLine], day: date) -> Money | None:
    """The capital outstanding at the end of `day` by the schedule (None for no lines)."""
    if not lines:
        return None
    paid = due_by(lines, day)
    return paid[-1].outstanding_after if paid else lines[0].outstanding_before
