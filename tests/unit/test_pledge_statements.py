"""The yearly pledge statement's rule: which pledges a year lists, what each paid in it (charged
minus refunded in that year) and the totals per currency, never mixed."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from domain.crowdfunding.pledge_statements import PledgeRecord, pledge_statement
from domain.kernel.money import Money


def record(amount: str, currency: str, made: datetime, charged: datetime | None = None,
           refunded: datetime | None = None, timezone: str = "UTC") -> PledgeRecord:
    return PledgeRecord(
        pledge_id=uuid4(), project_id=uuid4(), project_title="A pilot",
        amount=Money.parse(amount, currency), status="charged", made_at=made,
        charged_at=charged, refunded_at=refunded, timezone=timezone)


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_totals_are_per_currency_and_count_charges_less_refunds_of_the_year():
    pledges = [
        record("120.00", "EUR", at(2026, 11, 1), charged=at(2026, 12, 1)),
        record("110.00", "EUR", at(2026, 11, 2), charged=at(2026, 12, 1),
               refunded=at(2026, 12, 20)),
        record("25000", "HUF", at(2026, 3, 1), charged=at(2026, 4, 1)),
        record("30.00", "EUR", at(2026, 11, 3)),  # still a promise: listed, nothing paid
    ]
    statement = pledge_statement(2026, pledges)
    assert len(statement.lines) == 4
    assert statement.paid() == [Money.parse("120.00", "EUR"), Money.parse("25000", "HUF")]


def test_a_refund_the_next_year_is_paid_one_year_and_taken_back_the_next():
    refunded = record("110.00", "EUR", at(2026, 11, 2), charged=at(2026, 12, 1),
                      refunded=at(2027, 1, 10))
    assert pledge_statement(2026, [refunded]).paid() == [Money.parse("110.00", "EUR")]
    assert pledge_statement(2027, [refunded]).paid() == [Money.parse("-110.00", "EUR")]
    assert pledge_statement(2025, [refunded]).lines == ()
    assert pledge_statement(2025, [refunded]).paid() == []


def test_the_year_is_read_in_the_pilots_city_zone():
    # 23:30 UTC on 31 December is already 1 January in Zagreb.
    late = record("50.00", "EUR", at(2026, 12, 1), charged=at(2026, 12, 31, 23).replace(
        minute=30), timezone="Europe/Zagreb")
    assert pledge_statement(2026, [late]).paid() == [Money.zero("EUR")]
    assert pledge_statement(2027, [late]).paid() == [Money.parse("50.00", "EUR")]
    assert late.charged_on.isoformat() == "2027-01-01"


def test_lines_are_oldest_first():
    second = record("2.00", "EUR", at(2026, 6, 2))
    first = record("1.00", "EUR", at(2026, 6, 1))
    assert [line.amount for line in pledge_statement(2026, [second, first]).lines] == [
        first.amount, second.amount]
