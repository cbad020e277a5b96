"""XIRR and the multiple as an investor's portfolio shows them (adapters/investment_returns.py),
checked against a spreadsheet's XIRR on the same flows and against flows worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.investment_returns import multiple, xirr
from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_xirr_matches_the_spreadsheet_example():
    # The XIRR example of Excel's documentation (LibreOffice Calc gives the same):
    # =XIRR({-10000; 2750; 4250; 3250; 2750},
    #       {2008-01-01; 2008-03-01; 2008-10-30; 2009-02-15; 2009-04-01}) = 0.373362535
    # -> 0.373363 at the 6 decimals the API shows.
    flows = [(date(2008, 1, 1), Decimal(-10000)), (date(2008, 3, 1), Decimal(2750)),
             (date(2008, 10, 30), Decimal(4250)), (date(2009, 2, 15), Decimal(3250)),
             (date(2009, 4, 1), Decimal(2750))]
    assert xirr(flows) == Decimal("0.373363")
    # in any order: the same rate (days are counted from the earliest flow)
    assert xirr(list(reversed(flows))) == Decimal("0.373363")
    # the same flows as money kept in cents
    assert xirr([(day, Money(int(amount) * 100, "EUR")) for day, amount in flows]) == Decimal(
        "0.373363")


def test_xirr_of_flows_worked_by_hand():
    # EUR 1,000.00 in on 1 January 2025 and 1,100.00 back 365 days later: 10 % a year.
    assert xirr([(date(2025, 1, 1), eur("-1000.00")),
                 (date(2026, 1, 1), eur("1100.00"))]) == Decimal("0.100000")
    # A 5 % bond held two 365-day years: 50 / 1.05 + 1,050 / 1.05^2 = 47.619... + 952.380...
    # = 1,000, so the rate is 5 %.
    assert xirr([(date(2025, 1, 1), eur("-1000.00")), (date(2026, 1, 1), eur("50.00")),
                 (date(2027, 1, 1), eur("1050.00"))]) == Decimal("0.050000")
    # Half of it lost: 500 back a year later is -50 %.
    assert xirr([(date(2025, 1, 1), eur("-1000.00")),
                 (date(2026, 1, 1), eur("500.00"))]) == Decimal("-0.500000")


@pytest.mark.parametrize("flows", [
    [],
    [(date(2025, 1, 1), eur("-1000.00"))],
    [(date(2025, 1, 1), eur("-1000.00")), (date(2026, 1, 1), eur("-5.00"))],
    [(date(2025, 1, 1), eur("10.00")), (date(2026, 1, 1), eur("5.00"))],
    [(date(2025, 1, 1), eur("-1000.00")), (date(2026, 1, 1), eur("0.00"))],
])
def test_no_xirr_without_two_flows_of_opposite_sign(flows):
    assert xirr(flows) is None


def test_flows_in_two_currencies_or_as_floats_are_refused():
    with pytest.raises(CurrencyMismatch):
        xirr([(date(2025, 1, 1), eur("-10.00")), (date(2026, 1, 1), Money(1100, "NOK"))])
    with pytest.raises(TypeError):
        xirr([(date(2025, 1, 1), -10.0), (date(2026, 1, 1), 11.0)])


def test_the_multiple_is_received_over_paid_in():
    # 1,050.00 back for 1,000.00 in: 1.05; 333.33 for 1,000.00: 0.33333 -> 0.3333
    assert multiple(eur("1050.00"), eur("1000.00")) == Decimal("1.0500")
    assert multiple(eur("333.33"), eur("1000.00")) == Decimal("0.3333")
    assert multiple(eur("0.00"), eur("1000.00")) == Decimal("0.0000")
    assert multiple(eur("10.00"), eur("0.00")) is None
    with pytest.raises(CurrencyMismatch):
        multiple(eur("10.00"), Money(1000, "NOK"))
