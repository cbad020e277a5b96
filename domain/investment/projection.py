"""A benefit share's projected benefits and what an investor is expected to have received by now.

An offer's agreement terms may carry `"projected_benefits": {"annual": "12000.00"}`: the benefit
the pilot is expected to realise a year, in the offer's currency. Expected to date is what the
waterfall would have paid one investor had that benefit been realised pro rata per day (Actual/365,
rounded half-even once) from the day the agreement took effect to today, distributed as one
benefit from the agreement's starting state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, TypeVar

from domain.investment.errors import InvalidTerms
from domain.investment.waterfall import DAYS_IN_YEAR, AgreementTerms, Carried, distribute
from domain.kernel.errors import InvalidAmount
from domain.kernel.money import Money

K = TypeVar("K")
MAX_PROJECTION_MAJOR = 1_000_000_000  # far above any pilot's benefit, far below an overflow


class InvalidProjection(InvalidTerms):
    code = "invalid_projected_benefits"
    field = "projected_benefits.annual"


def parse_projection(data: object, currency: str) -> dict[str, str] | None:
    """`{"annual": "12000.00"}` checked (positive, the currency's decimals), or None for none."""
    if data is None:
        return None
    if not isinstance(data, Mapping) or set(map(str, data)) != {"annual"}:
        raise InvalidProjection("Projected benefits are {\"annual\": \"12000.00\"}: the benefit "
                                "expected a year, as a decimal string", field="projected_benefits")
    try:
        annual = Money.parse(data["annual"], currency)
    except InvalidAmount as problem:
        raise InvalidProjection(f"Projected annual benefit: {problem.message}") from None
    if not annual.is_positive():
        raise InvalidProjection("The projected annual benefit must be more than zero")
    if annual.minor > MAX_PROJECTION_MAJOR * 10 ** annual.exponent:
        raise InvalidProjection("The projected annual benefit is larger than any the platform "
                                "takes")
    return {"annual": annual.to_decimal_string()}


def projected_annual(agreement: Mapping[str, Any], currency: str) -> Money | None:
    """The projected annual benefit of an offer's (already checked) agreement terms, if any."""
    data = agreement.get("projected_benefits")
    return None if not data else Money.parse(data["annual"], currency)


def projected_benefit(annual: Money, since: date, today: date) -> Money:
    """The annual benefit pro rata per day from `since` to `today` (Actual/365, half-even)."""
    days = max(0, (today - since).days)
    exact = Decimal(annual.minor) * days / DAYS_IN_YEAR
    return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)), annual.currency)


def expected_to_date(terms: AgreementTerms, paid_in: Mapping[K, Money], investor: K,
                     annual: Money, since: date, today: date) -> Money:
    """What the waterfall would have paid `investor` by `today` had the projection been
    realised (every investor's paid-in capital in `paid_in`, in the agreement's order)."""
    benefit = projected_benefit(annual, since, today)
    if not benefit.is_positive() or investor not in paid_in:
        return Money.zero(annual.currency)
    distribution, _ = distribute(terms, Carried.start(paid_in, since), benefit, since, today)
    return distribution.to_investor(investor)
