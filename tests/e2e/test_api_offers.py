"""Investment offers through API v1: an officer adds an offer to a pilot, investors pass the
appropriateness check and commit, the pilot's JSON counts what they invested once the offer
reached its minimum, settlement calls them to pay in; bad input is refused with a clear JSON
error and nothing recorded."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from tests.conftest import bearer

RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


class Offering:
    """Porto's pilot (minimum EUR 8,000.00, optimum EUR 10,000.00, closing in 10 days) and a
    community bond on it through the API: target 3,000, minimum 2,000, maximum 4,000, tickets
    from 5.00."""

    def __init__(self, world, client, **changes):
        self.world, self.client, self.platform = world, client, world.platform
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city)
        self.headers = bearer(world.token(self.officer))
        self.project = world.project(self.city, self.officer, closes_in=timedelta(days=10))
        made = self.add(**changes)
        assert made.status_code == 201, made.text
        self.offer = made.json["id"]

    def add(self, headers=None, **changes):
        now = self.world.clock.now()
        body = {"kind": "community_bond", "currency": "EUR", "target": "3000.00",
                "minimum": "2000.00", "maximum": "4000.00", "min_ticket": "5.00",
                "opens_at": now.isoformat(),
                "closes_at": (now + timedelta(days=9)).isoformat(), "terms": BOND, **changes}
        return self.client.post(f"/api/v1/projects/{self.project}/offers", json=body,
                                headers=headers or self.headers)

    def investor(self, role="citizen", checked=True):
        account = self.world.account(role)
        headers = bearer(self.world.token(account))
        if checked:
            passed = self.client.post("/api/v1/me/appropriateness", headers=headers,
                                      json={"answers": RIGHT, "risk_warning_accepted": True})
            assert passed.status_code == 201, passed.text
        return headers

    def invest(self, headers, amount, **extra):
        return self.client.post(f"/api/v1/offers/{self.offer}/commitments", headers=headers,
                                json={"amount": amount, "payment_method": "pm_card_visa",
                                      **extra})

    def project_json(self):
        return self.client.get(f"/api/v1/projects/{self.project}").json

    def offer_json(self):
        return self.client.get(f"/api/v1/offers/{self.offer}").json


def test_investors_commit_and_the_pilot_counts_it_once_the_offer_reached_its_minimum(
        world, client):
    on = Offering(world, client)
    offer = on.offer_json()
    assert offer["kind"] == "community_bond" and offer["terms"] == BOND
    assert offer["left"] == "4000.00" and offer["open"] is True
    assert "capital at risk" in offer["risk_warning"]
    assert [q["id"] for q in offer["quiz"]] == list(RIGHT)
    citizen, institution = on.investor(), on.investor("investor")
    made = on.invest(citizen, "1500.00")
    assert made.status_code == 201, made.text
    assert made.json["state"] == "committed" and made.json["amount"] == "1500.00"
    assert on.project_json()["invested"] == "0.00"  # under the offer's minimum: not counted
    assert on.invest(institution, "2500.00").status_code == 201
    project = on.project_json()
    assert project["invested"] == "4000.00"
    assert project["capital_stack"]["investors"] == "4000.00"
    world.pledge(on.project, world.citizen(), "4000.00")
    assert on.project_json()["total"] == "8000.00"  # 4,000 crowd + 4,000 invested
    assert on.offer_json()["left"] == "0.00"
    assert [o["id"] for o in client.get("/api/v1/offers").json["offers"]] == [on.offer]
    world.clock.advance(days=11)
    settle_due(on.platform.app, on.platform.engine, on.platform.projections)
    project = on.project_json()
    assert project["status"] == "funded"
    assert project["invested"] == "4000.00"
    assert on.platform.read.investment(UUID(made.json["id"])).state == "to_pay_in"
    assert audit_ledger(on.platform.app, on.platform.engine).ok


def test_withdrawing_until_the_offer_closes(world, client):
    on = Offering(world, client)
    citizen = on.investor()
    made = on.invest(citizen, "100.00")
    other = on.investor()
    path = f"/api/v1/investment-commitments/{made.json['id']}"
    assert client.delete(path, headers=other).status_code == 404
    gone = client.delete(path, headers=citizen)
    assert gone.status_code == 200 and gone.json["state"] == "withdrawn"
    again = on.invest(citizen, "100.00")
    world.clock.advance(days=9, minutes=1)
    late = client.delete(f"/api/v1/investment-commitments/{again.json['id']}",
                         headers=citizen)
    assert late.status_code == 409
    assert on.offer_json()["committed"] == "100.00"


@pytest.mark.parametrize("body, code", [
    ({"amount": "4.99"}, "ticket_too_small"),
    ({"amount": "4000.01"}, "over_subscribed"),
    ({"amount": 100}, "invalid"),  # a JSON number as an amount
    ({"amount": "10.00", "currency": "USD"}, "currency_mismatch"),
])
def test_bad_tickets_are_refused_with_nothing_recorded(world, client, body, code):
    on = Offering(world, client)
    citizen = on.investor()
    before = log_position(on.platform)
    refused = on.invest(citizen, **body) if "amount" not in body else client.post(
        f"/api/v1/offers/{on.offer}/commitments", headers=citizen,
        json={"payment_method": "pm_card_visa", **body})
    assert refused.status_code == 422, refused.text
    assert refused.json["error"]["code"] == code
    assert log_position(on.platform) == before


def test_investing_needs_the_check_and_wrong_answers_are_refused(world, client):
    on = Offering(world, client)
    unchecked = on.investor(checked=False)
    before = log_position(on.platform)
    refused = on.invest(unchecked, "10.00")
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "appropriateness_required"
    wrong = client.post("/api/v1/me/appropriateness", headers=unchecked,
                        json={"answers": {**RIGHT, "capital_at_risk": "no"},
                              "risk_warning_accepted": True})
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "wrong_answers"
    unaccepted = client.post("/api/v1/me/appropriateness", headers=unchecked,
                             json={"answers": RIGHT, "risk_warning_accepted": False})
    assert unaccepted.status_code == 422
    assert log_position(on.platform) == before
    officer = client.post("/api/v1/me/appropriateness", headers=on.headers,
                          json={"answers": RIGHT, "risk_warning_accepted": True})
    assert officer.status_code == 403


@pytest.mark.parametrize("changes, code", [
    ({"terms": {**BOND, "rate": "0.5"}}, "invalid_terms"),
    ({"terms": {**BOND, "rate": 0.045}}, "invalid_terms"),
    ({"kind": "benefit_share", "terms": {"agreement": {"preferred_rate": "0.05", "residual": {
        "city": "40", "investors": "30", "community_fund": "20", "proposer": "20"}}}},
     "invalid_terms"),
    ({"minimum": "3500.00"}, "invalid_offer"),
    ({"currency": "GBP"}, "currency_mismatch"),
    ({"target": 3000}, "invalid"),
])
def test_bad_offers_are_refused_with_nothing_recorded(world, client, changes, code):
    on = Offering(world, client)
    before = log_position(on.platform)
    refused = on.add(**changes)
    assert refused.status_code == 422, refused.text
    assert refused.json["error"]["code"] == code
    assert log_position(on.platform) == before


def test_only_the_pilots_officers_add_offers(world, client):
    on = Offering(world, client)
    lisbon = world.city("Lisbon", "EUR", "PT", "Europe/Lisbon")
    stranger = bearer(world.token(world.officer(lisbon)))
    assert on.add(headers=stranger).status_code == 403
    assert on.add(headers=on.investor()).status_code == 403


def test_the_ledger_shows_the_offer_and_the_investors_accounts(world, client):
    on = Offering(world, client)
    investor_id = world.account("citizen")
    citizen = bearer(world.token(investor_id))
    client.post("/api/v1/me/appropriateness", headers=citizen,
                json={"answers": RIGHT, "risk_warning_accepted": True})
    on.invest(citizen, "100.00")
    offer = client.get(f"/api/v1/ledger/accounts/offer/{on.offer}/committed/{on.project}")
    assert offer.status_code == 200, offer.text
    assert offer.json["balance"] == "100.00"
    name = f"/api/v1/ledger/accounts/investor/{investor_id}/committed/EUR"
    own = client.get(name, headers=citizen)
    assert own.status_code == 200 and own.json["balance"] == "-100.00"
    assert client.get(name, headers=on.investor()).status_code == 403


def test_a_benefit_share_offer_keeps_its_agreement(world, client):
    on = Offering(world, client)
    agreement = {"preferred_rate": "0.05", "residual": {
        "city": "40", "investors": "30", "community_fund": "20", "proposer": "10"},
        "community_fund_id": None}
    made = on.add(kind="benefit_share", terms={"agreement": agreement})
    assert made.status_code == 201, made.text
    assert made.headers["Location"].endswith(f"/api/v1/offers/{made.json['id']}")
    assert made.json["kind"] == "benefit_share"
    assert made.json["terms"] == {"agreement": agreement}
    listed = client.get("/api/v1/offers").json["offers"]
    assert {o["kind"] for o in listed} == {"community_bond", "benefit_share"}
