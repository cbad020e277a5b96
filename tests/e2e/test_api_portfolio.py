"""An investor's portfolio through API v1 and the worker's rounds on a fixed clock: a community
bond (4.5 % a year, 5 years, half-yearly, amortising) paid in at settlement, its schedule lines
falling due over the years and paid out, every figure checked against hand-computed values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from adapters.investment_rounds import move_investment_money
from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from domain.investment.bonds import add_months
from tests.conftest import bearer
from tests.e2e.test_api_agreements import SHARE, Sharing
from tests.e2e.test_api_offers import Offering


class Bonded(Offering):
    """Porto's bond with a citizen holding 1,500.00 and an institution 2,500.00 of 4,000.00,
    the pilot funded and settled (the worker has not run yet)."""

    def __init__(self, world, client):
        super().__init__(world, client)
        self.citizen, self.institution = self.investor(), self.investor("investor")
        made = self.invest(self.citizen, "1500.00")
        assert made.status_code == 201
        self.citizen_id = self.platform.read.investment(UUID(made.json["id"])).investor_id
        assert self.invest(self.institution, "2500.00").status_code == 201
        world.pledge(self.project, world.citizen(), "4000.00")
        world.clock.advance(days=11)
        settle_due(self.platform.app, self.platform.engine, self.platform.projections)
        # The bond is dated the day its offer closed; investors pay in at the settlement.
        self.issued_on = date.fromisoformat(self.offer_json()["closes_at"][:10])
        self.paid_on = world.clock.now().date()

    def work(self):
        return move_investment_money(self.platform.app, self.platform.engine,
                                     self.platform.projections)

    def balance(self, account):
        return self.platform.ledger.account(account, "EUR", offset=0, limit=1).balance \
            .to_decimal_string()

    def portfolio(self, headers):
        answer = self.client.get("/api/v1/me/investments", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json["investments"]


def test_paying_in_then_the_first_line_of_the_schedule(world, client):
    on = Bonded(world, client)
    on.work()
    [holding] = on.portfolio(on.citizen)
    assert holding == {
        "offer_id": on.offer, "project_id": str(on.project), "committed": "1500.00",
        "paid_in": "1500.00", "received": "0.00", "outstanding": "1500.00",
        "multiple": "0.0000", "xirr": None, "performance": None,
        "cash_flows": [{"date": on.paid_on.isoformat(), "amount": "-1500.00",
                        "kind": "paid_in", "reason": holding["cash_flows"][0]["reason"]}]}
    assert holding["cash_flows"][0]["reason"].startswith("Paid in commitment ")
    first_due = add_months(on.issued_on, 6)
    world.clock.set(world.clock.now().replace(year=first_due.year, month=first_due.month,
                                              day=first_due.day))
    on.work()
    on.work()  # a second round pays nothing twice
    [holding] = on.portfolio(on.citizen)
    # 4,000.00 x 4.5 % / 2 = 90.00 interest, 400.00 capital; the citizen holds 1,500/4,000.
    assert [(f["amount"], f["kind"]) for f in holding["cash_flows"]] == [
        ("-1500.00", "paid_in"), ("33.75", "interest"), ("150.00", "capital")]
    assert holding["cash_flows"][1]["reason"] == (
        f"Schedule line 1 due {first_due.isoformat()}: interest")
    assert holding["received"] == "183.75" and holding["outstanding"] == "1350.00"
    assert holding["multiple"] == "0.1225" and holding["performance"] == "1.0000"
    [institution] = on.portfolio(on.institution)
    assert [f["amount"] for f in institution["cash_flows"]] == ["-2500.00", "56.25", "250.00"]
    # The same figures are the ledger's balances of the investor's accounts.
    assert on.balance(f"investor/{on.citizen_id}/paidin/EUR") == "-1500.00"
    assert on.balance(f"investor/{on.citizen_id}/received/EUR") == "183.75"
    assert on.balance(f"investor/{on.citizen_id}/receivable/EUR") == "0.00"
    assert audit_ledger(on.platform.app, on.platform.engine).ok


def test_a_bond_paid_on_schedule_to_maturity_returns_its_coupon(world, client):
    on = Bonded(world, client)
    on.work()
    for n in range(1, 11):
        due = add_months(on.issued_on, 6 * n)
        world.clock.set(world.clock.now().replace(year=due.year, month=due.month, day=due.day))
        on.work()
    [holding] = on.portfolio(on.citizen)
    capital = [f for f in holding["cash_flows"] if f["kind"] == "capital"]
    assert sum(Decimal(f["amount"]) for f in capital) == Decimal("1500.00")
    assert holding["outstanding"] == "0.00" and holding["performance"] == "1.0000"
    # The bond's interest is 90.00, 81.00, ..., 9.00 (2.25 % of 4,000 less 400 a line); the
    # citizen's 37.5 % of it is 33.75, 30.375, 27.00, 23.625, ...: each half cent is a tie of
    # the largest-remainder rule and goes to the earlier holder, the citizen:
    # 33.75 + 30.38 + 27.00 + 23.63 + 20.25 + 16.88 + 13.50 + 10.13 + 6.75 + 3.38 = 185.65.
    interest = sum(Decimal(f["amount"]) for f in holding["cash_flows"]
                   if f["kind"] == "interest")
    assert interest == Decimal("185.65")
    [institution] = on.portfolio(on.institution)
    assert sum(Decimal(f["amount"]) for f in institution["cash_flows"]
               if f["kind"] == "interest") == Decimal("495.00") - interest
    # 4.5 % a year paid half-yearly is (1 + 0.045 / 2) ** 2 - 1 = 4.5506 % effective; the
    # half-years' days (181 to 184) move XIRR's Actual/365 answer a little around it.
    assert abs(Decimal(holding["xirr"]) - Decimal("0.045506")) < Decimal("0.0003")
    assert holding["multiple"] == "1.1238"
    # By hand, XIRR's definition: the flows discounted at it (Actual/365) sum to nothing.
    rate, start = Decimal(holding["xirr"]), date.fromisoformat(holding["cash_flows"][0]["date"])
    present = sum(Decimal(f["amount"]) / (1 + rate) ** (
        Decimal((date.fromisoformat(f["date"]) - start).days) / 365)
        for f in holding["cash_flows"])
    assert abs(present) < Decimal("0.01")


def test_the_portfolio_needs_an_investor_token(world, client):
    assert client.get("/api/v1/me/investments").status_code == 401
    officer = world.officer(world.city("Porto"))
    refused = client.get("/api/v1/me/investments", headers=bearer(world.token(officer)))
    assert refused.status_code == 403
    citizen = world.citizen()
    empty = client.get("/api/v1/me/investments", headers=bearer(world.token(citizen)))
    assert empty.json == {"investments": []}


def test_a_benefit_share_holding_shows_its_distribution_with_the_report_tier_and_version(
        world, client):
    on = Sharing(world, client)
    paid_on = world.clock.now().date()
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    assert on.sign(on.headers, "city").status_code == 201
    assert on.sign(on.owner, "proposer").status_code == 201
    world.clock.advance(days=200)
    report = on.report()
    approved = client.post(f"/api/v1/benefit-reports/{report.json['id']}/approve",
                           headers=on.second)
    assert approved.status_code == 200, approved.text
    [owed] = client.get("/api/v1/me/investments", headers=on.alice).json["investments"]
    assert [f["kind"] for f in owed["cash_flows"]] == ["paid_in"]  # owed until paid out
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    answer = client.get("/api/v1/me/investments", headers=on.alice)
    [holding] = answer.json["investments"]
    # 1,000.00 of benefit returns capital 3:1: the citizen's 3,000.00 gets 750.00 back.
    assert holding["cash_flows"] == [
        {"date": paid_on.isoformat(), "amount": "-3000.00", "kind": "paid_in",
         "reason": holding["cash_flows"][0]["reason"]},
        {"date": world.clock.now().date().isoformat(), "amount": "750.00",
         "kind": "distribution",
         "reason": f"Benefit report {report.json['id']}, tier 1, agreement version 1"}]
    assert (holding["paid_in"], holding["received"], holding["outstanding"]) == (
        "3000.00", "750.00", "2250.00")
    assert holding["multiple"] == "0.2500" and holding["performance"] is None
    # Three quarters of the capital lost over 200 days: XIRR = 0.25 ** (365 / 200) - 1.
    assert Decimal(holding["xirr"]) == (Decimal("0.25") ** (Decimal(365) / 200) - 1).quantize(
        Decimal("0.000001"))


PROJECTED = {"agreement": {**SHARE["agreement"], "projected_benefits": {"annual": "3650.00"}}}


def test_a_benefit_share_holding_shows_its_performance_against_the_projection(world, client):
    on = Sharing(world, client, terms=PROJECTED)
    assert on.offer_json()["terms"]["agreement"]["projected_benefits"] == {"annual": "3650.00"}
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    assert on.sign(on.headers, "city").status_code == 201
    assert on.sign(on.owner, "proposer").status_code == 201
    world.clock.advance(days=73)
    # 3,650.00 a year for 73 days is 730.00, all return of capital: the citizen's 3,000.00 of
    # the 4,000.00 paid in expects 547.50 and has received nothing yet.
    [holding] = client.get("/api/v1/me/investments", headers=on.alice).json["investments"]
    assert holding["performance"] == "0.0000"
    page = client.get("/invest/mine", headers=on.alice)
    assert "0.0 % of the" in page.text and "547.50 projected to date" in page.text


def test_a_bad_projection_is_refused_and_nothing_is_added(world, client):
    on = Offering(world, client)
    bad = {"agreement": {**SHARE["agreement"], "projected_benefits": {"annual": "-1.00"}}}
    refused = on.add(kind="benefit_share", terms=bad)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid_projected_benefits"
    assert [o["id"] for o in client.get("/api/v1/offers").json["offers"]] == [on.offer]
