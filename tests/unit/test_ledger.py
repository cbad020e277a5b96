"""The ledger from worked examples: each money event's postings, balances that are the figures
the platform shows, and names a person can read."""

from __future__ import annotations

from collections import Counter
from uuid import uuid4

import pytest

from domain.ledger import chart
from domain.ledger.bookkeeping import Bookkeeper, MemoryFacts
from domain.ledger.chart import UnknownAccount
from domain.ledger.postings import Unbalanced, check_balanced, crosses_sign, move
from tests.unit.conftest import RATIO, Matched, eur


def balances(app) -> Counter:
    """Every account's balance, from the whole log through the bookkeeper alone."""
    books = Bookkeeper(MemoryFacts())
    totals: Counter = Counter()
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        for posting in books.record(app.mapper.to_domain_event(notification)):
            totals[posting.account.name] += posting.amount
    return totals


def test_an_authorised_pledge_moves_the_promise_to_the_project():
    campaign = Matched()
    citizen = campaign.citizen()
    campaign.pledge("25.00", citizen=citizen)
    books = balances(campaign.app)
    assert books[f"citizen/{citizen}/promised/EUR"] == -2500
    assert books[f"project/{campaign.project}/pledged"] == 2500
    assert sum(books.values()) == 0


def test_a_cancelled_pledge_gives_the_promise_back():
    campaign = Matched()
    citizen = campaign.citizen()
    pledge = campaign.pledge("25.00", citizen=citizen)
    campaign.cancel(pledge)
    books = balances(campaign.app)
    assert books[f"citizen/{citizen}/promised/EUR"] == 0
    assert books[f"project/{campaign.project}/pledged"] == 0


def test_a_funded_campaign_charges_and_commits_its_matches_and_owes_the_payout():
    campaign = Matched()
    fund = campaign.fund(RATIO, pool="100.00")
    backers = [campaign.citizen() for _ in range(3)]
    for citizen, amount in zip(backers, ("40.00", "30.00", "20.00"), strict=True):
        campaign.pledge(amount, citizen=citizen)
    campaign.after_deadline()
    campaign.settle()
    books = balances(campaign.app)
    project = campaign.project
    assert books[f"project/{project}/charged"] == 9000
    assert books[f"project/{project}/pledged"] == 0
    assert books[f"fund/{fund}/committed/{project}"] == 2500 + 2500 + 2000
    assert books[f"fund/{fund}/available"] == 10000 - 7000
    assert books[f"fund/{fund}/sponsor"] == -10000
    assert books[f"project/{project}/payout"] == 9000 + 7000
    for citizen, paid in zip(backers, (4000, 3000, 2000), strict=True):
        assert books[f"citizen/{citizen}/paid/EUR"] == -paid
        assert books[f"citizen/{citizen}/promised/EUR"] == 0
    fund_state = campaign.app.get_matching_fund(fund)
    assert books[f"fund/{fund}/available"] == fund_state.available
    assert sum(books.values()) == 0


def test_an_unfunded_campaign_releases_pledges_and_gives_matches_back_to_the_pool():
    campaign = Matched()
    fund = campaign.fund(RATIO, pool="100.00")
    citizen = campaign.citizen()
    campaign.pledge("10.00", citizen=citizen)
    campaign.after_deadline()
    campaign.settle()
    books = balances(campaign.app)
    assert books[f"project/{campaign.project}/pledged"] == 0
    assert books[f"fund/{fund}/reserved/{campaign.project}"] == 0
    assert books[f"fund/{fund}/available"] == 10000
    assert books[f"citizen/{citizen}/promised/EUR"] == 0


def test_a_closed_fund_returns_its_remainder_to_the_sponsor():
    campaign = Matched()
    fund = campaign.fund(RATIO, pool="100.00")
    campaign.pledge("10.00")
    with campaign.as_officer():
        campaign.app.top_up_matching_fund(fund, eur("50.00"))
        campaign.app.close_matching_fund(fund)
    books = balances(campaign.app)
    assert books[f"fund/{fund}/sponsor"] == -15000
    assert books[f"fund/{fund}/returned"] == 15000 - 1000
    assert books[f"fund/{fund}/available"] == 0
    assert books[f"fund/{fund}/reserved/{campaign.project}"] == 1000


def test_account_names_read_back_into_the_chart():
    project, fund = uuid4(), uuid4()
    for account in (chart.pledged(project), chart.reserved(fund, project), chart.sponsor(fund),
                    chart.promised(uuid4(), "NOK")):
        assert chart.parse(account.name) == account
    for bad in ("project/x/pledged", f"project/{project}/stolen", f"fund/{fund}/reserved",
                f"project/{project}/pledged/{fund}", f"citizen/{project}/promised",
                f"citizen/{project}/promised/eur", f"fund/{fund}/reserved/EUR", "",
                "../etc/passwd"):
        with pytest.raises(UnknownAccount):
            chart.parse(bad)


def test_postings_that_do_not_balance_are_refused_and_signs_are_checked():
    project, citizen = uuid4(), uuid4()
    legs = move(500, "EUR", chart.promised(citizen, "EUR"), chart.pledged(project))
    check_balanced(legs)
    with pytest.raises(Unbalanced):
        check_balanced(legs[:1])
    assert crosses_sign(chart.pledged(project), -1)
    assert crosses_sign(chart.promised(citizen, "EUR"), 1)
    assert not crosses_sign(chart.promised(citizen, "EUR"), -500)
