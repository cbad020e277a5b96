"""Exact splits by the largest-remainder rule: parts always add up to the whole, zero weights get
nothing, ties go to the earlier holder, and the same split is the same every time."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.investment.errors import InvalidSplit
from domain.investment.splits import largest_remainder
from domain.kernel.money import Money


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def minors(parts: dict) -> dict:
    return {k: v.minor for k, v in parts.items()}


def test_the_units_left_over_go_to_the_largest_remainders_not_the_first_holders():
    # EUR 0.10 = 10 cents by weights 1 : 2 : 3 : 0 (sum 6):
    #   a: 10 x 1 / 6 = 1 rest 4/6;  b: 10 x 2 / 6 = 3 rest 2/6;  c: 10 x 3 / 6 = 5 rest 0;  d: 0
    #   floors 1 + 3 + 5 + 0 = 9, one cent left -> the largest rest, a's 4/6
    parts = largest_remainder(eur("0.10"), {"a": 1, "b": 2, "c": 3, "d": 0})
    assert minors(parts) == {"a": 2, "b": 3, "c": 5, "d": 0}
    assert list(parts) == ["a", "b", "c", "d"]


def test_equal_remainders_go_to_the_earlier_holder_in_the_order_given():
    # EUR 100.00 = 10000 cents in three: 3333 rest 1/3 each; one cent left -> the first holder
    assert minors(largest_remainder(eur("100.00"), {"x": 1, "y": 1, "z": 1})) == {
        "x": 3334, "y": 3333, "z": 3333}
    # ... and the order is the caller's, not alphabetical
    assert minors(largest_remainder(eur("100.00"), {"z": 1, "y": 1, "x": 1})) == {
        "z": 3334, "y": 3333, "x": 3333}


def test_decimal_percentages_and_money_holdings_are_weights():
    # EUR 1.00 by 33.33 % / 33.33 % / 33.34 %: 33 rest .33, 33 rest .33, 33 rest .34 -> the third
    assert minors(largest_remainder(eur("1.00"), {
        "city": Decimal("33.33"), "fund": Decimal("33.33"), "proposer": Decimal("33.34")})) == {
        "city": 33, "fund": 33, "proposer": 34}
    # holdings EUR 600.00 and EUR 400.00 share EUR 0.05: 3 and 2
    assert minors(largest_remainder(eur("0.05"), {"a": eur("600.00"), "b": eur("400.00")})) == {
        "a": 3, "b": 2}


def test_a_negative_total_is_split_like_its_absolute_value():
    assert minors(largest_remainder(eur("-1.00"), {"a": 1, "b": 1, "c": 1})) == {
        "a": -34, "b": -33, "c": -33}


@pytest.mark.parametrize("weights", [{}, {"a": 0, "b": 0}, {"a": -1, "b": 2}, {"a": 0.5},
                                     {"a": True}, {"a": Decimal("NaN")}, {"a": "1"}])
def test_weights_that_cannot_share_are_refused_with_a_clear_error(weights):
    with pytest.raises(InvalidSplit) as refused:
        largest_remainder(eur("1.00"), weights)
    assert refused.value.field == "weights"
    assert refused.value.message


weights = st.dictionaries(
    st.text(min_size=1, max_size=3),
    st.one_of(st.integers(0, 10**6),
              st.decimals(0, 1000, places=3, allow_nan=False, allow_infinity=False)),
    min_size=1, max_size=12,
).filter(lambda w: sum(w.values()) > 0)


@given(st.integers(-10**12, 10**12), weights)
def test_parts_always_add_up_to_the_whole_and_stay_within_a_unit_of_the_exact_share(
        amount, weights):
    whole = Money(amount, "EUR")
    parts = largest_remainder(whole, weights)
    assert sum(p.minor for p in parts.values()) == amount
    assert list(parts) == list(weights)
    total_weight = sum(Fraction(w) for w in weights.values())
    for key, weight in weights.items():
        exact = Fraction(amount) * Fraction(weight) / total_weight
        assert abs(parts[key].minor - exact) < 1
        if weight == 0:
            assert parts[key].minor == 0
    assert largest_remainder(whole, dict(weights)) == parts
