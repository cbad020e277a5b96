"""An investor's return figures: XIRR (with the pyxirr library) and the multiple.

Both take money as it is kept (Money, integer minor units) or as Decimal major units; the
answer is a Decimal, never a float. pyxirr computes in floating point inside; the result is
rounded half-even to 6 decimals, which is what the API shows (a fraction: "0.373363" is
37.3363 % a year).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pyxirr

from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money

XIRR_PLACES = Decimal("0.000001")
MULTIPLE_PLACES = Decimal("0.0001")


def _major(amount: Money | Decimal, currency: str | None) -> Decimal:
    if isinstance(amount, Money):
        if currency is not None and amount.currency != currency:
            raise CurrencyMismatch(f"cash flows in {currency} and {amount.currency}")
        return Decimal(amount.minor).scaleb(-amount.exponent)
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError("a cash flow is Money or a Decimal, never a float")
    return Decimal(amount)


def xirr(flows: Sequence[tuple[date, Money | Decimal]]) -> Decimal | None:
    """The annual rate r at which the flows' present values sum to zero, as a spreadsheet's XIRR:
    sum(amount / (1 + r) ** ((date - earliest date).days / 365)) = 0.

    Flows may come in any order (days count from the earliest). Paid-in money is negative, money
    received positive. None with fewer than two flows of
    opposite sign (no return to speak of) or when no rate solves it.
    """
    currencies = {a.currency for _, a in flows if isinstance(a, Money)}
    if len(currencies) > 1:
        raise CurrencyMismatch(f"cash flows in {', '.join(sorted(currencies))}")
    currency = next(iter(currencies), None)
    amounts = [_major(amount, currency) for _, amount in flows]
    if not any(a < 0 for a in amounts) or not any(a > 0 for a in amounts):
        return None
    try:
        rate = pyxirr.xirr([d for d, _ in flows], [float(a) for a in amounts])
    except (pyxirr.InvalidPaymentsError, ValueError, ArithmeticError):
        return None
    if rate is None or rate != rate or rate in (float("inf"), float("-inf")):
        return None
    return Decimal(repr(rate)).quantize(XIRR_PLACES, rounding=ROUND_HALF_EVEN)


def multiple(received: Money | Decimal, paid_in: Money | Decimal) -> Decimal | None:
    """received / paid in, rounded half-even to 4 decimals (1.0500 when 5 % more came back);
    None when nothing was paid in."""
    currency = received.currency if isinstance(received, Money) else None
    paid = _major(paid_in, currency)
    if paid <= 0:
        return None
    return (_major(received, currency) / paid).quantize(MULTIPLE_PLACES,
                                                        rounding=ROUND_HALF_EVEN)
