"""Benefit-sharing agreements through API v1: a funded pilot's parties sign, the delivery owner
reports a benefit, a different officer approves it and its distribution shows on the report and
in the ledger; bad input is refused with a clear JSON error and nothing recorded."""

from __future__ import annotations

import pytest

from adapters.investment_rounds import move_investment_money
from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from tests.conftest import bearer
from tests.e2e.test_api_offers import Offering, log_position

SHARE = {"agreement": {"preferred_rate": "0.05", "residual": {
    "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}}


class Sharing(Offering):
    """Porto's pilot with a benefit-share offer, funded (4,000 pledged + 4,000 invested by two
    investors), with a delivery owner and a second officer."""

    def __init__(self, world, client, terms=SHARE):
        super().__init__(world, client, kind="benefit_share", terms=terms)
        self.alice_id = world.account("citizen")
        self.alice = self.checked(self.alice_id)
        self.bob = self.investor("investor")
        assert self.invest(self.alice, "3000.00").status_code == 201
        assert self.invest(self.bob, "1000.00").status_code == 201
        world.pledge(self.project, world.citizen(), "4000.00")
        world.clock.advance(days=11)
        settle_due(self.platform.app, self.platform.engine, self.platform.projections)
        self.owner_id = world.account("proposer")
        self.owner = bearer(world.token(self.owner_id))
        with acting_as(Actor(str(self.officer), "city"), "seed"):
            self.platform.app.assign_delivery_owner(self.project, self.owner_id)
        self.second = bearer(world.token(world.officer(self.city)))
        self.platform.projections.catch_up()

    def checked(self, account_id):
        headers = bearer(self.world.token(account_id))
        self.client.post("/api/v1/me/appropriateness", headers=headers, json={
            "answers": {"capital_at_risk": "yes", "deposit_guarantee": "no",
                        "unfunded_pilot": "released"}, "risk_warning_accepted": True})
        return headers

    def sign(self, headers, party, version=1):
        return self.client.post(f"/api/v1/projects/{self.project}/agreement/signatures",
                                headers=headers, json={"party": party, "version": version})

    def report(self, headers=None, **changes):
        body = {"period_start": "2027-01-01", "period_end": "2027-06-30", "amount": "1000.00",
                "category": "energy savings", "evidence": "Metered use fell 12 %.",
                "links": ["https://example.org/meter.csv"], **changes}
        return self.client.post(f"/api/v1/projects/{self.project}/benefit-reports",
                                headers=headers or self.owner, json=body)


def test_parties_sign_a_report_is_approved_and_distributed_through_the_waterfall(
        world, client):
    on = Sharing(world, client)
    first = on.sign(on.headers, "city")
    assert first.status_code == 201, first.text
    assert first.json["in_effect"] is None
    assert first.json["versions"][0]["missing"] == ["proposer"]
    done = on.sign(on.owner, "proposer")
    assert done.status_code == 201 and done.json["in_effect"] == 1
    public = client.get(f"/api/v1/projects/{on.project}/agreement").json
    assert [s["party"] for s in public["versions"][0]["signatures"]] == ["city", "proposer"]
    assert public["versions"][0]["terms"]["residual"]["city"] == "40"

    made = on.report()
    assert made.status_code == 201, made.text
    assert made.json["status"] == "pending" and made.json["amount"] == "1000.00"
    own = client.post(f"/api/v1/benefit-reports/{made.json['id']}/approve", headers=on.owner)
    assert own.status_code == 403
    approved = client.post(f"/api/v1/benefit-reports/{made.json['id']}/approve",
                           headers=on.second)
    assert approved.status_code == 200, approved.text
    report = approved.json
    assert report["status"] == "approved"
    payments = report["payments"]
    # 1,000 benefit against 4,000 capital: all of it returns capital, 3:1 pro rata.
    assert [(p["tier"], p["amount"], p["version"]) for p in payments] == [
        (1, "750.00", 1), (1, "250.00", 1)]
    assert payments[0]["investor_id"] == str(on.alice_id)  # an officer sees who
    public = client.get(f"/api/v1/benefit-reports/{report['id']}").json
    assert [p["investor_id"] for p in public["payments"]] == [None, None]
    def balance(account):
        found = client.get(f"/api/v1/ledger/accounts/investor/{on.alice_id}/{account}/EUR",
                           headers=on.alice)
        assert found.status_code == 200
        return found.json["balance"]

    # Owed to the investor until the worker pays it out through the payments port.
    assert (balance("receivable"), balance("received")) == ("750.00", "0.00")
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    assert (balance("receivable"), balance("received")) == ("0.00", "750.00")
    benefits = client.get(f"/api/v1/ledger/accounts/project/{on.project}/benefits")
    assert benefits.json["balance"] == "-1000.00"
    listed = client.get(f"/api/v1/projects/{on.project}/benefit-reports").json["reports"]
    assert [r["id"] for r in listed] == [report["id"]]
    assert audit_ledger(on.platform.app, on.platform.engine).ok


def test_the_community_fund_residual_goes_to_its_party_and_the_proposer_gets_its_share(
        world, client):
    on = Sharing(world, client)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    made = on.report(amount="5000.00", period_end="2027-12-31")
    report = client.post(f"/api/v1/benefit-reports/{made.json['id']}/approve",
                         headers=on.second).json
    by_tier = {}
    for p in report["payments"]:
        by_tier[p["tier"]] = by_tier.get(p["tier"], 0) + float(p["amount"])
    assert by_tier[1] == 4000.00  # all capital back first
    total = sum(float(p["amount"]) for p in report["payments"])
    assert round(total, 2) == 5000.00
    city = client.get(f"/api/v1/ledger/accounts/project/{on.project}/city").json["balance"]
    assert city == next(p["amount"] for p in report["payments"] if p["party"] == "city")


@pytest.mark.parametrize("who, party, status, code", [
    ("owner", "city", 422, "not_a_party"),
    ("second", "proposer", 422, "not_a_party"),
    ("alice", "city", 422, "not_a_party"),
    ("headers", "investors", 422, "invalid"),
])
def test_signing_for_a_party_one_does_not_represent_is_refused(world, client, who, party,
                                                               status, code):
    on = Sharing(world, client)
    before = log_position(on.platform)
    refused = on.sign(getattr(on, who), party)
    assert refused.status_code == status, refused.text
    assert refused.json["error"]["code"] == code
    assert log_position(on.platform) == before


def test_amending_needs_every_signature_again(world, client):
    on = Sharing(world, client)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    amended = client.post(f"/api/v1/projects/{on.project}/agreement/amendments",
                          headers=on.headers, json={"preferred_rate": "0.06", "residual": {
                              "city": "50", "investors": "30", "community_fund": "10",
                              "proposer": "10"}})
    assert amended.status_code == 201, amended.text
    assert amended.json["in_effect"] == 1
    assert amended.json["versions"][1]["missing"] == ["city", "proposer"]
    old = on.sign(on.headers, "city", version=1)
    assert old.status_code == 422 and old.json["error"]["code"] == "invalid_agreement"
    bad = client.post(f"/api/v1/projects/{on.project}/agreement/amendments",
                      headers=on.headers, json={"preferred_rate": "0.06", "residual": {
                          "city": "60", "investors": "30", "community_fund": "10",
                          "proposer": "10"}})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_terms"
    assert on.sign(on.owner, "proposer", version=2).status_code == 201
    assert on.sign(on.headers, "city", version=2).json["in_effect"] == 2


@pytest.mark.parametrize("changes, code", [
    ({"period_start": "2027-06-30", "period_end": "2027-12-31"}, "overlapping_period"),
    ({"period_start": "2027-07-01", "period_end": "2027-12-31", "currency": "NOK"},
     "currency_mismatch"),
    ({"period_start": "2027-07-01", "period_end": "2027-12-31", "amount": 100}, "invalid"),
    ({"period_start": "2027-12-31", "period_end": "2027-07-01"}, "invalid_report"),
    ({"period_start": "2027-07-01", "period_end": "2027-12-31", "links": ["ftp://x"]},
     "invalid_report"),
    ({"period_start": "yesterday"}, "invalid"),
])
def test_bad_reports_are_refused_with_nothing_recorded(world, client, changes, code):
    on = Sharing(world, client)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    assert on.report().status_code == 201
    before = log_position(on.platform)
    refused = on.report(**changes)
    assert refused.status_code == 422, refused.text
    assert refused.json["error"]["code"] == code
    assert log_position(on.platform) == before


def test_four_eyes_and_who_may_report(world, client):
    on = Sharing(world, client)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    assert on.report(headers=on.alice).status_code == 403
    made = on.report(headers=on.headers)  # an officer reports
    path = f"/api/v1/benefit-reports/{made.json['id']}"
    before = log_position(on.platform)
    own = client.post(f"{path}/approve", headers=on.headers)
    assert own.status_code == 422 and own.json["error"]["code"] == "four_eyes"
    assert log_position(on.platform) == before
    rejected = client.post(f"{path}/reject", headers=on.second,
                           json={"reason": "No meter data"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    again = client.post(f"{path}/approve", headers=on.second)
    assert again.status_code == 409
    assert client.get("/api/v1/benefit-reports/00000000-0000-0000-0000-000000000000"
                      ).status_code == 404


def test_no_agreement_before_the_pilot_is_funded(world, client):
    on = Offering(world, client, kind="benefit_share", terms=SHARE)
    assert client.get(f"/api/v1/projects/{on.project}/agreement").status_code == 404
    refused = client.post(f"/api/v1/projects/{on.project}/agreement/signatures",
                          headers=on.headers, json={"party": "city", "version": 1})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid_agreement"
