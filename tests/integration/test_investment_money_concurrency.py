"""Two workers (each its own platform on one PostgreSQL database) running the investment money
round at the same moment: every called commitment is charged once and paid in once, every
holder's share of a schedule line is paid out once, and the ledger and read models agree."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

from adapters.bootstrap import build_platform
from adapters.investment_rounds import move_investment_money
from adapters.ledger_audit import audit_ledger
from adapters.sandbox_payments import SqlStore
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from domain.investment.bonds import add_months
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import START, TEST_PASSWORD_METHOD, World

RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}
HOLDERS = 8
WORKERS = 2


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def race(platforms) -> list[str]:
    """Every platform's worker runs one round, all starting together."""
    start = threading.Barrier(len(platforms), timeout=60)
    errors: list[str] = []

    def worker(platform) -> None:
        start.wait()
        try:
            move_investment_money(platform.app, platform.engine, platform.projections)
        except BaseException as error:  # reported to the test
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=worker, args=(p,)) for p in platforms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def events(app, name: str) -> list:
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    return [app.mapper.to_domain_event(n) for n in notifications if n.topic.endswith(name)]


def test_two_workers_pay_in_and_pay_out_once(pg_platform, clock):
    world = World(pg_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    project = world.project(city_id, officer, title="Bike lanes", closes_in=timedelta(days=10))
    app = pg_platform.app
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        offer = app.add_offer(
            project, kind="community_bond", currency="EUR", target=eur("800.00"),
            minimum=eur("100.00"), maximum=eur("2000.00"), min_ticket=eur("5.00"),
            opens_at=START - timedelta(minutes=1), closes_at=START + timedelta(days=9),
            terms=BOND)
    holders = []
    for n in range(HOLDERS):
        investor = world.account("investor")
        with acting_as(Actor(str(investor), "investor"), "test-seed"):
            app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
            app.commit_to_offer(offer, amount=Money(10_000 + 1_111 * n, "EUR"),
                                payment_method="pm_card_visa")
        holders.append(investor)
    world.pledge(project, world.citizen(), "9000.00")
    clock.advance(days=11)
    settle_due(app, pg_platform.engine, pg_platform.projections)

    url = pg_platform.settings.database_url
    workers = [build_platform(Settings(database_url=url, password_method=TEST_PASSWORD_METHOD),
                              clock=clock) for _ in range(WORKERS)]
    try:
        assert race(workers) == []
        issued = date.fromisoformat(app.get_issued_bond(offer).issue_date)
        clock.set(clock.now() + (add_months(issued, 12) - issued))  # lines 1 and 2 are due
        assert race(workers) == []
        assert race(workers) == []  # and once more: nothing left to do
    finally:
        for worker in workers:
            worker.close()

    paid_in = events(app, "Offer.PaidIn")
    assert len(paid_in) == HOLDERS and len({e.commitment_id for e in paid_in}) == HOLDERS
    assert len(events(app, "IssuedBond.Issued")) == 1
    assert [e.number for e in events(app, "IssuedBond.LineFellDue")] == [1, 2]
    paid_out = Counter((e.line, e.investor) for e in events(app, "IssuedBond.PaidOut"))
    assert len(paid_out) == 2 * HOLDERS and set(paid_out.values()) == {1}
    moved = SqlStore(pg_platform.engine).charges()
    pay_ins = [c for c in moved if c["reference"].startswith("pi_sandbox")
               and c["pledge_id"] in {str(h) for h in holders}]
    payouts = [c for c in moved if c["reference"].startswith("po_sandbox")]
    assert len(pay_ins) == HOLDERS and len(payouts) == 2 * HOLDERS
    assert sum(c["amount"] for c in pay_ins) == sum(10_000 + 1_111 * n for n in range(HOLDERS))
    pg_platform.projections.catch_up()
    assert audit_ledger(app, pg_platform.engine).ok
    portfolio = pg_platform.read.portfolio(holders[0], clock.now().date())
    assert [f.kind for f in portfolio[0].cash_flows] == [
        "paid_in", "interest", "capital", "interest", "capital"]


SHARE = {"agreement": {"preferred_rate": "0.05", "residual": {
    "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}}


def test_two_workers_pay_each_investors_distribution_once(pg_platform, clock):
    world = World(pg_platform, clock)
    city_id = world.city("Porto")
    officer, second = world.officer(city_id), world.officer(city_id)
    project = world.project(city_id, officer, title="Heat pumps", closes_in=timedelta(days=10))
    app = pg_platform.app
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        offer = app.add_offer(
            project, kind="benefit_share", currency="EUR", target=eur("800.00"),
            minimum=eur("100.00"), maximum=eur("2000.00"), min_ticket=eur("5.00"),
            opens_at=START - timedelta(minutes=1), closes_at=START + timedelta(days=9),
            terms=SHARE)
    holders = []
    for n in range(HOLDERS):
        investor = world.account("investor")
        with acting_as(Actor(str(investor), "investor"), "test-seed"):
            app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
            app.commit_to_offer(offer, amount=Money(10_000 + 1_111 * n, "EUR"),
                                payment_method="pm_card_visa")
        holders.append(investor)
    world.pledge(project, world.citizen(), "9000.00")
    clock.advance(days=11)
    settle_due(app, pg_platform.engine, pg_platform.projections)
    move_investment_money(app, pg_platform.engine, pg_platform.projections)  # paid in
    owner = world.account("proposer")
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        app.assign_delivery_owner(project, owner)
        app.sign_agreement(project, party="city", version=1)
    with acting_as(Actor(str(owner), "proposer"), "test-seed"):
        app.sign_agreement(project, party="proposer", version=1)
        report = app.report_benefit(project, period_start=date(2027, 1, 1),
                                    period_end=date(2027, 12, 31), amount=eur("3000.00"),
                                    category="energy savings", evidence="Metered.")
    with acting_as(Actor(str(second), "city"), "test-seed"):
        payments = app.approve_benefit_report(report)

    url = pg_platform.settings.database_url
    workers = [build_platform(Settings(database_url=url, password_method=TEST_PASSWORD_METHOD),
                              clock=clock) for _ in range(WORKERS)]
    try:
        assert race(workers) == []
        assert race(workers) == []  # and once more: nothing left to do
    finally:
        for worker in workers:
            worker.close()

    owed = Counter()
    for p in payments:
        if p["investor"] is not None:
            owed[p["investor"]] += p["amount"]
    paid_out = Counter(e.investor for e in events(app, "Agreement.DistributionPaidOut"))
    assert set(paid_out) == {str(h) for h in holders} and set(paid_out.values()) == {1}
    payouts = [c for c in SqlStore(pg_platform.engine).charges()
               if c["reference"].startswith("po_sandbox")]
    assert sorted(-c["amount"] for c in payouts) == sorted(owed.values())
    pg_platform.projections.catch_up()
    assert audit_ledger(app, pg_platform.engine).ok
    for holder in holders:
        [holding] = pg_platform.read.portfolio(holder, clock.now().date())
        assert holding.received_as("distribution").minor == owed[str(holder)]
