"""The cost-benefit analysis of a proposal or pilot ("proof of value"), computed with Decimal.

Inputs: a discount rate (a fraction: Decimal("0.05") is 5 %) and, for the years 0..N, costs and
benefits per category in the currency's minor units (integers, never negative).

Conventions (issue 11), each computed on exact Decimal figures and rounded only at the end:

- Year t is discounted by dividing by (1 + rate) ** t, so year 0 is undiscounted.
- The net of a year is its benefits minus its costs (summed over the categories).
- ``npv`` = sum over t of net_t / (1 + rate) ** t, rounded half-even to the minor unit.
- ``bcr`` = present value of the benefits / present value of the costs, rounded half-even to
  2 decimals; None when the costs are all zero (their present value is then 0).
- ``payback_year`` = the first year t whose cumulative (undiscounted) net is >= 0; None if never
  within the years given.
- ``discounted_payback_year`` = the same on the discounted figures: the first year whose
  cumulative discounted net, rounded half-even to the minor unit exactly as the yearly table
  shows it, is >= 0. (The last year's cumulative discounted net is therefore ``npv``.)
- ``irr`` = the rate at which the npv is 0, as a fraction rounded half-even to 4 decimals.
  "A sign change" means the yearly net flows include at least one year with a negative net and
  at least one with a positive net (years netting to exactly zero are ignored); without one the
  npv is never zero (or always zero) and ``irr`` is None. With one, the npv is searched for a
  zero on the bracket IRR_LOW..IRR_HIGH (-99 % .. 1000 %): the bracket is scanned on a grid of
  rates (IRR_GRID) and the first interval, from the lowest rate up, over which the npv changes
  sign (or a grid rate where it is exactly zero) is narrowed by bisection until it is narrower
  than 10 ** -24 (far below the 4 decimals reported) or the npv is exactly zero. So a project
  whose net flows change sign more than once reports its lowest internal rate of return, and
  ``irr`` is None too when the npv has no zero inside the bracket (for example an IRR above 1000 %).
- Sensitivity: npv and bcr at the discount rate minus 2 points (rate - 0.02) and plus 2 points
  (rate + 0.02), and with every benefit multiplied by 0.8 (20 % lower) at the given rate.

Validation (InvalidCostBenefit, code invalid_cost_benefit): at least one year; the years are
0, 1, 2, ... in order with no gaps; at most MAX_YEAR (year 0 plus 50 years); amounts are
integers >= 0 and at most MAX_AMOUNT; category names are non-empty text; the discount rate is a
finite Decimal above MIN_RATE (-98 %, so that rate - 2 points stays above -100 %, where
discounting would divide by zero or flip signs) and at most MAX_RATE (100 %).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from domain.kernel.errors import DomainError
from domain.kernel.money import currency_exponent

MAX_YEAR = 50
MIN_RATE = Decimal("-0.98")  # exclusive
MAX_RATE = Decimal("1")  # inclusive
SENSITIVITY_POINTS = Decimal("0.02")
BENEFITS_FACTOR = Decimal("0.8")
MAX_CATEGORIES = 20
MAX_CATEGORY_LENGTH = 80
# At most 10**15 minor units a category a year (13 digits of major units in a 2-decimal currency,
# as the API's amounts): keeps the sums inside a 64-bit integer.
MAX_AMOUNT = 10**15

IRR_LOW = Decimal("-0.99")
IRR_HIGH = Decimal("10")
# The rates the bracket is scanned at before bisection: fine near zero, where real projects are.
IRR_GRID: tuple[Decimal, ...] = tuple(sorted({
    IRR_LOW,
    *(Decimal(n) / 100 for n in range(-98, 100, 2)),  # -0.98 .. 0.98 by 2 points
    *(Decimal(n) / 10 for n in range(10, 30)),  # 1.0 .. 2.9 by 10 points
    *(Decimal(n) / 2 for n in range(6, 21)),  # 3.0 .. 10 by 50 points
}))
_IRR_WIDTH = Decimal("1e-24")  # bisection stops when the bracket is this narrow
_IRR_MAX_STEPS = 200  # a bracket of at most 0.5 is under 1e-24 after 80 halvings

# Enough digits that dividing by (1 + rate) ** 50 and summing 51 years loses nothing a minor
# unit can see; rounding happens once, at the end.
PRECISION = 60
_CENT = Decimal("0.01")
_IRR_PLACES = Decimal("0.0001")
_ONE = Decimal(1)


class InvalidCostBenefit(DomainError):
    """A cost-benefit analysis that cannot be computed as given."""

    code = "invalid_cost_benefit"
    field = "cba"


def _context() -> decimal.Context:
    return decimal.Context(prec=PRECISION, rounding=ROUND_HALF_EVEN,
                           Emax=999_999, Emin=-999_999, traps=[decimal.InvalidOperation,
                                                               decimal.DivisionByZero,
                                                               decimal.Overflow])


def _check_amounts(year: int, kind: str, amounts: Any) -> dict[str, int]:
    if not isinstance(amounts, Mapping):
        raise InvalidCostBenefit(f"Year {year}: {kind} are a mapping of category to amount")
    if len(amounts) > MAX_CATEGORIES:
        raise InvalidCostBenefit(f"Year {year}: at most {MAX_CATEGORIES} categories of {kind}")
    checked = {}
    for category, amount in amounts.items():
        if (not isinstance(category, str) or not category.strip()
                or len(category) > MAX_CATEGORY_LENGTH):
            raise InvalidCostBenefit(
                f"Year {year}: name each category of {kind} in 1 to {MAX_CATEGORY_LENGTH} "
                "characters")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidCostBenefit(
                f"Year {year}: {kind} for {category!r} must be whole minor units, never a float")
        if amount < 0:
            raise InvalidCostBenefit(
                f"Year {year}: {kind} for {category!r} cannot be negative; write a saving as a "
                "benefit and a loss of revenue as a cost")
        if amount > MAX_AMOUNT:
            raise InvalidCostBenefit(f"Year {year}: {kind} for {category!r} is too large")
        checked[category] = amount
    return checked


@dataclass(frozen=True)
class YearFlows:
    """One year's costs and benefits by category, in minor units."""

    year: int  # 0..N, consecutive from 0
    costs: Mapping[str, int] = field(default_factory=dict)  # category -> minor units (>= 0)
    benefits: Mapping[str, int] = field(default_factory=dict)  # category -> minor units (>= 0)

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise InvalidCostBenefit("A year is a whole number: 0 for now, 1 for next year, ...")
        # Copies, so that a caller's dict changed later cannot change the analysis.
        object.__setattr__(self, "costs", _check_amounts(self.year, "costs", self.costs))
        object.__setattr__(self, "benefits", _check_amounts(self.year, "benefits",
                                                            self.benefits))

    @property
    def total_costs(self) -> int:
        return sum(self.costs.values())

    @property
    def total_benefits(self) -> int:
        return sum(self.benefits.values())

    @property
    def net(self) -> int:
        return self.total_benefits - self.total_costs


@dataclass(frozen=True)
class CostBenefitAnalysis:
    currency: str
    discount_rate: Decimal  # a fraction: Decimal("0.05") is 5 %
    years: tuple[YearFlows, ...]

    def __post_init__(self) -> None:
        currency_exponent(self.currency)  # UnknownCurrency if civicfund does not take it
        object.__setattr__(self, "years", tuple(self.years))
        validate(self)

    def as_data(self) -> dict[str, Any]:
        """Plain data (text, integers, dicts) for an event's payload; from_data reads it back."""
        return {
            "currency": self.currency,
            "discount_rate": str(self.discount_rate),
            "years": [{"year": y.year, "costs": dict(y.costs), "benefits": dict(y.benefits)}
                      for y in self.years],
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> CostBenefitAnalysis:
        return cls(
            currency=data["currency"],
            discount_rate=Decimal(data["discount_rate"]),
            years=tuple(YearFlows(y["year"], dict(y["costs"]), dict(y["benefits"]))
                        for y in data["years"]),
        )


def validate(analysis: CostBenefitAnalysis) -> None:
    """Raise InvalidCostBenefit unless the analysis can be computed (see the module's notes)."""
    rate = analysis.discount_rate
    if isinstance(rate, bool) or not isinstance(rate, Decimal):
        raise InvalidCostBenefit("Give the discount rate as a decimal, e.g. \"0.05\" for 5 %",
                                 field="discount_rate")
    if not rate.is_finite():
        raise InvalidCostBenefit("The discount rate must be a number", field="discount_rate")
    if not MIN_RATE < rate <= MAX_RATE:
        raise InvalidCostBenefit(
            "The discount rate is a fraction above -0.98 and at most 1 (100 %); "
            "\"0.05\" is 5 %", field="discount_rate")
    years = analysis.years
    if not years:
        raise InvalidCostBenefit("Give at least year 0's costs and benefits", field="years")
    if any(not isinstance(y, YearFlows) for y in years):
        raise InvalidCostBenefit("Each year is a YearFlows", field="years")
    if len(years) > MAX_YEAR + 1:
        raise InvalidCostBenefit(
            f"At most {MAX_YEAR} years after year 0 (years 0 to {MAX_YEAR})", field="years")
    for expected, flows in enumerate(years):
        if flows.year != expected:
            raise InvalidCostBenefit(
                f"The years run 0, 1, 2, ... in order without gaps: expected year {expected}, "
                f"found year {flows.year}", field="years")


@dataclass(frozen=True)
class Sensitivity:
    npv: int  # minor units
    bcr: Decimal | None


@dataclass(frozen=True)
class YearFigures:
    """One year of the analysis as the chart and its table show it (minor units)."""

    year: int
    costs: int
    benefits: int
    net: int
    cumulative_net: int
    discounted_net: int  # net / (1 + rate) ** year, rounded half-even
    cumulative_discounted_net: int  # the exact running sum, rounded half-even
    discount_factor: Decimal  # (1 + rate) ** year, rounded half-even to 6 decimals, for display


@dataclass(frozen=True)
class CostBenefitResults:
    npv: int  # minor units, half-even
    bcr: Decimal | None  # 2 decimals half-even; None when PV of costs is 0
    payback_year: int | None
    discounted_payback_year: int | None
    irr: Decimal | None  # fraction, 4 decimals; None without a sign change (or no zero found)
    rate_minus_2: Sensitivity  # discount rate - 0.02
    rate_plus_2: Sensitivity  # discount rate + 0.02
    benefits_minus_20: Sensitivity  # every benefit x 0.8
    yearly: tuple[YearFigures, ...]
    pv_costs: int = 0  # present value of the costs, minor units, half-even
    pv_benefits: int = 0  # present value of the benefits, minor units, half-even


def _round_minor(value: Decimal) -> int:
    return int(value.quantize(_ONE, rounding=ROUND_HALF_EVEN))


def _present_values(costs: Iterable[Decimal], benefits: Iterable[Decimal],
                    rate: Decimal) -> tuple[Decimal, Decimal]:
    """Exact (to PRECISION digits) present values of the costs and of the benefits."""
    with decimal.localcontext(_context()):
        base = _ONE + rate
        factor = _ONE
        pv_costs = pv_benefits = Decimal(0)
        for cost, benefit in zip(costs, benefits, strict=True):
            pv_costs += cost / factor
            pv_benefits += benefit / factor
            factor *= base
        return pv_costs, pv_benefits


def _bcr(pv_costs: Decimal, pv_benefits: Decimal) -> Decimal | None:
    if pv_costs == 0:
        return None
    with decimal.localcontext(_context()):
        return (pv_benefits / pv_costs).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _sensitivity(costs: list[Decimal], benefits: list[Decimal], rate: Decimal) -> Sensitivity:
    pv_costs, pv_benefits = _present_values(costs, benefits, rate)
    with decimal.localcontext(_context()):
        npv = pv_benefits - pv_costs
    return Sensitivity(npv=_round_minor(npv), bcr=_bcr(pv_costs, pv_benefits))


def net_present_value(nets: Iterable[int | Decimal], rate: Decimal) -> Decimal:
    """sum of net_t / (1 + rate) ** t, unrounded (minor units). rate must be above -1."""
    with decimal.localcontext(_context()):
        # Horner's rule in x = 1 / (1 + rate): one division, then a multiplication a year.
        x = _ONE / (_ONE + rate)
        total = Decimal(0)
        for net in reversed(list(nets)):
            total = total * x + net
        return total


def has_sign_change(nets: Iterable[int]) -> bool:
    """True when some year nets below zero and some year above (zero years do not count)."""
    signs = {(net > 0) - (net < 0) for net in nets} - {0}
    return signs == {-1, 1}


def internal_rate_of_return(nets: Iterable[int]) -> Decimal | None:
    """The lowest rate in IRR_LOW..IRR_HIGH at which the npv of `nets` is zero, unrounded
    (see the module's notes); None without a sign change or without a zero in the bracket."""
    nets = list(nets)
    if not has_sign_change(nets):
        return None
    previous_rate = previous_npv = None
    for rate in IRR_GRID:
        npv = net_present_value(nets, rate)
        if npv == 0:
            return rate
        if previous_npv is not None and (previous_npv < 0) != (npv < 0):
            return _bisect(nets, previous_rate, previous_npv, rate)
        previous_rate, previous_npv = rate, npv
    return None


def _bisect(nets: list[int], low: Decimal, low_npv: Decimal, high: Decimal) -> Decimal:
    """Narrow [low, high], over which the npv changes sign, to the rate where it is zero."""
    with decimal.localcontext(_context()):
        middle = low
        for _ in range(_IRR_MAX_STEPS):
            middle = (low + high) / 2
            if middle in (low, high):
                break
            npv = net_present_value(nets, middle)
            if npv == 0 or high - low <= _IRR_WIDTH:
                break
            if (npv < 0) == (low_npv < 0):
                low, low_npv = middle, npv
            else:
                high = middle
        return middle


def analyse(analysis: CostBenefitAnalysis) -> CostBenefitResults:
    """The outputs of `analysis` by the conventions in the module's notes."""
    validate(analysis)
    rate = analysis.discount_rate
    costs = [Decimal(y.total_costs) for y in analysis.years]
    benefits = [Decimal(y.total_benefits) for y in analysis.years]
    nets = [y.net for y in analysis.years]

    with decimal.localcontext(_context()):
        base = _ONE + rate
        factor = _ONE
        pv_costs = pv_benefits = cumulative_discounted = Decimal(0)
        cumulative = 0
        payback_year = discounted_payback_year = None
        yearly = []
        for flows, cost, benefit in zip(analysis.years, costs, benefits, strict=True):
            discounted_cost = cost / factor
            discounted_benefit = benefit / factor
            pv_costs += discounted_cost
            pv_benefits += discounted_benefit
            discounted_net = discounted_benefit - discounted_cost
            cumulative_discounted += discounted_net
            cumulative += flows.net
            shown_cumulative_discounted = _round_minor(cumulative_discounted)
            if payback_year is None and cumulative >= 0:
                payback_year = flows.year
            if discounted_payback_year is None and shown_cumulative_discounted >= 0:
                discounted_payback_year = flows.year
            yearly.append(YearFigures(
                year=flows.year,
                costs=flows.total_costs,
                benefits=flows.total_benefits,
                net=flows.net,
                cumulative_net=cumulative,
                discounted_net=_round_minor(discounted_net),
                cumulative_discounted_net=shown_cumulative_discounted,
                discount_factor=factor.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN),
            ))
            factor *= base
        npv = _round_minor(pv_benefits - pv_costs)

    irr = internal_rate_of_return(nets)
    if irr is not None:
        with decimal.localcontext(_context()):
            irr = irr.quantize(_IRR_PLACES, rounding=ROUND_HALF_EVEN)
    with decimal.localcontext(_context()):
        lower_benefits = [b * BENEFITS_FACTOR for b in benefits]
        rate_minus, rate_plus = rate - SENSITIVITY_POINTS, rate + SENSITIVITY_POINTS
    return CostBenefitResults(
        npv=npv,
        bcr=_bcr(pv_costs, pv_benefits),
        payback_year=payback_year,
        discounted_payback_year=discounted_payback_year,
        irr=irr,
        rate_minus_2=_sensitivity(costs, benefits, rate_minus),
        rate_plus_2=_sensitivity(costs, benefits, rate_plus),
        benefits_minus_20=_sensitivity(costs, lower_benefits, rate),
        yearly=tuple(yearly),
        pv_costs=_round_minor(pv_costs),
        pv_benefits=_round_minor(pv_benefits),
    )
