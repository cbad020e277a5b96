"""Departmental co-funding through API v1: an officer sets up a department and a budget line,
commits from it to a pilot, and the pilot's figures, the funding decision, the line's figures
and the ledger follow; bad input and other cities' officers are refused with nothing recorded."""

from __future__ import annotations

from datetime import timedelta

from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from tests.conftest import bearer


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


class CoFunding:
    """Porto's pilot (minimum EUR 8,000.00, optimum EUR 10,000.00) and its officer, who sets up
    Transport with a EUR 5,000.00 line through the API."""

    def __init__(self, world, client):
        self.world, self.client, self.platform = world, client, world.platform
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city)
        self.headers = bearer(world.token(self.officer))
        self.project = world.project(self.city, self.officer, closes_in=timedelta(days=10))
        made = self.post("/api/v1/departments", {"city": "Porto", "name": "Transport"})
        assert made.status_code == 201, made.text
        self.department = made.json["id"]
        line = self.post(f"/api/v1/departments/{self.department}/budget-lines",
                         {"name": "Active travel", "fiscal_year": 2026, "amount": "5000.00"})
        assert line.status_code == 201, line.text
        self.line = line.json["budget_lines"][0]["id"]

    def post(self, path, body, headers=None):
        return self.client.post(path, json=body, headers=headers or self.headers)

    def commit(self, amount, conditional=True, headers=None, **extra):
        return self.post(f"/api/v1/projects/{self.project}/commitments",
                         {"budget_line_id": self.line, "amount": amount,
                          "conditional": conditional, **extra}, headers)

    def project_json(self):
        return self.client.get(f"/api/v1/projects/{self.project}").json

    def line_json(self):
        department = self.client.get(f"/api/v1/departments/{self.department}").json
        return department["budget_lines"][0]


def test_a_commitment_shows_on_the_pilot_and_the_line_and_counts_in_the_total(world, client):
    co = CoFunding(world, client)
    made = co.commit("3000.00")
    assert made.status_code == 201, made.text
    assert made.json["state"] == "committed" and made.json["department"] == "Transport"
    assert made.json["amount"] == "3000.00" and made.json["currency"] == "EUR"
    world.pledge(co.project, world.citizen(), "100.00")
    project = co.project_json()
    assert project["committed"] == "3000.00"
    assert project["total"] == "3100.00"
    assert project["capital_stack"] == {
        "crowd": "100.00", "matched": "0.00", "committed": "3000.00",
        "departments": [{"department_id": co.department, "name": "Transport",
                         "amount": "3000.00"}],
        "investors": "0.00",
    }
    assert co.line_json() == {
        "id": co.line, "name": "Active travel", "fiscal_year": 2026, "amount": "5000.00",
        "committed": "3000.00", "drawn": "0.00", "available": "2000.00",
    }
    listed = client.get(f"/api/v1/projects/{co.project}/commitments").json["commitments"]
    assert [c["id"] for c in listed] == [made.json["id"]]
    account = client.get(f"/api/v1/ledger/accounts/budget-line/{co.line}/available").json
    assert account["balance"] == "2000.00"
    unknown = client.get(f"/api/v1/ledger/accounts/budget-line/{co.department}/available")
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "unknown_account"


def test_the_departments_money_funds_the_pilot_at_the_close_and_is_drawn(world, client):
    co = CoFunding(world, client)
    assert co.commit("5000.00").status_code == 201
    world.pledge(co.project, world.citizen(), "3000.00")  # 3,000 + 5,000 = the minimum
    world.clock.advance(days=11)
    settle_due(co.platform.app, co.platform.engine, co.platform.projections)
    project = co.project_json()
    assert project["status"] == "funded"
    assert project["total"] == "8000.00"
    assert co.line_json()["drawn"] == "5000.00"
    assert co.line_json()["available"] == "0.00"
    commitments = client.get(f"/api/v1/projects/{co.project}/commitments").json["commitments"]
    assert [c["state"] for c in commitments] == ["drawn"]
    payout = client.get(f"/api/v1/ledger/accounts/project/{co.project}/payout").json
    assert payout["balance"] == "8000.00"
    assert audit_ledger(co.platform.app, co.platform.engine).ok


def test_an_unfunded_pilot_releases_conditional_money_to_the_line(world, client):
    co = CoFunding(world, client)
    assert co.commit("2000.00").status_code == 201
    world.clock.advance(days=11)
    settle_due(co.platform.app, co.platform.engine, co.platform.projections)
    assert co.project_json()["status"] == "unfunded"
    assert co.line_json()["available"] == "5000.00"
    assert co.project_json()["committed"] == "0.00"


def test_withdrawing_before_the_close_and_not_after(world, client):
    co = CoFunding(world, client)
    made = co.commit("1000.00").json
    withdrawn = client.delete(f"/api/v1/commitments/{made['id']}", headers=co.headers)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json["state"] == "withdrawn"
    assert co.line_json()["available"] == "5000.00"
    again = client.delete(f"/api/v1/commitments/{made['id']}", headers=co.headers)
    assert again.status_code == 409
    kept = co.commit("1000.00").json
    world.clock.advance(days=11)
    before = log_position(co.platform)
    late = client.delete(f"/api/v1/commitments/{kept['id']}", headers=co.headers)
    assert late.status_code == 409 and late.json["error"]["code"] == "invalid_state"
    assert co.commit("1.00").status_code == 409
    assert log_position(co.platform) == before


def test_bad_input_is_refused_with_a_stable_code_and_nothing_recorded(world, client):
    co = CoFunding(world, client)
    co.commit("4000.00")
    before = log_position(co.platform)
    over = co.commit("1000.01")
    assert over.status_code == 422 and over.json["error"]["code"] == "over_committed"
    assert "1,000.00" in over.json["error"]["message"] or "1000.00" in over.json["error"]["message"]
    other_currency = co.commit("10.00", currency="GBP")
    assert other_currency.status_code == 422
    assert other_currency.json["error"]["code"] == "currency_mismatch"
    number = co.post(f"/api/v1/projects/{co.project}/commitments",
                     {"budget_line_id": co.line, "amount": 10})
    assert number.status_code == 422 and "amount" in number.json["error"]["fields"]
    unknown_line = co.post(f"/api/v1/projects/{co.project}/commitments",
                           {"budget_line_id": co.department, "amount": "10.00"})
    assert unknown_line.status_code == 422
    assert unknown_line.json["error"]["code"] == "invalid_department"
    bad_year = co.post(f"/api/v1/departments/{co.department}/budget-lines",
                       {"name": "Roads", "fiscal_year": "2026", "amount": "10.00"})
    assert bad_year.status_code == 422
    bad_line_currency = co.post(f"/api/v1/departments/{co.department}/budget-lines",
                                {"name": "Roads", "fiscal_year": 2026, "amount": "10.00",
                                 "currency": "USD"})
    assert bad_line_currency.json["error"]["code"] == "currency_mismatch"
    twice = co.post("/api/v1/departments", {"city": "Porto", "name": "transport"})
    assert twice.status_code == 422 and twice.json["error"]["code"] == "invalid_department"
    no_city = co.post("/api/v1/departments", {"city": "Atlantis", "name": "Roads"})
    assert no_city.status_code == 422 and no_city.json["error"]["code"] == "invalid_city"
    assert log_position(co.platform) == before
    assert co.line_json()["available"] == "1000.00"


def test_an_officer_of_another_city_and_a_citizen_are_refused(world, client):
    co = CoFunding(world, client)
    lisbon = world.city("Lisbon", "EUR", "PT", "Europe/Lisbon")
    stranger = bearer(world.token(world.officer(lisbon)))
    citizen = bearer(world.token(world.citizen()))
    made = co.commit("100.00").json
    before = log_position(co.platform)
    assert co.commit("100.00", headers=stranger).status_code == 403
    assert co.post("/api/v1/departments", {"city": "Porto", "name": "Roads"},
                   stranger).status_code == 403
    assert co.post(f"/api/v1/departments/{co.department}/budget-lines",
                   {"name": "Roads", "fiscal_year": 2026, "amount": "10.00"},
                   stranger).status_code == 403
    assert client.delete(f"/api/v1/commitments/{made['id']}",
                         headers=stranger).status_code == 403
    assert co.commit("100.00", headers=citizen).status_code == 403
    assert client.post(f"/api/v1/projects/{co.project}/commitments",
                       json={"budget_line_id": co.line, "amount": "1.00"}).status_code == 401
    assert log_position(co.platform) == before
    listed = client.get("/api/v1/departments?city=Porto").json["departments"]
    assert [d["name"] for d in listed] == ["Transport"]
    assert client.get("/api/v1/departments?city=Lisbon").json["departments"] == []
