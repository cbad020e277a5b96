"""A city's liabilities by its bonds' schedules: worked examples computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from domain.investment.liabilities import bond_liability, issue_date, totals
from domain.kernel.money import Money

HALF_YEARLY = {"rate": "0.045", "term_years": 5, "payments_per_year": 2,
               "repayment": "amortising"}


def bond(principal: str, currency: str, today: date, terms=HALF_YEARLY):
    return bond_liability(offer_id=uuid4(), project_id=uuid4(), project_title="Pilot",
                          terms=terms, principal=Money.parse(principal, currency),
                          issue_date=date(2027, 1, 15), today=today)


def test_before_the_first_payment_everything_is_outstanding_and_two_payments_fall_due():
    found = bond("10000.00", "EUR", date(2027, 3, 1))
    assert found.outstanding == Money.parse("10000.00", "EUR")
    # 10,000 x 4.5 % / 2 = 225.00, then 9,000 x 2.25 % = 202.50; 1,000.00 capital each.
    assert [(line.due_date, str(line.interest), str(line.capital)) for line in found.due] == [
        (date(2027, 7, 15), "EUR 225.00", "EUR 1,000.00"),
        (date(2028, 1, 15), "EUR 202.50", "EUR 1,000.00")]
    assert found.due_total == Money.parse("2427.50", "EUR")
    assert found.maturity == date(2032, 1, 15)


def test_a_payment_due_today_is_no_longer_owed_and_the_window_moves_on():
    found = bond("10000.00", "EUR", date(2027, 7, 15))
    assert found.outstanding == Money.parse("9000.00", "EUR")
    # 9,000 x 2.25 % = 202.50, then 8,000 x 2.25 % = 180.00.
    assert [line.due_date for line in found.due] == [date(2028, 1, 15), date(2028, 7, 15)]
    assert found.due_interest == Money.parse("382.50", "EUR")


def test_a_bullet_bond_owes_only_interest_until_maturity():
    bullet = {**HALF_YEARLY, "repayment": "bullet", "payments_per_year": 1}
    found = bond("10000.00", "EUR", date(2027, 3, 1), terms=bullet)
    assert found.outstanding == Money.parse("10000.00", "EUR")
    assert found.due_capital == Money.zero("EUR")
    assert found.due_interest == Money.parse("450.00", "EUR")


def test_after_maturity_nothing_is_owed():
    found = bond("10000.00", "EUR", date(2032, 1, 15))
    assert found.outstanding == Money.zero("EUR") and found.due == ()


def test_totals_are_per_currency_and_never_mix():
    today = date(2027, 3, 1)
    bonds = [bond("10000.00", "EUR", today), bond("2000.00", "EUR", today),
             bond("300000.00", "NOK", today)]
    found = {t.currency: t for t in totals(bonds)}
    assert sorted(found) == ["EUR", "NOK"]
    assert found["EUR"].outstanding == Money.parse("12000.00", "EUR")
    assert found["EUR"].due_total == bonds[0].due_total + bonds[1].due_total
    assert found["NOK"].due_capital == Money.parse("60000.00", "NOK")


def test_a_bond_is_issued_on_the_utc_day_its_offer_closes():
    assert issue_date(datetime(2027, 1, 15, 23, 30, tzinfo=UTC)) == date(2027, 1, 15)
