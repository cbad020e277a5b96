"""Projected benefits of a benefit share and what an investor is expected to have by now."""

from datetime import date
from decimal import Decimal

import pytest

from domain.investment.offer import parse_terms
from domain.investment.projection import (
    InvalidProjection,
    expected_to_date,
    parse_projection,
    projected_benefit,
)
from domain.investment.waterfall import AgreementTerms
from domain.kernel.money import Money

TERMS = AgreementTerms(Decimal("0.05"), {"city": Decimal(40), "investors": Decimal(35),
                                          "community_fund": Decimal(15),
                                          "proposer": Decimal(10)})


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_a_year_of_projection_pays_capital_preferred_return_and_residual():
    # 3,650.00 a year for 365 days is 3,650.00. Tier 1 returns all 3,000.00 of capital
    # (A 2,000.00, B 1,000.00); tier 2 is 5 % of 3,000.00 for 365/365 of a year = 150.00
    # (A 100.00, B 50.00); the residual 500.00 gives the investors 35 % = 175.00, pro rata
    # 116.666.. and 58.333..: A 116.67, B 58.33 (largest remainder).
    paid_in = {"A": eur("2000.00"), "B": eur("1000.00")}
    since, today = date(2025, 1, 1), date(2026, 1, 1)
    assert projected_benefit(eur("3650.00"), since, today) == eur("3650.00")
    assert expected_to_date(TERMS, paid_in, "A", eur("3650.00"), since, today) == eur("2216.67")
    assert expected_to_date(TERMS, paid_in, "B", eur("3650.00"), since, today) == eur("1108.33")


def test_a_part_year_only_returns_capital_pro_rata():
    # 36,500.00 a year for 100 days (1 Jan to 11 Apr) is 10,000.00, all return of capital:
    # A 25/35 of it = 7,142.857.. -> 7,142.86; B 2,857.142.. -> 2,857.14.
    paid_in = {"A": eur("25000.00"), "B": eur("10000.00")}
    since, today = date(2026, 1, 1), date(2026, 4, 11)
    assert expected_to_date(TERMS, paid_in, "A", eur("36500.00"), since, today) == eur("7142.86")
    assert expected_to_date(TERMS, paid_in, "B", eur("36500.00"), since, today) == eur("2857.14")


def test_nothing_is_expected_on_the_first_day():
    paid_in = {"A": eur("100.00")}
    assert expected_to_date(TERMS, paid_in, "A", eur("1000.00"), date(2026, 1, 1),
                            date(2026, 1, 1)) == eur("0.00")


@pytest.mark.parametrize("data", [{"annual": "0"}, {"annual": "-5.00"}, {"annual": "12.345"},
                                  {"annual": 12000}, {"annual": "twelve"}, {"yearly": "1.00"},
                                  "12000.00"])
def test_bad_projections_are_refused_with_a_stable_code(data):
    with pytest.raises(InvalidProjection) as refused:
        parse_projection(data, "EUR")
    assert refused.value.code == "invalid_projected_benefits"


def test_offer_terms_keep_a_checked_projection():
    terms = {"agreement": {"preferred_rate": "0.05", "residual": {
        "city": "40", "investors": "35", "community_fund": "15", "proposer": "10"},
        "projected_benefits": {"annual": "12000"}}}
    data = parse_terms("benefit_share", terms, "EUR")
    assert data["agreement"]["projected_benefits"] == {"annual": "12000.00"}
    del terms["agreement"]["projected_benefits"]
    assert "projected_benefits" not in parse_terms("benefit_share", terms, "EUR")["agreement"]
