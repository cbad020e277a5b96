"""Pledge rules: only while a campaign takes pledges, a positive amount within the limit, in the
project's currency; only its citizen cancels it, and only while it is authorised and open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.crowdfunding.pledge import (
    AUTHORISED,
    CANCELLED,
    REQUESTED,
    STATUSES,
    Pledge,
    check_pledge_amount,
    pledge_limit,
)
from domain.crowdfunding.project import ALL_OR_NOTHING, BudgetLine, Project
from domain.kernel.errors import (
    CampaignNotOpen,
    CurrencyMismatch,
    InvalidAmount,
    InvalidTransition,
    NotPermitted,
)
from domain.kernel.money import Money

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OPENS = NOW - timedelta(days=1)
CLOSES = NOW + timedelta(days=10)


def project(currency: str = "EUR", *, open_campaign: bool = True) -> Project:
    p = Project.draft(
        city_id=uuid4(), city_currency=currency, currency=currency, area="Centre",
        theme="Energy", title="Solar benches", summary="Benches that charge phones.",
        proposer="Porto Makers",
        budget_lines=[BudgetLine("Benches", Money.parse("5000", currency), True)],
        funding_model=ALL_OR_NOTHING, opens_at=OPENS, closes_at=CLOSES, now=OPENS,
    )
    if open_campaign:
        p.open_campaign(NOW)
    return p


def pledge(on: Project, amount: Money, *, now: datetime = NOW, citizen=None) -> Pledge:
    return Pledge.make(
        pledge_id=uuid4(), project=on, citizen_id=citizen or uuid4(), amount=amount,
        payment_method="pm_card_visa", now=now,
    )


def authorised(on: Project, citizen) -> Pledge:
    made = pledge(on, Money(2500, "EUR"), citizen=citizen)
    made.authorised(payment_reference="pi_sandbox_1", kind="hold")
    return made


def test_a_pledge_inside_an_open_campaign_is_requested_until_authorised():
    citizen = uuid4()
    made = pledge(project(), Money(2500, "EUR"), citizen=citizen)
    assert (made.status, made.amount, made.citizen_id) == (REQUESTED, Money(2500, "EUR"), citizen)
    made.authorised(payment_reference="pi_sandbox_1", kind="hold")
    assert made.status == AUTHORISED
    assert made.payment_reference == "pi_sandbox_1"


def test_a_draft_project_takes_no_pledges():
    with pytest.raises(CampaignNotOpen):
        pledge(project(open_campaign=False), Money(2500, "EUR"))


def test_pledges_before_the_window_opens_are_refused():
    with pytest.raises(CampaignNotOpen, match="not opened yet"):
        pledge(project(), Money(2500, "EUR"), now=OPENS - timedelta(seconds=1))


def test_pledges_from_the_moment_the_window_opens_are_taken():
    assert pledge(project(), Money(2500, "EUR"), now=OPENS).status == REQUESTED
    assert pledge(project(), Money(2500, "EUR"), now=CLOSES - timedelta(seconds=1))


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_pledges_at_or_after_the_close_are_refused(after):
    with pytest.raises(CampaignNotOpen, match="closed"):
        pledge(project(), Money(2500, "EUR"), now=CLOSES + after)


@pytest.mark.parametrize("minor", [0, -1, -2500])
def test_a_pledge_must_be_more_than_zero(minor):
    with pytest.raises(InvalidAmount, match="more than zero"):
        pledge(project(), Money(minor, "EUR"))


def test_a_pledge_in_another_currency_is_refused():
    with pytest.raises(CurrencyMismatch, match="takes EUR"):
        pledge(project(), Money(2500, "GBP"))


@pytest.mark.parametrize("currency", ["EUR", "GBP", "NOK", "HUF", "JPY", "KWD"])
def test_a_pledge_of_exactly_the_limit_is_taken_and_one_minor_unit_more_is_refused(currency):
    limit = pledge_limit(currency)
    assert limit.currency == currency and limit.is_positive()
    check_pledge_amount(limit, currency)
    with pytest.raises(InvalidAmount, match="at most"):
        check_pledge_amount(limit + Money(1, currency), currency)


def test_the_pledge_limit_is_per_currency_in_major_units():
    assert pledge_limit("EUR") == Money.parse("1000000", "EUR")
    assert pledge_limit("JPY") == Money.parse("160000000", "JPY")
    assert pledge_limit("HUF") == Money.parse("400000000", "HUF")
    assert pledge_limit("KWD") == Money.parse("1000000", "KWD")


def test_the_citizen_who_pledged_can_cancel_while_the_campaign_is_open():
    citizen = uuid4()
    p = project()
    made = authorised(p, citizen)
    made.cancel(by=citizen, project=p, now=NOW)
    assert made.status == CANCELLED


def test_only_the_citizen_who_pledged_can_cancel():
    p = project()
    made = authorised(p, uuid4())
    with pytest.raises(NotPermitted):
        made.cancel(by=uuid4(), project=p, now=NOW)
    assert made.status == AUTHORISED


def test_a_cancelled_pledge_cannot_be_cancelled_again():
    citizen, p = uuid4(), project()
    made = authorised(p, citizen)
    made.cancel(by=citizen, project=p, now=NOW)
    with pytest.raises(InvalidTransition, match="cancelled"):
        made.cancel(by=citizen, project=p, now=NOW)


def test_a_pledge_not_yet_authorised_cannot_be_cancelled():
    citizen, p = uuid4(), project()
    made = pledge(p, Money(2500, "EUR"), citizen=citizen)
    with pytest.raises(InvalidTransition):
        made.cancel(by=citizen, project=p, now=NOW)


def test_a_pledge_cannot_be_cancelled_once_the_campaign_has_closed():
    citizen, p = uuid4(), project()
    made = authorised(p, citizen)
    with pytest.raises(InvalidTransition, match="closed"):
        made.cancel(by=citizen, project=p, now=CLOSES)
    assert made.status == AUTHORISED


def test_the_pledge_statuses_follow_the_payment():
    assert set(STATUSES) >= {"authorised", "charged", "cancelled", "released", "payment_failed",
                             "dropped", "refunded"}
