"""Community bond schedules (what the city owes and when) and each line shared among holders,
worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.investment.bonds import (
    AMORTISING,
    BULLET,
    BondConditions,
    BondTerms,
    add_months,
    due_by,
    due_within,
    outstanding_on,
    period_interest,
    schedule,
    split_line,
    split_schedule,
)
from domain.investment.errors import InvalidSplit, InvalidTerms
from domain.kernel.errors import InvalidAmount
from domain.kernel.money import Money


def nok(text: str) -> Money:
    return Money.parse(text, "NOK")


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def rows(lines):
    return [(line.number, line.due_date.isoformat(), line.interest.to_decimal_string(),
             line.capital.to_decimal_string(), line.outstanding_after.to_decimal_string())
            for line in lines]


def test_an_amortising_half_yearly_bond_the_stavanger_one():
    # NOK 10,000.00 at 4.5 % a year over 5 years, half-yearly, amortising, issued 31 August 2026.
    # 10 periods; capital 10,000.00 / 10 = 1,000.00 each time; interest per half-year =
    # outstanding x 0.045 / 2 = outstanding x 0.0225: 10,000 -> 225.00, 9,000 -> 202.50, ...
    # Dates: every 6 months on the 31st, clamped to February's end (2028 is a leap year).
    terms = BondTerms(nok("10000.00"), Decimal("0.045"), 5, 2, AMORTISING, date(2026, 8, 31))
    lines = schedule(terms)
    assert rows(lines) == [
        (1, "2027-02-28", "225.00", "1000.00", "9000.00"),
        (2, "2027-08-31", "202.50", "1000.00", "8000.00"),
        (3, "2028-02-29", "180.00", "1000.00", "7000.00"),
        (4, "2028-08-31", "157.50", "1000.00", "6000.00"),
        (5, "2029-02-28", "135.00", "1000.00", "5000.00"),
        (6, "2029-08-31", "112.50", "1000.00", "4000.00"),
        (7, "2030-02-28", "90.00", "1000.00", "3000.00"),
        (8, "2030-08-31", "67.50", "1000.00", "2000.00"),
        (9, "2031-02-28", "45.00", "1000.00", "1000.00"),
        (10, "2031-08-31", "22.50", "1000.00", "0.00"),
    ]
    # Interest in all: 0.0225 x (10,000 + 9,000 + ... + 1,000) = 0.0225 x 55,000 = 1,237.50
    assert sum(line.interest.minor for line in lines) == nok("1237.50").minor
    assert terms.maturity == date(2031, 8, 31)


def test_a_bullet_yearly_bond_pays_interest_only_until_maturity():
    # EUR 5,000.00 at 3.25 % for 3 years, yearly, bullet, issued 15 January 2027:
    # interest 5,000 x 0.0325 = 162.50 every year; all the capital at the last payment.
    lines = schedule(BondTerms(eur("5000.00"), Decimal("0.0325"), 3, 1, BULLET, date(2027, 1, 15)))
    assert rows(lines) == [
        (1, "2028-01-15", "162.50", "0.00", "5000.00"),
        (2, "2029-01-15", "162.50", "0.00", "5000.00"),
        (3, "2030-01-15", "162.50", "5000.00", "0.00"),
    ]


def test_a_bullet_half_yearly_bond():
    # EUR 2,000.00 at 6 % for 1 year, half-yearly, bullet, issued 1 March 2027:
    # 2,000 x 0.06 / 2 = 60.00 each half-year.
    lines = schedule(BondTerms(eur("2000.00"), Decimal("0.06"), 1, 2, BULLET, date(2027, 3, 1)))
    assert rows(lines) == [
        (1, "2027-09-01", "60.00", "0.00", "2000.00"),
        (2, "2028-03-01", "60.00", "2000.00", "0.00"),
    ]


def test_the_last_capital_instalment_absorbs_the_rounding():
    # EUR 1,000.00 at 5 % over 3 years, yearly, amortising: 100,000 cents / 3 = 33,333 rest 1,
    # so 333.33, 333.33 and the last 333.34. Interest, rounded half-even to the cent:
    #   100,000 x 0.05 = 5,000    -> 50.00
    #    66,667 x 0.05 = 3,333.35 -> 33.33
    #    33,334 x 0.05 = 1,666.70 -> 16.67
    lines = schedule(BondTerms(eur("1000.00"), Decimal("0.05"), 3, 1, AMORTISING,
                               date(2027, 1, 15)))
    assert rows(lines) == [
        (1, "2028-01-15", "50.00", "333.33", "666.67"),
        (2, "2029-01-15", "33.33", "333.33", "333.34"),
        (3, "2030-01-15", "16.67", "333.34", "0.00"),
    ]


def test_interest_rounds_half_to_even():
    # 90 cents x 0.05 = 4.5 -> 4 (even); 110 cents x 0.05 = 5.5 -> 6 (even)
    assert period_interest(eur("0.90"), Decimal("0.05"), 1) == eur("0.04")
    assert period_interest(eur("1.10"), Decimal("0.05"), 1) == eur("0.06")


def test_dates_count_from_the_issue_date_so_a_clamp_never_drifts():
    # Issued 29 February 2024, yearly: 28 February in common years, the 29th again in 2028.
    lines = schedule(BondTerms(eur("400.00"), Decimal("0.04"), 4, 1, BULLET, date(2024, 2, 29)))
    assert [line.due_date for line in lines] == [
        date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]


def test_a_line_is_shared_among_holders_and_each_gets_back_exactly_their_holding():
    # The rounding bond above (EUR 1,000.00, 5 %, 3 years, amortising), held 500 / 300 / 200.
    lines = schedule(BondTerms(eur("1000.00"), Decimal("0.05"), 3, 1, AMORTISING,
                               date(2027, 1, 15)))
    shared = split_schedule(lines, {"a": eur("500.00"), "b": eur("300.00"), "c": eur("200.00")})

    def cents(payments):
        return {k: (p.interest.minor, p.capital.minor) for k, p in payments.items()}

    # Line 1, by holdings 5 : 3 : 2. Interest 5,000 -> 2,500 / 1,500 / 1,000 exactly.
    # Capital 33,333: a 16,666.5, b 9,999.9, c 6,666.6 -> floors 16,666 + 9,999 + 6,666 = 33,331;
    # two cents left -> the largest rests: b (.9), c (.6).
    assert cents(shared[0]) == {"a": (2500, 16666), "b": (1500, 10000), "c": (1000, 6667)}
    # Outstanding now a 33,334, b 20,000, c 13,333 (66,667). Line 2 by those:
    # interest 3,333: a 1,666.52, b 999.90, c 666.58 -> 1,666 + 999 + 666 = 3,331, two left
    #   -> b (.90), c (.58); capital 33,333: a 16,666.75, b 9,999.85, c 6,666.40 -> 33,331,
    #   two left -> b (.85), a (.75).
    assert cents(shared[1]) == {"a": (1666, 16667), "b": (1000, 10000), "c": (667, 6666)}
    # Outstanding a 16,667, b 10,000, c 6,667 = 33,334 = the last capital: each gets theirs.
    # Interest 1,667: a 833.5, b 500.09, c 333.41 -> 1,666, one left -> a (.5).
    assert cents(shared[2]) == {"a": (834, 16667), "b": (500, 10000), "c": (333, 6667)}
    for holder, holding in {"a": 50000, "b": 30000, "c": 20000}.items():
        assert sum(line[holder].capital.minor for line in shared) == holding
    for line, payments in zip(lines, shared, strict=True):
        assert sum(p.interest.minor for p in payments.values()) == line.interest.minor
        assert sum(p.capital.minor for p in payments.values()) == line.capital.minor
        assert {p.due_date for p in payments.values()} == {line.due_date}


def test_one_line_alone_is_shared_pro_rata_to_what_each_holder_has_outstanding():
    # The Stavanger bond's first line (225.00 interest, 1,000.00 capital) between holders of
    # NOK 6,000.00 and NOK 4,000.00: 135.00 + 600.00 and 90.00 + 400.00.
    line = schedule(BondTerms(nok("10000.00"), Decimal("0.045"), 5, 2, AMORTISING,
                              date(2026, 8, 31)))[0]
    payments = split_line(line, {"anna": nok("6000.00"), "bjorn": nok("4000.00")})
    assert payments["anna"].total == nok("735.00")
    assert payments["bjorn"].total == nok("490.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate": Decimal("0")}, "rate"),
        ({"rate": Decimal("0.26")}, "rate"),
        ({"rate": Decimal("-0.01")}, "rate"),
        ({"rate": 0.045}, "rate"),
        ({"rate": Decimal("0.0450001")}, "rate"),
        ({"term_years": 0}, "term_years"),
        ({"term_years": 31}, "term_years"),
        ({"payments_per_year": 4}, "payments_per_year"),
        ({"repayment": "annuity"}, "repayment"),
        ({"principal": eur("0.00")}, "principal"),
        ({"principal": eur("-5.00")}, "principal"),
    ],
)
def test_terms_out_of_range_are_refused_naming_the_field(changes, field):
    terms = {"principal": eur("1000.00"), "rate": Decimal("0.045"), "term_years": 5,
             "payments_per_year": 2, "repayment": AMORTISING, "issue_date": date(2027, 1, 1)}
    with pytest.raises((InvalidTerms, InvalidAmount)) as refused:
        BondTerms(**{**terms, **changes})
    assert refused.value.field == field
    assert refused.value.message


def test_holdings_that_do_not_add_up_to_the_principal_are_refused():
    lines = schedule(BondTerms(eur("1000.00"), Decimal("0.05"), 3, 1, BULLET, date(2027, 1, 1)))
    with pytest.raises(InvalidSplit, match="not the principal") as refused:
        split_schedule(lines, {"a": eur("500.00"), "b": eur("400.00")})
    assert refused.value.field == "holdings"
    with pytest.raises(InvalidSplit):
        split_schedule(lines, {"a": Money(100000, "NOK")})


@given(
    principal=st.integers(1, 10**9),
    rate=st.decimals("0.000001", "0.25", places=6),
    term=st.integers(1, 30),
    per_year=st.sampled_from([1, 2]),
    repayment=st.sampled_from([AMORTISING, BULLET]),
    holdings=st.lists(st.integers(0, 10**6), min_size=1, max_size=8),
)
def test_capital_sums_to_the_principal_and_every_holder_gets_exactly_their_holding(
        principal, rate, term, per_year, repayment, holdings):
    lines = schedule(BondTerms(Money(principal, "EUR"), rate, term, per_year, repayment,
                               date(2027, 1, 31)))
    assert len(lines) == term * per_year
    assert sum(line.capital.minor for line in lines) == principal
    assert lines[-1].outstanding_after.minor == 0
    assert all(line.capital.minor >= 0 and line.interest.minor >= 0 for line in lines)
    # holdings scaled to add up to the principal: the last holder takes the difference
    if sum(holdings) == 0:
        holdings[0] = 1
    scaled = [principal * h // sum(holdings) for h in holdings]
    scaled[-1] += principal - sum(scaled)
    owners = {f"h{i}": Money(h, "EUR") for i, h in enumerate(scaled)}
    shared = split_schedule(lines, owners)
    for owner, holding in owners.items():
        assert sum(line[owner].capital.minor for line in shared) == holding.minor
        assert all(line[owner].capital.minor >= 0 for line in shared)
    for line, payments in zip(lines, shared, strict=True):
        assert sum(p.total.minor for p in payments.values()) == line.total.minor


def test_a_rate_written_with_trailing_zeros_is_the_same_rate():
    # "0.0450000" has 7 decimals written but is 4.5 %: accepted; 0.0450001 is refused above.
    terms = BondTerms(eur("100.00"), Decimal("0.0450000"), 1, 1, BULLET, date(2027, 1, 1))
    assert schedule(terms)[0].interest == eur("4.50")


def test_an_offers_terms_parse_from_the_api_shape_and_issue_as_a_bond():
    conditions = BondConditions.parse({"rate": "0.045", "term_years": 5, "payments_per_year": 2,
                                       "repayment": "amortising"})
    assert conditions.as_data() == {"rate": "0.045", "term_years": 5, "payments_per_year": 2,
                                    "repayment": "amortising"}
    assert BondConditions.parse(conditions.as_data()) == conditions
    bond = conditions.issue(nok("10000.00"), date(2026, 8, 31))
    assert bond.conditions == conditions
    assert schedule(bond)[0].interest == nok("225.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rate": 0.045, "term_years": 5, "payments_per_year": 2, "repayment": "bullet"}, "rate"),
        ({"rate": "4.5%", "term_years": 5, "payments_per_year": 2, "repayment": "bullet"}, "rate"),
        ({"rate": "0.3", "term_years": 5, "payments_per_year": 2, "repayment": "bullet"}, "rate"),
        ({"rate": "0.045", "term_years": "5", "payments_per_year": 2, "repayment": "bullet"},
         "term_years"),
        ({"rate": "0.045", "term_years": 5.0, "payments_per_year": 2, "repayment": "bullet"},
         "term_years"),
        ({"rate": "0.045", "term_years": 5, "payments_per_year": 12, "repayment": "bullet"},
         "payments_per_year"),
        ({"rate": "0.045", "term_years": 5, "payments_per_year": 2}, "repayment"),
        ({"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "bullet",
          "grace": 1}, "terms"),
        (["0.045"], "terms"),
    ],
)
def test_an_offers_terms_that_are_wrong_are_refused_naming_the_field(data, field):
    with pytest.raises(InvalidTerms) as refused:
        BondConditions.parse(data)
    assert refused.value.field == field


def test_what_falls_due_by_a_day_and_within_the_next_12_months():
    # The Stavanger bond: by 1 March 2028 three payments were due (Feb 2027, Aug 2027, Feb 2028),
    # leaving NOK 7,000.00; the 12 months after that hold the August 2028 and February 2029 ones.
    lines = schedule(BondTerms(nok("10000.00"), Decimal("0.045"), 5, 2, AMORTISING,
                               date(2026, 8, 31)))
    assert [line.number for line in due_by(lines, date(2028, 3, 1))] == [1, 2, 3]
    assert outstanding_on(lines, date(2028, 3, 1)) == nok("7000.00")
    assert outstanding_on(lines, date(2026, 9, 1)) == nok("10000.00")
    assert outstanding_on(lines, date(2040, 1, 1)) == nok("0.00")
    next_year = due_within(lines, date(2028, 3, 1), add_months(date(2028, 3, 1), 12))
    assert [(line.due_date, line.total) for line in next_year] == [
        (date(2028, 8, 31), nok("1157.50")), (date(2029, 2, 28), nok("1135.00"))]
