"""Agreements' read models on SQLite and PostgreSQL (0014): versions, signatures, reports and
distribution payments follow the log, the ledger's balances are the payments, and a rebuild
gives the same rows."""

from __future__ import annotations

from datetime import date, timedelta

from adapters.investment_rounds import move_investment_money
from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World
from tests.integration.test_projections import read_model_rows

RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
SHARE = {"agreement": {"preferred_rate": "0.05", "residual": {
    "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}}


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_an_agreement_and_its_distribution_in_the_read_models(any_platform, clock):
    world, app = World(any_platform, clock), any_platform.app
    city = world.city("Porto")
    officer, second = world.officer(city), world.officer(city)
    project = world.project(city, officer, closes_in=timedelta(days=10))
    now = clock.now()
    with acting_as(Actor(str(officer), "city")):
        offer = app.add_offer(project, kind="benefit_share", currency="EUR",
                              target=eur("3000.00"), minimum=eur("2000.00"),
                              maximum=eur("4000.00"), min_ticket=eur("5.00"), opens_at=now,
                              closes_at=now + timedelta(days=9), terms=SHARE)
    investors = []
    for amount in ("3000.00", "1000.00"):
        investor = world.account("investor")
        with acting_as(Actor(str(investor), "investor")):
            app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
            app.commit_to_offer(offer, amount=eur(amount), payment_method="pm_card_visa")
        investors.append(investor)
    world.pledge(project, world.citizen(), "4000.00")
    clock.advance(days=11)
    settle_due(app, any_platform.engine, any_platform.projections)
    owner = world.account("proposer")
    with acting_as(Actor(str(officer), "city")):
        app.assign_delivery_owner(project, owner)
        app.sign_agreement(project, party="city", version=1)
    with acting_as(Actor(str(owner), "proposer")):
        app.sign_agreement(project, party="proposer", version=1)
        report = app.report_benefit(project, period_start=date(2027, 1, 1),
                                    period_end=date(2027, 12, 31), amount=eur("5000.00"),
                                    category="energy savings", evidence="Metered.",
                                    links=["https://example.org/m.csv"])
    with acting_as(Actor(str(second), "city")):
        payments = app.approve_benefit_report(report)
    any_platform.projections.catch_up()

    agreement = any_platform.read.agreement(project)
    assert agreement.in_effect.number == 1
    assert [s.party for s in agreement.versions[0].signatures] == ["city", "proposer"]
    found = any_platform.read.benefit_report(report)
    assert found.status == "approved" and found.amount == eur("5000.00")
    assert [(p.tier, p.party, p.amount.minor) for p in found.payments] == [
        (p["tier"], p["party"], p["amount"]) for p in payments]
    assert sum(p.amount.minor for p in found.payments) == 500000
    ledger = any_platform.ledger
    benefits = ledger.account(f"project/{project}/benefits", "EUR", offset=0, limit=1)
    assert benefits.balance.minor == -500000
    share = sum(p["amount"] for p in payments if p["investor"] == str(investors[0]))

    def balance(account):
        return ledger.account(f"investor/{investors[0]}/{account}/EUR", "EUR", offset=0,
                              limit=1).balance.minor

    assert (balance("receivable"), balance("received")) == (share, 0)  # owed until paid out
    move_investment_money(app, any_platform.engine, any_platform.projections)
    assert (balance("receivable"), balance("received")) == (0, share)
    [holding] = any_platform.read.portfolio(investors[0], clock.now().date())
    assert holding.received_as("distribution").minor == share

    before = read_model_rows(any_platform)
    any_platform.projections.rebuild()
    assert read_model_rows(any_platform) == before
