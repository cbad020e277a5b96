"""A benefit-sharing agreement's waterfall: one approved benefit report, distributed exactly.

The agreement's terms are a preferred annual rate and the residual percentages. Each approved
benefit amount goes down three tiers, each paid in full before the next gets anything:

1. **Return of capital** (tier 1) to the investors, until their paid-in capital is repaid: at most
   the capital outstanding. Shared among investors pro rata to each one's capital *outstanding*
   (on the first distribution, their paid-in capital), so each investor gets back exactly what
   they paid in, never more.
2. **Preferred return** (tier 2) at the stated annual rate on the capital outstanding: simple
   interest accrued per day, Actual/365 (``outstanding x rate x days / 365``, every year 365 days
   including leap years), from the last accrual date to the end of the report's period, on the
   capital outstanding before this distribution, rounded half-even to the minor unit once per
   distribution. Cumulative: what a distribution cannot pay is carried forward as accrued-unpaid
   and paid first from later ones (no interest on it). Shared among investors pro rata to their
   paid-in capital. At most the accrued-unpaid plus this period's accrual.
3. **Residual** (tier 3): everything left, split by the agreement's percentages among the city,
   the investors (one class), the community fund and the proposer, in that order; the investors'
   class share is shared among investors pro rata to their paid-in capital.

Every split is the largest-remainder rule (`domain.investment.splits`: ties to the earlier party
or investor, in the order given), so the payments add up to the benefit exactly. The state a
distribution leaves (`Carried`: each investor's capital outstanding, the accrued-unpaid preferred
return, the last accrual date) is the input of the next one; `distribute` is a pure function, so
replaying the same reports from the same start gives the same payments.

A report's period ending before the last accrual date (a late report of an earlier period)
accrues nothing and leaves the last accrual date where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Generic, TypeVar

from domain.investment.errors import InvalidDistribution, InvalidSplit, InvalidTerms
from domain.investment.rates import DECIMAL_TEXT, check_rate, parse_rate, rate_text
from domain.investment.splits import largest_remainder
from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money

K = TypeVar("K")

RETURN_OF_CAPITAL, PREFERRED_RETURN, RESIDUAL = 1, 2, 3
TIERS = (RETURN_OF_CAPITAL, PREFERRED_RETURN, RESIDUAL)
TIER_NAMES = {RETURN_OF_CAPITAL: "return of capital", PREFERRED_RETURN: "preferred return",
              RESIDUAL: "residual"}
CITY, INVESTORS, COMMUNITY_FUND, PROPOSER = "city", "investors", "community_fund", "proposer"
PARTIES = (CITY, INVESTORS, COMMUNITY_FUND, PROPOSER)
DAYS_IN_YEAR = 365


def _percentage(party: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise InvalidTerms(f"The {party} share is a percentage written as a decimal string "
                           "such as \"25\" or \"12.5\"", field=f"residual.{party}")
    value = Decimal(value)
    if not value.is_finite() or not 0 <= value <= 100:
        raise InvalidTerms(f"The {party} share must be from 0 to 100 %",
                           field=f"residual.{party}")
    return value


@dataclass(frozen=True)
class AgreementTerms:
    """One version of an agreement's money terms."""

    preferred_rate: Decimal  # annual, a fraction; 0 means no preferred return
    residual: Mapping[str, Decimal]  # percentages by party (PARTIES), adding up to 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "preferred_rate",
                           check_rate(self.preferred_rate, field="preferred_rate",
                                      allow_zero=True))
        if not isinstance(self.residual, Mapping) or set(self.residual) != set(PARTIES):
            raise InvalidTerms("The residual names a percentage for each of city, investors, "
                               "community_fund and proposer (0 for none)", field="residual")
        shares = {party: _percentage(party, self.residual[party]) for party in PARTIES}
        if sum(shares.values()) != 100:
            raise InvalidTerms(f"The residual percentages add up to {sum(shares.values())}, "
                               "not 100", field="residual")
        object.__setattr__(self, "residual", shares)

    @classmethod
    def parse(cls, data: object) -> AgreementTerms:
        """Terms as the API writes them: {"preferred_rate": "0.05", "residual": {"city": "40",
        "investors": "30", "community_fund": "20", "proposer": "10"}}, rate and percentages as
        decimal strings. Other keys (the community fund's matching fund) are the caller's."""
        if not isinstance(data, Mapping):
            raise InvalidTerms("An agreement's terms are an object with preferred_rate and "
                               "residual", field="agreement")
        if "preferred_rate" not in data:
            raise InvalidTerms("The agreement needs its preferred_rate (\"0\" for none)",
                               field="preferred_rate")
        residual = data.get("residual")
        if not isinstance(residual, Mapping) or set(residual) != set(PARTIES):
            raise InvalidTerms("The residual names a percentage for each of city, investors, "
                               "community_fund and proposer (\"0\" for none)", field="residual")
        shares = {}
        for party in PARTIES:
            text = residual[party]
            if not isinstance(text, str) or not DECIMAL_TEXT.match(text):
                raise InvalidTerms(f"Write the {party} share as a decimal string such as "
                                   "\"25\" or \"12.5\"", field=f"residual.{party}")
            shares[party] = Decimal(text.strip())
        return cls(parse_rate(data["preferred_rate"], field="preferred_rate", allow_zero=True),
                   shares)

    def as_data(self) -> dict[str, Any]:
        """The terms as plain data (events, the API): decimal strings."""
        return {"preferred_rate": rate_text(self.preferred_rate),
                "residual": {party: rate_text(self.residual[party]) for party in PARTIES}}


@dataclass(frozen=True)
class Carried(Generic[K]):
    """What earlier distributions leave for the next one."""

    currency: str
    paid_in: Mapping[K, Money]  # each investor's paid-in capital (fixed)
    capital: Mapping[K, Money]  # each investor's capital outstanding
    preferred_unpaid: Money  # preferred return accrued and not yet paid
    last_accrual: date

    @classmethod
    def start(cls, paid_in: Mapping[K, Money], accrues_from: date) -> Carried[K]:
        """The state before the first distribution: all capital outstanding, nothing accrued.

        `paid_in` lists every investor in a stable order (the tie-break order of every split);
        `accrues_from` is when the capital started to earn the preferred return.
        """
        amounts = list(paid_in.values())
        if not amounts or not isinstance(amounts[0], Money):
            raise InvalidSplit("an agreement's distribution needs its investors' paid-in "
                               "capital", field="paid_in")
        currency = amounts[0].currency
        for investor, amount in paid_in.items():
            if not isinstance(amount, Money) or amount.currency != currency:
                raise CurrencyMismatch(f"the paid-in capital of {investor!r} is not in {currency}")
            if amount.minor < 0:
                raise InvalidSplit(f"the paid-in capital of {investor!r} is negative",
                                   field="paid_in")
        if sum(a.minor for a in amounts) == 0:
            raise InvalidSplit("no investor has paid in any capital", field="paid_in")
        return cls(currency, dict(paid_in), dict(paid_in), Money.zero(currency), accrues_from)

    def as_data(self) -> dict[str, Any]:
        """The state as plain data (an event's): minor units, ISO dates, investors in order."""
        return {"currency": self.currency,
                "paid_in": [[str(k), v.minor] for k, v in self.paid_in.items()],
                "capital": [[str(k), v.minor] for k, v in self.capital.items()],
                "preferred_unpaid": self.preferred_unpaid.minor,
                "last_accrual": self.last_accrual.isoformat()}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Carried[str]:
        """The state `as_data` wrote (investors keyed by their text)."""
        currency = data["currency"]
        return cls(currency, {k: Money(v, currency) for k, v in data["paid_in"]},
                   {k: Money(v, currency) for k, v in data["capital"]},
                   Money(data["preferred_unpaid"], currency),
                   date.fromisoformat(data["last_accrual"]))

    @property
    def capital_outstanding(self) -> Money:
        return Money(sum(a.minor for a in self.capital.values()), self.currency)

    @property
    def paid_in_total(self) -> Money:
        return Money(sum(a.minor for a in self.paid_in.values()), self.currency)


@dataclass(frozen=True)
class Payment(Generic[K]):
    """One amount paid by a distribution: its tier, its party, and for investors which one."""

    tier: int
    party: str
    amount: Money
    investor: K | None = None


@dataclass(frozen=True)
class Distribution(Generic[K]):
    """One benefit report's distribution: every payment (none of zero) and why."""

    benefit: Money
    period_start: date
    period_end: date
    accrued: Money  # preferred return accrued over this report (tier 2's new part)
    limits: Mapping[int, Money]  # the most tiers 1 and 2 could pay
    classes: Mapping[tuple[int, str], Money]  # (tier, party) -> amount, zeros included
    payments: tuple[Payment[K], ...] = field(default=())

    @property
    def total(self) -> Money:
        return Money(sum(p.amount.minor for p in self.payments), self.benefit.currency)

    def tier_total(self, tier: int) -> Money:
        return Money(sum(p.amount.minor for p in self.payments if p.tier == tier),
                     self.benefit.currency)

    def to_investor(self, investor: K) -> Money:
        return Money(sum(p.amount.minor for p in self.payments if p.investor == investor),
                     self.benefit.currency)


def accrual(capital: Money, rate: Decimal, start: date, end: date) -> Money:
    """Simple interest on `capital` from `start` to `end`, Actual/365, rounded half-even."""
    days = max(0, (end - start).days)
    exact = Decimal(capital.minor) * rate * days / DAYS_IN_YEAR
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), capital.currency)


def distribute(terms: AgreementTerms, carried: Carried[K], benefit: Money,
               period_start: date, period_end: date) -> tuple[Distribution[K], Carried[K]]:
    """Distribute one approved benefit through the waterfall; returns it and the new state."""
    currency = carried.currency
    if not isinstance(benefit, Money):
        raise InvalidDistribution("The benefit is an amount of money")
    if benefit.currency != currency:
        raise CurrencyMismatch(f"the benefit is in {benefit.currency}, the agreement's "
                               f"capital in {currency}")
    if benefit.minor < 0:
        raise InvalidDistribution("The benefit to distribute cannot be negative")
    if period_end < period_start:
        raise InvalidDistribution("The period ends before it starts", field="period_end")

    outstanding = carried.capital_outstanding
    accrued = accrual(outstanding, terms.preferred_rate, carried.last_accrual, period_end)
    preferred_due = carried.preferred_unpaid + accrued
    left = benefit.minor

    tier1 = Money(min(left, outstanding.minor), currency)
    left -= tier1.minor
    tier2 = Money(min(left, preferred_due.minor), currency)
    left -= tier2.minor
    tier3 = Money(left, currency)

    residual = largest_remainder(tier3, terms.residual)
    classes: dict[tuple[int, str], Money] = {(RETURN_OF_CAPITAL, INVESTORS): tier1,
                                             (PREFERRED_RETURN, INVESTORS): tier2}
    classes.update({(RESIDUAL, party): residual[party] for party in PARTIES})

    capital_back: dict[K, Money] = {k: Money.zero(currency) for k in carried.paid_in}
    if tier1.is_positive():
        capital_back = largest_remainder(tier1, carried.capital)
    investors_by_tier = {RETURN_OF_CAPITAL: capital_back,
                         PREFERRED_RETURN: _pro_rata(tier2, carried.paid_in),
                         RESIDUAL: _pro_rata(residual[INVESTORS], carried.paid_in)}
    # In order: tier by tier; within the residual, the parties in PARTIES order.
    payments: list[Payment[K]] = []
    for tier in TIERS:
        for party in PARTIES if tier == RESIDUAL else (INVESTORS,):
            if party == INVESTORS:
                payments += [Payment(tier, INVESTORS, amount, investor)
                             for investor, amount in investors_by_tier[tier].items()
                             if amount.is_positive()]
            elif residual[party].is_positive():
                payments.append(Payment(RESIDUAL, party, residual[party]))

    distribution = Distribution(
        benefit=benefit, period_start=period_start, period_end=period_end, accrued=accrued,
        limits={RETURN_OF_CAPITAL: outstanding, PREFERRED_RETURN: preferred_due},
        classes=classes, payments=tuple(payments))
    after = Carried(
        currency=currency, paid_in=carried.paid_in,
        capital={k: carried.capital[k] - capital_back[k] for k in carried.capital},
        preferred_unpaid=preferred_due - tier2,
        last_accrual=max(carried.last_accrual, period_end))
    return distribution, after


def _pro_rata(amount: Money, paid_in: Mapping[K, Money]) -> dict[K, Money]:
    if not amount.is_positive():
        return {k: Money.zero(amount.currency) for k in paid_in}
    return largest_remainder(amount, paid_in)


def replay(terms: AgreementTerms, start: Carried[K],
           reports: list[tuple[Money, date, date]]) -> tuple[list[Distribution[K]], Carried[K]]:
    """Distribute reports (benefit, period start, period end) in order from `start`."""
    carried, distributions = start, []
    for benefit, period_start, period_end in reports:
        distribution, carried = distribute(terms, carried, benefit, period_start, period_end)
        distributions.append(distribution)
    return distributions, carried
