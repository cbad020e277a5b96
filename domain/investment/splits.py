"""Exact splits of an amount by weights: the largest-remainder rule.

Every share of money in investment (among the waterfall's parties, among investors pro rata to
their capital, a bond payment among its holders) goes through `largest_remainder`:

1. each part first gets its exact share rounded down to the minor unit
   (``floor(total x weight / sum of weights)``);
2. the minor units left over (fewer than the number of parts) go one each to the parts with the
   largest remainders of that division; equal remainders go to the part that comes first in the
   mapping's order (the holder order the caller gives), so a split is deterministic and the same
   every time it is replayed.

The parts always add up to the whole; a zero weight always gets zero (its remainder is zero and
the units left over are always fewer than the parts with a positive remainder). A negative total
(a refund) is split as its absolute value and every part negated.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import TypeVar

from domain.investment.errors import InvalidSplit
from domain.kernel.money import Money

K = TypeVar("K")


def _exact(key: object, weight: object) -> Fraction:
    if isinstance(weight, bool) or not isinstance(weight, int | Decimal | Money):
        raise InvalidSplit(f"the weight of {key!r} is not a whole number or a decimal")
    if isinstance(weight, Money):
        weight = weight.minor
    if isinstance(weight, Decimal) and not weight.is_finite():
        raise InvalidSplit(f"the weight of {key!r} is not a finite number")
    value = Fraction(weight)
    if value < 0:
        raise InvalidSplit(f"the weight of {key!r} is negative")
    return value


def integer_weights(weights: Mapping[K, int | Decimal | Money]) -> list[int]:
    """The same proportions as whole numbers (Decimal weights scaled by their common denominator;
    Money weights as their minor units)."""
    exact = [_exact(key, weight) for key, weight in weights.items()]
    scale = lcm(*(w.denominator for w in exact)) if exact else 1
    return [int(w * scale) for w in exact]


def largest_remainder(total: Money, weights: Mapping[K, int | Decimal | Money]) -> dict[K, Money]:
    """Split `total` among the keys of `weights` in proportion to their weights, exactly.

    Weights are non-negative ints, Decimals or Money (e.g. holdings); at least one must be
    positive. The result has every key, in the same order, and its parts sum to `total`.
    """
    if not weights:
        raise InvalidSplit("there is nobody to share the amount among")
    whole = integer_weights(weights)
    if sum(whole) == 0:
        raise InvalidSplit("at least one weight must be more than zero")
    # Money.allocate is the rule above: floors, then larger remainder, ties to the earlier part.
    return dict(zip(weights.keys(), total.allocate(whole), strict=True))
