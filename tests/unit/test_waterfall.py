"""The benefit-sharing waterfall, worked by hand: return of capital, the preferred return carried
forward across reports, the residual split; and its properties (hypothesis): a distribution adds
up to the benefit, never pays a tier more than it allows, and is the same when replayed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.investment.errors import InvalidDistribution, InvalidSplit, InvalidTerms
from domain.investment.waterfall import (
    COMMUNITY_FUND,
    INVESTORS,
    PARTIES,
    PREFERRED_RETURN,
    RESIDUAL,
    RETURN_OF_CAPITAL,
    AgreementTerms,
    Carried,
    accrual,
    distribute,
    replay,
)
from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


# 5 % preferred; residual city 40 %, investors 30 %, community fund 20 %, proposer 10 %.
TERMS = AgreementTerms(Decimal("0.05"), {"city": Decimal(40), "investors": Decimal(30),
                                         "community_fund": Decimal(20), "proposer": Decimal(10)})
# Ana paid in EUR 6,000.00 and Bea EUR 4,000.00; the capital earns from 31 December 2025.
START = Carried.start({"ana": eur("6000.00"), "bea": eur("4000.00")}, date(2025, 12, 31))
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))
YEAR_2027 = (date(2027, 1, 1), date(2027, 12, 31))
YEAR_2028 = (date(2028, 1, 1), date(2028, 12, 31))


def paid(distribution) -> list[tuple[int, str, str | None, str]]:
    return [(p.tier, p.party, p.investor, p.amount.to_decimal_string())
            for p in distribution.payments]


def test_three_reports_down_the_tiers_with_the_preferred_return_carried_forward():
    # Report 1, 2026, benefit EUR 4,000.00. Accrued: 10,000.00 x 0.05 x 365 / 365 = 500.00.
    # Tier 1 may pay up to the 10,000.00 outstanding: all 4,000.00 goes there, 6 : 4 ->
    # Ana 2,400.00, Bea 1,600.00. Nothing left for tier 2: 500.00 is carried forward.
    first, carried = distribute(TERMS, START, eur("4000.00"), *YEAR_2026)
    assert first.accrued == eur("500.00")
    assert first.limits == {RETURN_OF_CAPITAL: eur("10000.00"), PREFERRED_RETURN: eur("500.00")}
    assert paid(first) == [(1, INVESTORS, "ana", "2400.00"), (1, INVESTORS, "bea", "1600.00")]
    assert carried.capital == {"ana": eur("3600.00"), "bea": eur("2400.00")}
    assert carried.preferred_unpaid == eur("500.00")
    assert carried.last_accrual == date(2026, 12, 31)

    # Report 2, 2027, benefit EUR 6,500.00. Accrued on the 6,000.00 still out over 365 days:
    # 6,000 x 0.05 = 300.00, so 500.00 + 300.00 = 800.00 preferred return is due.
    # Tier 1: 6,000.00 (Ana 3,600.00, Bea 2,400.00) -> capital repaid; 500.00 left.
    # Tier 2: 500.00 of the 800.00 due, by paid-in 6 : 4 -> Ana 300.00, Bea 200.00;
    # 300.00 carried forward. Nothing left for the residual.
    second, carried = distribute(TERMS, carried, eur("6500.00"), *YEAR_2027)
    assert second.accrued == eur("300.00")
    assert second.limits == {RETURN_OF_CAPITAL: eur("6000.00"), PREFERRED_RETURN: eur("800.00")}
    assert paid(second) == [
        (1, INVESTORS, "ana", "3600.00"), (1, INVESTORS, "bea", "2400.00"),
        (2, INVESTORS, "ana", "300.00"), (2, INVESTORS, "bea", "200.00")]
    assert carried.capital_outstanding == eur("0.00")
    assert carried.preferred_unpaid == eur("300.00")

    # Report 3, 2028 (a leap year, but no capital is out: nothing accrues), EUR 1,300.00.
    # Tier 1: nothing outstanding. Tier 2: the 300.00 carried (Ana 180.00, Bea 120.00).
    # Tier 3: 1,000.00 -> city 400.00, investors 300.00 (Ana 180.00, Bea 120.00),
    # community fund 200.00, proposer 100.00.
    third, carried = distribute(TERMS, carried, eur("1300.00"), *YEAR_2028)
    assert third.accrued == eur("0.00")
    assert paid(third) == [
        (2, INVESTORS, "ana", "180.00"), (2, INVESTORS, "bea", "120.00"),
        (3, "city", None, "400.00"),
        (3, INVESTORS, "ana", "180.00"), (3, INVESTORS, "bea", "120.00"),
        (3, COMMUNITY_FUND, None, "200.00"), (3, "proposer", None, "100.00")]
    assert third.classes[(RESIDUAL, INVESTORS)] == eur("300.00")
    assert carried.preferred_unpaid == eur("0.00")
    # Over the three reports Ana got back her 6,000.00 plus 480.00 preferred and 180.00 residual.
    assert sum((d.to_investor("ana") for d in (first, second, third)), eur("0")) == eur("6660.00")
    for distribution in (first, second, third):
        assert distribution.total == distribution.benefit


def test_the_residual_split_gives_the_odd_cent_to_the_largest_remainder():
    # Everything repaid and nothing due: EUR 1.01 of residual.
    # city 101 x 40 % = 40.4, investors 30.3, community fund 20.2, proposer 10.1 (cents):
    # floors 40 + 30 + 20 + 10 = 100, one cent left -> the city (.4).
    # Investors' 30 cents by paid-in 6 : 4 -> Ana 18, Bea 12.
    done = Carried(currency="EUR", paid_in=START.paid_in,
                   capital={"ana": eur("0"), "bea": eur("0")}, preferred_unpaid=eur("0"),
                   last_accrual=date(2027, 12, 31))
    distribution, _ = distribute(TERMS, done, eur("1.01"), *YEAR_2028)
    assert {party: distribution.classes[(RESIDUAL, party)].minor for party in PARTIES} == {
        "city": 41, "investors": 30, "community_fund": 20, "proposer": 10}
    assert distribution.to_investor("ana") == eur("0.18")
    assert distribution.to_investor("bea") == eur("0.12")


def test_the_preferred_return_accrues_per_day_on_actual_365():
    # A leap year: 10,000.00 x 0.05 x 366 / 365 = 501.369... -> 501.37
    assert accrual(eur("10000.00"), Decimal("0.05"), date(2028, 1, 1), date(2029, 1, 1)) == eur(
        "501.37")
    # 30 days on 1,000.00 at 4 %: 1,000 x 0.04 x 30 / 365 = 3.2876... -> 3.29
    assert accrual(eur("1000.00"), Decimal("0.04"), date(2027, 3, 1), date(2027, 3, 31)) == eur(
        "3.29")
    # A period ending before the last accrual date accrues nothing
    assert accrual(eur("1000.00"), Decimal("0.04"), date(2027, 3, 31), date(2027, 3, 1)) == eur(
        "0")


def test_a_zero_benefit_pays_nothing_and_carries_the_accrual_forward():
    distribution, carried = distribute(TERMS, START, eur("0.00"), *YEAR_2026)
    assert distribution.payments == ()
    assert carried.preferred_unpaid == eur("500.00")
    assert carried.capital == START.capital


@pytest.mark.parametrize(
    ("rate", "residual", "field"),
    [
        (Decimal("0.30"), {"city": 40, "investors": 30, "community_fund": 20, "proposer": 10},
         "preferred_rate"),
        (Decimal("-0.01"), {"city": 40, "investors": 30, "community_fund": 20, "proposer": 10},
         "preferred_rate"),
        (0.05, {"city": 40, "investors": 30, "community_fund": 20, "proposer": 10},
         "preferred_rate"),
        (Decimal("0.05"), {"city": 40, "investors": 30, "community_fund": 20, "proposer": 9},
         "residual"),
        (Decimal("0.05"), {"city": 40, "investors": 30, "community_fund": 30}, "residual"),
        (Decimal("0.05"), {"city": 140, "investors": -30, "community_fund": -20, "proposer": 10},
         "residual.city"),
        (Decimal("0.05"), {"city": "40", "investors": 30, "community_fund": 20, "proposer": 10},
         "residual.city"),
    ],
)
def test_terms_out_of_range_are_refused_naming_the_field(rate, residual, field):
    with pytest.raises(InvalidTerms) as refused:
        AgreementTerms(rate, residual)
    assert refused.value.field == field
    assert refused.value.message


def test_a_residual_not_adding_up_to_100_says_what_it_adds_up_to():
    with pytest.raises(InvalidTerms, match=r"add up to 99\.5, not 100"):
        AgreementTerms(Decimal("0.05"), {"city": Decimal("40"), "investors": Decimal("29.5"),
                                         "community_fund": 20, "proposer": 10})


def test_bad_benefits_are_refused():
    with pytest.raises(InvalidDistribution, match="negative"):
        distribute(TERMS, START, eur("-1.00"), *YEAR_2026)
    with pytest.raises(InvalidDistribution) as backwards:
        distribute(TERMS, START, eur("1.00"), date(2026, 12, 31), date(2026, 1, 1))
    assert backwards.value.field == "period_end"
    with pytest.raises(CurrencyMismatch):
        distribute(TERMS, START, Money(100, "NOK"), *YEAR_2026)
    with pytest.raises(InvalidSplit):
        Carried.start({}, date(2026, 1, 1))
    with pytest.raises(InvalidSplit):
        Carried.start({"ana": eur("0")}, date(2026, 1, 1))
    with pytest.raises(InvalidSplit):
        Carried.start({"ana": eur("-1.00")}, date(2026, 1, 1))


# -- properties ------------------------------------------------------------------------------

# three cuts of 0..100 make four percentages adding up to 100
residuals = st.lists(st.integers(0, 100), min_size=3, max_size=3).map(sorted).map(
    lambda c: dict(zip(PARTIES, (Decimal(c[0]), Decimal(c[1] - c[0]), Decimal(c[2] - c[1]),
                                 Decimal(100 - c[2])), strict=True)))
terms = st.builds(AgreementTerms, st.decimals("0", "0.25", places=6), residuals)
investors = st.lists(st.integers(0, 10**8), min_size=1, max_size=6).filter(
    lambda amounts: sum(amounts) > 0)
reports = st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 400), st.integers(0, 60)),
                   min_size=1, max_size=8)


def run(agreement, amounts, steps):
    start = Carried.start({f"i{n}": Money(a, "EUR") for n, a in enumerate(amounts)},
                          date(2026, 1, 1))
    day, dated = start.last_accrual, []
    for benefit, length, gap in steps:
        period_start = day + timedelta(days=gap)
        day = period_start + timedelta(days=length)
        dated.append((Money(benefit, "EUR"), period_start, day))
    return start, dated, replay(agreement, start, dated)


@given(terms, investors, reports)
def test_distributions_add_up_never_exceed_a_tier_and_are_the_same_when_replayed(
        agreement, amounts, steps):
    start, dated, (distributions, end) = run(agreement, amounts, steps)
    carried = start
    capital_back = {k: 0 for k in start.paid_in}
    for distribution in distributions:
        # the parts add up to the benefit exactly, and every payment is positive
        assert distribution.total == distribution.benefit
        assert all(p.amount.is_positive() for p in distribution.payments)
        tier = {t: distribution.tier_total(t).minor for t in (1, 2, 3)}
        # no tier pays more than it allows; a tier gets something only when those above are full
        assert tier[1] <= distribution.limits[RETURN_OF_CAPITAL].minor
        assert tier[1] <= carried.capital_outstanding.minor
        assert tier[2] <= distribution.limits[PREFERRED_RETURN].minor
        if tier[2] or tier[3]:
            assert tier[1] == distribution.limits[RETURN_OF_CAPITAL].minor
        if tier[3]:
            assert tier[2] == distribution.limits[PREFERRED_RETURN].minor
        # the class amounts are what the payments to each class add up to
        for (t, party), amount in distribution.classes.items():
            assert amount.minor == sum(p.amount.minor for p in distribution.payments
                                       if p.tier == t and p.party == party)
        for p in distribution.payments:
            if p.tier == RETURN_OF_CAPITAL:
                capital_back[p.investor] += p.amount.minor
        # nobody gets back more capital than they paid in
        assert all(capital_back[k] <= start.paid_in[k].minor for k in capital_back)
        _, carried = distribute(agreement, carried, distribution.benefit,
                                distribution.period_start, distribution.period_end)
    assert carried == end
    assert {k: start.paid_in[k].minor - capital_back[k] for k in capital_back} == {
        k: v.minor for k, v in end.capital.items()}
    # replaying the same reports from the same start gives the same payments and state
    assert replay(agreement, start, dated) == (distributions, end)


def test_an_agreements_terms_parse_from_the_api_shape():
    terms = AgreementTerms.parse({"preferred_rate": "0.05", "residual": {
        "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"},
        "community_fund_id": "left to the caller"})
    assert terms == TERMS
    assert terms.as_data() == {"preferred_rate": "0.05", "residual": {
        "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}
    assert AgreementTerms.parse(terms.as_data()) == terms


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"residual": {"city": "40", "investors": "30", "community_fund": "20",
                       "proposer": "10"}}, "preferred_rate"),
        ({"preferred_rate": 0.05, "residual": {"city": "40", "investors": "30",
                                               "community_fund": "20", "proposer": "10"}},
         "preferred_rate"),
        ({"preferred_rate": "0.05", "residual": {"city": 40, "investors": "30",
                                                 "community_fund": "20", "proposer": "10"}},
         "residual.city"),
        ({"preferred_rate": "0.05", "residual": {"city": "40", "investors": "30",
                                                 "community_fund": "20", "proposer": "5"}},
         "residual"),
        ({"preferred_rate": "0.05", "residual": {"city": "100"}}, "residual"),
        ("0.05", "agreement"),
    ],
)
def test_an_agreements_terms_that_are_wrong_are_refused_naming_the_field(data, field):
    with pytest.raises(InvalidTerms) as refused:
        AgreementTerms.parse(data)
    assert refused.value.field == field


def test_the_carried_state_goes_into_an_event_and_comes_back_the_same():
    _, carried = distribute(TERMS, START, eur("4000.00"), *YEAR_2026)
    data = carried.as_data()
    assert data == {"currency": "EUR", "paid_in": [["ana", 600000], ["bea", 400000]],
                    "capital": [["ana", 360000], ["bea", 240000]], "preferred_unpaid": 50000,
                    "last_accrual": "2026-12-31"}
    assert Carried.from_data(data) == carried
