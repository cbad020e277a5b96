"""A benefit-sharing agreement that names a community fund: the fund's share of each approved
benefit tops that matching fund up (its pool grows, the ledger moves the money from the pilot's
community-fund account into the pool, the fund's page names the pilot), and a benefit share
naming no open matching fund is refused with nothing recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from adapters.ledger_audit import audit_ledger
from adapters.ledger_explain import explain
from adapters.settlement_rounds import settle_due
from domain.investment.errors import InvalidTerms
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World

RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
RESIDUAL = {"city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def _fund(world: World, city, officer, clock) -> object:
    with acting_as(Actor(str(officer), "city")):
        return world.app.create_matching_fund(
            city_id=city, name="Porto Next Pilots", sponsor="Porto City Council",
            currency="EUR", pool=eur("1000.00"), opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=400), themes=["Housing"], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"},
                              "EUR"))


def _funded_share_pilot(world: World, app, platform, clock, city, officer, fund) -> object:
    project = world.project(city, officer, title="Solar roofs", closes_in=timedelta(days=10))
    now = clock.now()
    with acting_as(Actor(str(officer), "city")):
        offer = app.add_offer(
            project, kind="benefit_share", currency="EUR", target=eur("1000.00"),
            minimum=eur("1000.00"), maximum=eur("1000.00"), min_ticket=eur("5.00"),
            opens_at=now, closes_at=now + timedelta(days=9),
            terms={"agreement": {"preferred_rate": "0.05", "residual": RESIDUAL,
                                 "community_fund_id": str(fund)}})
    investor = world.account("investor")
    with acting_as(Actor(str(investor), "investor")):
        app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
        app.commit_to_offer(offer, amount=eur("1000.00"), payment_method="pm_card_visa")
    world.pledge(project, world.citizen(), "8000.00")
    clock.advance(days=11)
    settle_due(app, platform.engine, platform.projections)
    return project


def test_the_community_funds_share_tops_up_the_named_matching_fund(any_platform, clock):
    world, app = World(any_platform, clock), any_platform.app
    city = world.city("Porto")
    officer, second = world.officer(city), world.officer(city)
    fund = _fund(world, city, officer, clock)
    project = _funded_share_pilot(world, app, any_platform, clock, city, officer, fund)
    owner = world.account("proposer")
    with acting_as(Actor(str(officer), "city")):
        app.assign_delivery_owner(project, owner)
        app.sign_agreement(project, party="city", version=1)
        app.sign_agreement(project, party="community_fund", version=1)
    with acting_as(Actor(str(owner), "proposer")):
        app.sign_agreement(project, party="proposer", version=1)
    with acting_as(Actor(str(officer), "city")):
        report = app.report_benefit(project, period_start=date(2027, 1, 1),
                                    period_end=date(2027, 12, 31), amount=eur("3000.00"),
                                    category="energy savings", evidence="Metered.")
    with acting_as(Actor(str(second), "city")):
        payments = app.approve_benefit_report(report)
    any_platform.projections.catch_up()

    share = sum(p["amount"] for p in payments if p["party"] == "community_fund")
    assert share > 0
    shown = any_platform.read.matching_fund(fund)
    assert shown.pool == eur("1000.00") + Money(share, "EUR")
    assert shown.available == shown.pool
    assert app.get_matching_fund(fund).pool == shown.pool.minor
    ledger = any_platform.ledger
    assert ledger.account(f"project/{project}/communityfund", "EUR", offset=0,
                          limit=1).balance.minor == 0
    [top_up] = any_platform.read.fund_benefit_top_ups(fund)
    assert (top_up.project_title, top_up.amount.minor, top_up.times) == (
        "Solar roofs", share, 1)
    audit = audit_ledger(app, any_platform.engine)
    assert audit.ok, audit.problems + audit.differences
    assert audit.fund_figures()[fund]["pool"] == shown.pool  # the auditor's pool counts it too
    explained = explain(any_platform.engine, "fund", fund, "pool", "EUR")
    assert explained[-1].running == shown.pool
    assert explained[-1].event == "MatchingFund.ToppedUpByBenefits"

    from web.app import create_app
    page = create_app({"TESTING": True, "SECRET_KEY": "t"}, platform=any_platform
                      ).test_client().get(f"/funds/{fund}")
    assert "Topped up by <a" in page.text and "Solar roofs</a>'s benefits" in page.text
    assert shown.pool.display().split(" ")[1] in page.text


def test_a_benefit_share_naming_no_open_matching_fund_is_refused(any_platform, clock):
    world, app = World(any_platform, clock), any_platform.app
    city = world.city("Porto")
    officer = world.officer(city)
    project = world.project(city, officer)
    now = clock.now()
    with acting_as(Actor(str(officer), "city")), pytest.raises(InvalidTerms) as refused:
        app.add_offer(
            project, kind="benefit_share", currency="EUR", target=eur("1000.00"),
            minimum=eur("1000.00"), maximum=eur("1000.00"), min_ticket=eur("5.00"),
            opens_at=now, closes_at=now + timedelta(days=9),
            terms={"agreement": {"preferred_rate": "0.05", "residual": RESIDUAL,
                                 "community_fund_id": str(project)}})
    assert refused.value.field == "community_fund_id"
    assert app.offers_of(project) == []
