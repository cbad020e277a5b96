"""Procurement through the API: an officer posts a call, proposers answer it, evaluators score,
the ranking appears once unsealed, and an award becomes a draft pilot; bad input is refused with
a clear error and records nothing; each reader sees only what they may."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import bearer

CRITERIA = [{"name": "Impact", "description": "What changes for residents", "weight": 50},
            {"name": "Cost", "description": "Value for money", "weight": 30},
            {"name": "Team", "description": "Can they deliver", "weight": 20}]


class Procurement:
    def __init__(self, world, client, clock):
        self.world, self.client, self.clock = world, client, clock
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.token(world.officer(self.city))
        self.lisbon = world.city("Lisbon", "EUR", "PT", "Europe/Lisbon")
        self.lisbon_officer = world.token(world.officer(self.lisbon))
        self.evaluator_ids = [world.account("evaluator", f"eval{n}@example.org")
                              for n in range(2)]
        self.evaluators = [world.token(e) for e in self.evaluator_ids]
        self.proposer_ids = [world.account("proposer", f"prop{n}@example.org") for n in range(2)]
        self.proposers = [world.token(p) for p in self.proposer_ids]

    def log_length(self) -> int:
        return self.world.platform.app.recorder.max_notification_id() or 0

    def call_body(self, **changes):
        now = self.clock.now()
        body = {
            "title": "Cleaner streets", "city": "Porto", "route": "ppi",
            "challenge": "Bins overflow on market days.", "currency": "EUR",
            "budget": "100000.00", "opens_at": now.isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "capital_stack": {"city": 30, "matching": 20, "crowd": 20, "investors": 30},
            "criteria": CRITERIA, "phases": [],
            "eligibility": {"areas": [], "themes": ["Environment"]},
        }
        body.update(changes)
        return body

    def post(self, path, token, body=None):
        return self.client.post(f"/api/v1{path}", json=body if body is not None else {},
                                headers=bearer(token))

    def open_call(self, **changes) -> str:
        created = self.post("/calls", self.officer, self.call_body(**changes))
        assert created.status_code == 201, created.json
        call_id = created.json["id"]
        assert self.post(f"/calls/{call_id}/open", self.officer).status_code == 200
        for n in range(2):
            appointed = self.post(f"/calls/{call_id}/evaluators", self.officer,
                                  {"email": f"eval{n}@example.org"})
            assert appointed.status_code == 201, appointed.json
        return call_id

    def proposal_body(self, title="Smart bins", **changes):
        body = {
            "title": title, "summary": "Bins that say when they are full.", "area": "Ribeira",
            "theme": "Environment", "organisation": "Bin Co",
            "budget_lines": [{"label": "Sensors", "amount": "8000.00", "required": True},
                             {"label": "Dashboard", "amount": "2000.00", "required": False}],
            "milestones": [{"title": "Installed",
                            "due": (self.clock.now() + timedelta(days=60)).isoformat()}],
            "capital_stack": {"city": 50, "crowd": 50},
            "cba": {"discount_rate": "0.035", "years": [
                {"year": 0, "costs": {"capital": "10000.00"}, "benefits": {}},
                {"year": 1, "costs": {"running": "500.00"}, "benefits": {"savings": "6000.00"}},
                {"year": 2, "costs": {"running": "500.00"}, "benefits": {"savings": "6000.00"}},
            ]},
        }
        body.update(changes)
        return body

    def propose(self, call_id, n=0, submit=True, **changes) -> str:
        made = self.post(f"/calls/{call_id}/proposals", self.proposers[n],
                         self.proposal_body(**changes))
        assert made.status_code == 201, made.json
        if submit:
            assert self.post(f"/proposals/{made.json['id']}/submit",
                             self.proposers[n]).status_code == 200
        return made.json["id"]

    def scores(self, marks, justification="Read the plan."):
        return {"conflict_of_interest": False, "scores": [
            {"criterion": c["name"], "score": m, "justification": justification}
            for c, m in zip(CRITERIA, marks, strict=True)]}

    def score(self, proposal_id, marks, n=0):
        return self.post(f"/proposals/{proposal_id}/scores", self.evaluators[n],
                         self.scores(marks))


@pytest.fixture
def pr(world, client, clock):
    return Procurement(world, client, clock)


def test_from_call_to_awarded_pilot(pr, client, world):
    call_id = pr.open_call()
    listed = client.get("/api/v1/calls?city=Porto").json["calls"]
    assert [c["id"] for c in listed] == [call_id]
    assert listed[0]["budget"] == "100000.00" and listed[0]["status"] == "open"
    a = pr.propose(call_id, 0)
    b = pr.propose(call_id, 1, title="Bin lids")
    pr.clock.advance(days=31)
    for n in (0, 1):
        assert pr.score(a, (8, 6, 10) if n == 0 else (6, 8, 8), n).status_code == 201
    assert pr.score(b, (6, 6, 6), 0).status_code == 201
    sealed = client.get(f"/api/v1/calls/{call_id}/ranking", headers=bearer(pr.officer))
    assert sealed.status_code == 409 and sealed.json["error"]["code"] == "sealed"
    assert pr.score(b, (4, 4, 4), 1).status_code == 201

    ranking = client.get(f"/api/v1/calls/{call_id}/ranking", headers=bearer(pr.officer)).json
    # a: Impact (8+6)/2=7, Cost 7, Team 9 -> 35 + 21 + 18 = 74; b: 5, 5, 5 -> 50
    assert [(r["proposal_id"], r["weighted_score"], r["rank"]) for r in ranking] == [
        (a, "74.00", 1), (b, "50.00", 2)]
    assert ranking[0]["criteria"] == [{"criterion": "Impact", "mean": "7.00"},
                                      {"criterion": "Cost", "mean": "7.00"},
                                      {"criterion": "Team", "mean": "9.00"}]

    awarded = pr.post(f"/calls/{call_id}/awards", pr.officer,
                      {"proposal_id": a, "amount": "60000.00", "reason": "Best value"})
    assert awarded.status_code == 201, awarded.json
    project_id = awarded.json["project_id"]
    assert awarded.json["call"]["awards"][0]["amount"] == "60000.00"
    pilot = client.get(f"/api/v1/projects/{project_id}", headers=bearer(pr.officer)).json
    assert pilot["status"] == "draft" and pilot["title"] == "Smart bins"
    assert [line["amount"] for line in pilot["budget_lines"]] == ["8000.00", "2000.00"]

    closed = pr.post(f"/calls/{call_id}/close", pr.officer)
    assert closed.json["status"] == "closed"
    # the public sees the report and the awarded proposal, not the rejected one
    public = client.get(f"/api/v1/calls/{call_id}/ranking").json
    assert [(r["status"], r["weighted_score"]) for r in public] == [("awarded", "74.00"),
                                                                    ("rejected", "50.00")]
    assert client.get(f"/api/v1/proposals/{a}").json["project_id"] == project_id
    assert client.get(f"/api/v1/proposals/{b}").status_code == 404
    # every proposer is told the outcome, by mail
    outbox = world.platform.outbox
    [won] = outbox.messages(account_id=pr.proposer_ids[0])
    [lost] = outbox.messages(account_id=pr.proposer_ids[1])
    assert won.subject == "Awarded: Smart bins" and "EUR 60,000.00" in won.body
    assert lost.subject == "Not awarded: Bin lids" and "ranked 2 of 2" in lost.body


def test_each_submission_is_a_version_and_edits_stop_after_the_window(pr, client):
    call_id = pr.open_call()
    proposal_id = pr.propose(call_id)
    edited = client.put(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.proposers[0]),
                        json=pr.proposal_body(title="Smarter bins"))
    assert edited.status_code == 200 and edited.json["title"] == "Smarter bins"
    again = pr.post(f"/proposals/{proposal_id}/submit", pr.proposers[0])
    assert again.json["version"] == 2
    pr.clock.advance(days=31)
    before = pr.log_length()
    frozen = client.put(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.proposers[0]),
                        json=pr.proposal_body())
    assert frozen.status_code == 409 and "frozen" in frozen.json["error"]["message"]
    late = pr.post(f"/calls/{call_id}/proposals", pr.proposers[1], pr.proposal_body())
    assert late.status_code == 409
    assert pr.log_length() == before


def test_visibility_of_proposals(pr, client):
    call_id = pr.open_call()
    mine = pr.propose(call_id, 0)
    draft = pr.propose(call_id, 1, submit=False)
    other = client.get(f"/api/v1/proposals/{mine}", headers=bearer(pr.proposers[1]))
    assert other.status_code == 403 and other.json["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/proposals/{mine}",
                      headers=bearer(pr.proposers[0])).json["cba"]["discount_rate"] == "0.035"
    assert client.get(f"/api/v1/proposals/{mine}").status_code == 404
    assert client.get(f"/api/v1/proposals/{mine}", headers=bearer(pr.officer)).status_code == 200
    assert client.get(f"/api/v1/proposals/{draft}",
                      headers=bearer(pr.officer)).status_code == 404
    listed = client.get(f"/api/v1/calls/{call_id}/proposals", headers=bearer(pr.evaluators[0]))
    assert [p["id"] for p in listed.json["proposals"]] == [mine]
    assert client.get(f"/api/v1/calls/{call_id}/proposals",
                      headers=bearer(pr.proposers[1])).json["proposals"][0]["id"] == draft
    assert client.get(f"/api/v1/calls/{call_id}/proposals").json["proposals"] == []
    ranking = client.get(f"/api/v1/calls/{call_id}/ranking")
    assert ranking.status_code == 403


@pytest.mark.parametrize("changes, code", [
    ({"criteria": [{"name": "Impact", "weight": 60}, {"name": "Cost", "weight": 30}]},
     "invalid_call"),
    ({"capital_stack": {"city": 50, "matching": 20, "crowd": 20, "investors": 20}},
     "invalid_call"),
    ({"budget": 1000}, "invalid"),
    ({"route": "pcp", "phases": [{"name": "Design", "budget_percent": 40,
                                  "max_suppliers": 2}]}, "invalid_call"),
    ({"currency": "GBP"}, "invalid_call"),
])
def test_bad_calls_are_refused_with_a_code_and_nothing_recorded(pr, client, changes, code):
    before = pr.log_length()
    refused = pr.post("/calls", pr.officer, pr.call_body(**changes))
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == code
    assert pr.log_length() == before


def test_an_officer_of_another_city_cannot_act_on_the_call(pr, client):
    refused = pr.post("/calls", pr.lisbon_officer, pr.call_body())
    assert refused.status_code == 403
    call_id = pr.open_call()
    before = pr.log_length()
    for path in ("open", "close", "cancel"):
        assert pr.post(f"/calls/{call_id}/{path}", pr.lisbon_officer).status_code == 403
    assert pr.post(f"/calls/{call_id}/evaluators", pr.lisbon_officer,
                   {"email": "eval0@example.org"}).status_code == 403
    assert pr.log_length() == before


def test_bad_scores_and_unassigned_or_conflicted_evaluators_are_refused(pr, client, world):
    call_id = pr.open_call()
    a = pr.propose(call_id)
    stranger = world.token(world.account("evaluator", "stranger@example.org"))
    pr.clock.advance(days=31)
    before = pr.log_length()
    out_of_range = pr.score(a, (11, 5, 5))
    assert out_of_range.status_code == 422
    assert out_of_range.json["error"]["code"] == "invalid_score"
    as_text = pr.post(f"/proposals/{a}/scores", pr.evaluators[0],
                      {"conflict_of_interest": False, "scores": [
                          {"criterion": "Impact", "score": "5", "justification": "x"}]})
    assert as_text.status_code == 422
    unassigned = pr.post(f"/proposals/{a}/scores", stranger, pr.scores((5, 5, 5)))
    assert unassigned.status_code == 403
    assert pr.log_length() == before
    declared = pr.post(f"/proposals/{a}/scores", pr.evaluators[0],
                       {"conflict_of_interest": True, "scores": []})
    assert declared.status_code == 201
    conflicted = pr.score(a, (5, 5, 5), 0)
    assert conflicted.status_code == 403 and "conflict" in conflicted.json["error"]["message"]


def test_awards_over_the_envelope_are_refused(pr, client):
    call_id = pr.open_call(budget="1000.00")
    a = pr.propose(call_id)
    pr.clock.advance(days=31)
    closed = pr.post(f"/calls/{call_id}/close", pr.officer).json
    assert closed["status"] == "evaluating" and closed["call"]["sealed"] is False
    before = pr.log_length()
    over = pr.post(f"/calls/{call_id}/awards", pr.officer,
                   {"proposal_id": a, "amount": "1000.01", "reason": "Too much"})
    assert over.status_code == 422 and over.json["error"]["code"] == "over_envelope"
    number = pr.post(f"/calls/{call_id}/awards", pr.officer,
                     {"proposal_id": a, "amount": 1000, "reason": "A number"})
    assert number.status_code == 422 and "amount" in number.json["error"]["fields"]
    assert pr.log_length() == before


def test_pcp_phases_advance_with_their_shares(pr, client):
    phases = [{"name": "Design", "budget_percent": 20, "max_suppliers": 3},
              {"name": "Prototype", "budget_percent": 30, "max_suppliers": 2},
              {"name": "Field test", "budget_percent": 50, "max_suppliers": 1}]
    call_id = pr.open_call(route="pcp", phases=phases)
    a, b = pr.propose(call_id, 0), pr.propose(call_id, 1, title="Bin lids")
    pr.clock.advance(days=31)
    pr.post(f"/calls/{call_id}/close", pr.officer)  # unseal phase 1
    call = client.get(f"/api/v1/calls/{call_id}").json
    assert [p["share"] for p in call["phases"]] == ["20000.00", "30000.00", "50000.00"]
    assert pr.post(f"/calls/{call_id}/awards", pr.officer,
                   {"proposal_id": a, "amount": "20000.00", "reason": "Design"}
                   ).status_code == 201
    advanced = pr.post(f"/calls/{call_id}/phases/1/advance", pr.officer, {"proposal_ids": [a]})
    assert advanced.status_code == 200 and advanced.json["current_phase"] == 2
    assert client.get(f"/api/v1/proposals/{b}",
                      headers=bearer(pr.proposers[1])).json["status"] == "rejected"
    assert pr.post(f"/calls/{call_id}/phases/1/advance", pr.officer,
                   {"proposal_ids": [a]}).status_code == 422


def test_a_matching_fund_can_be_restricted_to_a_call(pr, client):
    call_id = pr.open_call()
    body = {"name": "Call match", "sponsor": "Porto City Council", "city": "Porto",
            "currency": "EUR", "pool": "5000.00",
            "closes_at": (pr.clock.now() + timedelta(days=60)).isoformat(),
            "eligibility": {"themes": [], "areas": [], "calls": [call_id]},
            "rules": {"kind": "ratio", "factor": "1"}}
    made = pr.post("/matching-funds", pr.officer, body)
    assert made.status_code == 201, made.json
    assert made.json["eligibility"]["calls"] == [call_id]
    lisbon_call = pr.post("/calls", pr.lisbon_officer, pr.call_body(city="Lisbon")).json["id"]
    before = pr.log_length()
    refused = pr.post("/matching-funds", pr.officer, {
        **body, "eligibility": {"themes": [], "areas": [], "calls": [lisbon_call]}})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_fund"
    assert pr.log_length() == before


def test_evaluators_read_the_version_last_submitted_not_later_edits(pr, client):
    call_id = pr.open_call()
    proposal_id = pr.propose(call_id)
    edited = client.put(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.proposers[0]),
                        json=pr.proposal_body(title="Smart bins, revised"))
    assert edited.json["unsubmitted_changes"] is True
    assert edited.json["title"] == "Smart bins, revised"
    seen = client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.officer)).json
    assert seen["title"] == "Smart bins" and seen["version"] == 1
    assert [v["version"] for v in seen["versions"]] == [1]
    resubmitted = pr.post(f"/proposals/{proposal_id}/submit", pr.proposers[0]).json
    assert resubmitted["unsubmitted_changes"] is False and resubmitted["version"] == 2
    seen = client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.officer)).json
    assert seen["title"] == "Smart bins, revised"


def test_a_pcp_call_keeps_each_phases_ranking(pr, client):
    phases = [{"name": "Design", "budget_percent": 50, "max_suppliers": 2},
              {"name": "Test", "budget_percent": 50, "max_suppliers": 1}]
    call_id = pr.open_call(route="pcp", phases=phases)
    a, b = pr.propose(call_id, 0), pr.propose(call_id, 1, title="Bin lids")
    pr.clock.advance(days=31)
    for n in (0, 1):
        pr.score(a, (9, 9, 9), n)
        pr.score(b, (3, 3, 3), n)
    pr.post(f"/calls/{call_id}/phases/1/advance", pr.officer, {"proposal_ids": [a]})
    officer = bearer(pr.officer)
    current = client.get(f"/api/v1/calls/{call_id}/ranking", headers=officer)
    assert current.status_code == 409  # phase 2 is sealed until scored
    first = client.get(f"/api/v1/calls/{call_id}/ranking?phase=1", headers=officer).json
    assert [(r["proposal_id"], r["weighted_score"]) for r in first] == [(a, "90.00"),
                                                                       (b, "30.00")]
    assert client.get(f"/api/v1/calls/{call_id}/ranking?phase=3",
                      headers=officer).status_code == 404
    assert client.get(f"/api/v1/calls/{call_id}/ranking?phase=seven",
                      headers=officer).status_code == 422


def test_a_proposals_json_carries_its_cost_benefit_results(pr, client):
    call_id = pr.open_call()
    proposal_id = pr.propose(call_id)
    found = client.get(f"/api/v1/proposals/{proposal_id}", headers=bearer(pr.officer)).json
    # At 3.5 %: year 0 -10000, years 1 and 2 +5500 each (6000 saved, 500 running cost).
    # npv = -10000 + 5500/1.035 + 5500/1.035^2 = -10000 + 5314.01 + 5134.31 = 448.32
    # bcr = (6000/1.035 + 6000/1.035^2) / (10000 + 500/1.035 + 500/1.035^2)
    #     = 11398.17 / 10949.85 = 1.04; cumulative nets -10000, -4500, 1000: payback in year 2
    results = found["cba_results"]
    assert (results["npv"], results["bcr"], results["payback_year"]) == ("448.32", "1.04", 2)
    assert (results["pv_costs"], results["pv_benefits"]) == ("10949.85", "11398.17")
    assert found["cba"]["discount_rate"] == "0.035"
    assert found["cba"]["years"][1]["benefits"] == {"savings": "6000.00"}


def test_a_bad_cost_benefit_analysis_is_refused_and_nothing_recorded(pr, client):
    call_id = pr.open_call()
    before = pr.log_length()
    gap = pr.proposal_body(cba={"discount_rate": "0.035", "years": [
        {"year": 0, "costs": {"capital": "100.00"}, "benefits": {}},
        {"year": 2, "costs": {}, "benefits": {"savings": "100.00"}}]})
    refused = pr.post(f"/calls/{call_id}/proposals", pr.proposers[0], gap)
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid_cost_benefit"
    number = pr.proposal_body(cba={"discount_rate": "0.035", "years": [
        {"year": 0, "costs": {"capital": 100}, "benefits": {}}]})
    assert pr.post(f"/calls/{call_id}/proposals", pr.proposers[0],
                   number).status_code == 422
    assert pr.log_length() == before
