"""Rates: annual rates are Decimal fractions (Decimal("0.045") is 4.5 % a year), in range."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.investment.errors import InvalidTerms

MAX_RATE = Decimal("0.25")  # 25 % a year: anything above is a typing mistake, not a civic bond
RATE_PLACES = 6  # a rate is a fraction with at most 6 decimals (0.045125 = 4.5125 %)
# A number as the API writes rates and percentages: digits, optionally a point and more digits.
DECIMAL_TEXT = re.compile(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")


def check_rate(rate: object, *, field: str = "rate", allow_zero: bool = False) -> Decimal:
    """`rate` as a Decimal fraction from 0 (excluded unless `allow_zero`) to MAX_RATE with at most
    RATE_PLACES decimals, or InvalidTerms naming `field`. Floats are refused."""
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int):
        raise InvalidTerms("Write the rate as a decimal string such as \"0.045\" for 4.5 %",
                           field=field)
    value = Decimal(rate)
    if not value.is_finite():
        raise InvalidTerms("The rate must be a number", field=field)
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > MAX_RATE:
        lowest = "from 0" if allow_zero else "more than 0"
        raise InvalidTerms(f"The rate must be {lowest} and at most {MAX_RATE} "
                           f"({MAX_RATE * 100:.0f} % a year); it is a fraction, 0.045 for 4.5 %",
                           field=field)
    if value != value.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise InvalidTerms(f"A rate has at most {RATE_PLACES} decimals (0.045 is 4.5 %)",
                           field=field)
    return value


def parse_rate(text: object, *, field: str = "rate", allow_zero: bool = False) -> Decimal:
    """A rate as the API and forms write it: a decimal string ("0.045"). A JSON number is refused
    (it would have passed through a float)."""
    if not isinstance(text, str) or not DECIMAL_TEXT.match(text):
        raise InvalidTerms("Write the rate as a decimal string such as \"0.045\" for 4.5 %",
                           field=field)
    return check_rate(Decimal(text.strip()), field=field, allow_zero=allow_zero)


def rate_text(rate: Decimal) -> str:
    """A rate as the API writes it: plain digits, no exponent ("0.045", "0")."""
    return format(rate.normalize(), "f")
