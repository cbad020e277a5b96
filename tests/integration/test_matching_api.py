"""API v1 for matching funds: a city officer puts up a fund, tops it up, amends its rules and
closes it; anyone reads it and previews what it adds to a pledge; projects and pledges show their
matches. Bad input is refused with a stable code and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.settlement_rounds import settle_due
from tests.conftest import START, bearer

RATIO = {"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00", "cap_per_project": "500.00",
         "one_per_backer": True}


def fund_body(**changes) -> dict:
    body = {
        "name": "Porto Neighbourhood Match", "sponsor": "Porto City Council", "city": "Porto",
        "currency": "EUR", "pool": "1000.00",
        "opens_at": (START - timedelta(hours=1)).isoformat(),
        "closes_at": (START + timedelta(days=20)).isoformat(),
        "eligibility": {"themes": [], "areas": []}, "rules": RATIO,
    }
    body.update(changes)
    return body


class Porto:
    """Porto with an officer's token, a campaign (minimum EUR 8,000.00) and citizens who pledge
    through the API."""

    def __init__(self, world, client):
        self.world, self.client = world, client
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city)
        self.token = world.token(self.officer)
        self.project = world.project(self.city, self.officer, closes_in=timedelta(days=10))
        self.citizen_tokens: dict[str, str] = {}

    def post(self, path: str, body=None, token: str | None = None):
        return self.client.post(f"/api/v1{path}", json=body,
                                headers=bearer(token or self.token))

    def create_fund(self, **changes) -> dict:
        response = self.post("/matching-funds", fund_body(**changes))
        assert response.status_code == 201, response.text
        return response.json

    def fund(self, fund_id: str) -> dict:
        response = self.client.get(f"/api/v1/matching-funds/{fund_id}")
        assert response.status_code == 200
        return response.json

    def citizen_token(self) -> str:
        return self.world.token(self.world.citizen())

    def pledge(self, amount: str, token: str | None = None) -> dict:
        token = token or self.citizen_token()
        response = self.post(f"/projects/{self.project}/pledges", {"amount": amount}, token)
        assert response.status_code == 201, response.text
        self.citizen_tokens[response.json["id"]] = token
        return response.json

    def preview(self, amount: str, token: str | None = None):
        headers = bearer(token) if token else {}
        return self.client.get(
            f"/api/v1/projects/{self.project}/match-preview?amount={amount}", headers=headers
        )


@pytest.fixture
def porto(world, client) -> Porto:
    return Porto(world, client)


def test_an_officer_creates_a_fund_and_anyone_reads_it(porto, client):
    created = porto.create_fund()

    assert created["name"] == "Porto Neighbourhood Match"
    assert (created["city"], created["currency"], created["status"]) == ("Porto", "EUR", "open")
    assert (created["pool"], created["committed"], created["reserved"], created["available"],
            created["returned"]) == ("1000.00", "0.00", "0.00", "1000.00", "0.00")
    assert created["eligibility"] == {"themes": [], "areas": [], "calls": []}
    assert created["rules"] == {
        "version": 1, "kind": "ratio", "factor": "1", "cap_per_pledge": "25.00",
        "cap_per_project": "500.00", "cap_per_project_percent": None, "one_per_backer": True,
        "description": "Adds 1 for every 1 pledged; at most EUR 25.00 per pledge; at most "
                       "EUR 500.00 per project; one match per backer per project.",
    }
    assert [v["version"] for v in created["rule_history"]] == [1]
    assert created["projects"] == []

    listed = client.get("/api/v1/matching-funds").json["matching_funds"]
    assert [f["id"] for f in listed] == [created["id"]]
    assert client.get("/api/v1/matching-funds?city=porto").json["matching_funds"][0]["id"] == \
        created["id"]
    assert client.get("/api/v1/matching-funds?city=Lyon").json == {"matching_funds": []}
    assert client.get(f"/api/v1/matching-funds/{uuid4()}").status_code == 404


def test_pledges_show_their_match_and_the_project_its_total(porto, client):
    fund = porto.create_fund()
    citizen = porto.citizen_token()
    small = porto.pledge("10.00", citizen)
    large = porto.pledge("40.00")
    second_by_same_backer = porto.pledge("30.00", citizen)

    project = client.get(f"/api/v1/projects/{porto.project}").json
    assert (project["raised"], project["matched"], project["total"]) == (
        "80.00", "35.00", "115.00")
    mine = client.get("/api/v1/me/pledges", headers=bearer(citizen)).json["pledges"]
    assert {p["id"]: p["matched"] for p in mine} == {
        small["id"]: "10.00", second_by_same_backer["id"]: "0.00"}
    assert porto.citizen_tokens[large["id"]]
    read = porto.fund(fund["id"])
    assert (read["reserved"], read["available"]) == ("35.00", "965.00")
    assert read["projects"] == [{
        "project_id": str(porto.project), "title": "Smart bike lanes", "reserved": "35.00",
        "committed": "0.00", "matches": 2,
    }]


def test_the_match_preview_says_what_each_fund_adds_and_why(porto):
    first = porto.create_fund(name="First")
    second = porto.create_fund(
        name="Second", rules={"kind": "threshold", "factor": "2", "min_backers": 2},
    )

    anonymous = porto.preview("40.00")
    assert anonymous.status_code == 200
    assert anonymous.json["currency"] == "EUR"
    assert [(m["fund_id"], m["fund_name"], m["amount"], m["rule_version"])
            for m in anonymous.json["matches"]] == [
        (first["id"], "First", "25.00", 1), (second["id"], "Second", "0.00", 1)]
    assert anonymous.json["matches"][0]["reason"] == "capped at EUR 25.00 a pledge"
    assert "2 backers" in anonymous.json["matches"][1]["reason"]
    assert anonymous.json["total"] == "65.00"

    # One match per backer: a citizen already matched on this project is told so.
    citizen = porto.citizen_token()
    porto.pledge("10.00", citizen)
    again = porto.preview("10.00", citizen).json
    assert again["matches"][0]["amount"] == "0.00"
    assert "already matched" in again["matches"][0]["reason"]
    assert porto.preview("10.00").json["matches"][0]["amount"] == "10.00"
    # Nothing was recorded by previewing.
    assert porto.fund(first["id"])["reserved"] == "10.00"


@pytest.mark.parametrize("query", ["", "?amount=", "?amount=-5.00", "?amount=0", "?amount=ten",
                                   "?amount=25", "?amount=1.234", "?amount=25.00&x=1"])
def test_a_preview_of_a_bad_amount_is_refused(porto, query):
    porto.create_fund()
    response = porto.client.get(f"/api/v1/projects/{porto.project}/match-preview{query}")
    if query == "?amount=25":
        assert response.status_code == 200  # a whole amount is an amount
        return
    assert response.status_code == 422, query
    assert response.json["error"]["code"] in ("invalid", "invalid_amount")
    assert response.json["error"]["message"]


def test_a_preview_of_an_unknown_project_is_not_found(porto):
    response = porto.client.get(f"/api/v1/projects/{uuid4()}/match-preview?amount=5.00")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_top_up_amend_and_close(porto, client):
    fund = porto.create_fund()
    porto.pledge("40.00")

    topped = porto.post(f"/matching-funds/{fund['id']}/top-ups", {"amount": "250.00"})
    assert topped.status_code == 200
    assert (topped.json["pool"], topped.json["available"]) == ("1250.00", "1225.00")

    amended = porto.post(f"/matching-funds/{fund['id']}/rules",
                         {"kind": "ratio", "factor": "0.5"})
    assert amended.status_code == 201, amended.text
    assert amended.json["version"] == 2
    rules = amended.json["fund"]["rules"]
    assert (rules["version"], rules["factor"], rules["cap_per_pledge"]) == (2, "0.5", None)
    history = amended.json["fund"]["rule_history"]
    assert [(v["version"], v["rules"]["factor"]) for v in history] == [(1, "1"), (2, "0.5")]
    assert history[1]["effective_from"] == START.isoformat()
    # The new version matches new pledges; the old match keeps version 1.
    porto.pledge("40.00")
    assert porto.fund(fund["id"])["reserved"] == "45.00"

    later = (START + timedelta(days=2)).isoformat()
    scheduled = porto.post(f"/matching-funds/{fund['id']}/rules",
                           {**RATIO, "factor": "2", "effective_from": later})
    assert scheduled.status_code == 201
    assert scheduled.json["fund"]["rule_history"][-1]["effective_from"] == later

    closed = porto.post(f"/matching-funds/{fund['id']}/close")
    assert closed.status_code == 200
    assert closed.json["returned"] == "1205.00"
    assert (closed.json["fund"]["status"], closed.json["fund"]["available"]) == ("closed", "0.00")


def test_what_the_api_writes_as_rules_can_be_sent_back_as_a_new_version(porto):
    fund = porto.create_fund(rules={"kind": "threshold", "factor": "1.5", "min_percent": 10,
                                    "match_earlier": True, "cap_per_project_percent": 20})
    written = dict(porto.fund(fund["id"])["rules"])
    assert (written["factor"], written["min_percent"], written["cap_per_project_percent"]) == (
        "1.5", 10, 20)
    del written["version"], written["description"]
    again = porto.post(f"/matching-funds/{fund['id']}/rules", written)
    assert again.status_code == 201, again.text
    assert again.json["fund"]["rules"] == {**written, "version": 2,
                                           "description": fund["rules"]["description"]}


def test_every_rule_kind_is_accepted(porto):
    for rules in (
        {"kind": "fixed_grant", "grant": "300.00", "min_backers": 3, "min_percent": 5},
        {"kind": "quadratic", "min_contribution": "2.00", "cap_per_project": "400.00"},
    ):
        created = porto.create_fund(name=rules["kind"], rules=rules)
        assert created["rules"]["kind"] == rules["kind"]
        assert created["rules"]["description"]


# -- bad input ---------------------------------------------------------------------------------

BAD_FUNDS = [
    ({"pool": "0.00"}, "invalid", "pool"),
    ({"pool": "-10.00"}, "invalid", "pool"),
    ({"pool": 1000}, "invalid", "pool"),
    ({"rules": {**RATIO, "cap_per_pledge": "0.00"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "cap_per_project": "-5.00"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "factor": "0"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "factor": "10.5"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "factor": "-1"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "factor": 1.5}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "currency": "USD"}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "cap_per_pledge": 25}}, "invalid_rules", "rules"),
    ({"rules": {**RATIO, "cap_per_pledge": "99999999999999999999.00"}}, "invalid_rules",
     "rules"),
    ({"rules": {"kind": "lottery"}}, "invalid_rules", "rules"),
    ({"rules": {"kind": "ratio", "grant": "5.00"}}, "invalid_rules", "rules"),
    ({"rules": {"kind": "fixed_grant", "min_backers": 2}}, "invalid_rules", "rules"),
    ({"rules": {"kind": "threshold"}}, "invalid_rules", "rules"),
    ({"rules": "1:1"}, "invalid", "rules"),
    ({"currency": "USD"}, "invalid_fund", "currency"),
    ({"city": "Atlantis"}, "invalid_city", "city"),
    ({"closes_at": (START - timedelta(hours=2)).isoformat()}, "invalid_fund", "closes_at"),
    ({"name": ""}, "invalid", "name"),
    ({"eligibility": {"themes": "Mobility"}}, "invalid", "eligibility.themes"),
    ({"eligibility": {"themes": [" ", "  "], "areas": []}}, "invalid_fund",
     "eligibility.themes"),
    ({"opens_at": (START - timedelta(days=2)).isoformat()}, "invalid_fund", "opens_at"),
    ({"surprise": True}, "invalid", "surprise"),
]


@pytest.mark.parametrize(("changes", "code", "field"), BAD_FUNDS)
def test_a_bad_fund_is_refused_and_nothing_is_recorded(porto, client, changes, code, field):
    before = porto.world.app.recorder.max_notification_id()
    response = porto.post("/matching-funds", fund_body(**changes))
    assert response.status_code == 422, response.text
    assert response.json["error"]["code"] == code
    assert field in response.json["error"]["fields"]
    assert porto.world.app.recorder.max_notification_id() == before
    assert client.get("/api/v1/matching-funds").json == {"matching_funds": []}


def test_an_officer_of_another_city_cannot_touch_a_fund(porto, world, client):
    fund = porto.create_fund()
    lyon = world.city("Lyon", "EUR", "FR", "Europe/Paris")
    stranger = world.token(world.officer(lyon))
    citizen = porto.citizen_token()
    before = porto.fund(fund["id"])

    for token in (stranger, citizen):
        for path, body in (
            (f"/matching-funds/{fund['id']}/top-ups", {"amount": "5.00"}),
            (f"/matching-funds/{fund['id']}/rules", {"kind": "ratio", "factor": "2"}),
            (f"/matching-funds/{fund['id']}/close", None),
            ("/matching-funds", fund_body()),
        ):
            response = porto.post(path, body, token)
            assert response.status_code == 403, (path, response.text)
            assert response.json["error"]["code"] == "forbidden"
    anonymous = client.post(f"/api/v1/matching-funds/{fund['id']}/close")
    assert anonymous.status_code == 401
    assert porto.fund(fund["id"]) == before


@pytest.mark.parametrize(("body", "code", "status"), [
    ({"kind": "threshold", "min_backers": 2}, "invalid_rules", 422),  # another kind
    ({"kind": "ratio", "factor": "11"}, "invalid_rules", 422),
    ({"kind": "ratio", "currency": "GBP"}, "invalid_rules", 422),
    ({"kind": "ratio", "effective_from": (START - timedelta(days=1)).isoformat()},
     "invalid_rules", 422),
    ({"kind": "ratio", "effective_from": (START + timedelta(days=30)).isoformat()},
     "invalid_rules", 422),  # after the fund closes
    ({"kind": "ratio", "effective_from": "tomorrow"}, "invalid", 422),
    ({"kind": "ratio", "factor": "2", "notes": ["x"]}, "invalid_rules", 422),
    ([], "malformed_json", 400),
])
def test_bad_rule_amendments_are_refused_and_change_nothing(porto, body, code, status):
    fund = porto.create_fund()
    before = porto.fund(fund["id"])
    response = porto.post(f"/matching-funds/{fund['id']}/rules", body)
    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code
    assert porto.fund(fund["id"]) == before


def test_overlapping_versions_are_refused(porto):
    fund = porto.create_fund()
    later = (START + timedelta(days=5)).isoformat()
    assert porto.post(f"/matching-funds/{fund['id']}/rules",
                      {"kind": "ratio", "factor": "2", "effective_from": later}).status_code == 201
    before = porto.fund(fund["id"])
    earlier = (START + timedelta(days=3)).isoformat()
    response = porto.post(f"/matching-funds/{fund['id']}/rules",
                          {"kind": "ratio", "factor": "3", "effective_from": earlier})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_rules"
    assert "overlap" in response.json["error"]["message"]
    assert porto.fund(fund["id"]) == before


def test_a_closed_fund_cannot_be_amended_topped_up_or_closed_again(porto):
    fund = porto.create_fund()
    assert porto.post(f"/matching-funds/{fund['id']}/close").status_code == 200
    before = porto.fund(fund["id"])
    for path, body in (
        ("top-ups", {"amount": "5.00"}),
        ("rules", {"kind": "ratio", "factor": "2"}),
        ("close", None),
    ):
        response = porto.post(f"/matching-funds/{fund['id']}/{path}", body)
        assert response.status_code == 409, response.text
        assert response.json["error"]["code"] == "invalid_state"
        assert "closed" in response.json["error"]["message"]
    assert porto.fund(fund["id"]) == before


@pytest.mark.parametrize("amount", ["0.00", "-1.00", "1.001", 5, "lots"])
def test_a_bad_top_up_is_refused(porto, amount):
    fund = porto.create_fund()
    before = porto.fund(fund["id"])
    response = porto.post(f"/matching-funds/{fund['id']}/top-ups", {"amount": amount})
    assert response.status_code == 422
    assert response.json["error"]["code"] in ("invalid", "invalid_amount")
    assert porto.fund(fund["id"]) == before


def test_unknown_funds_are_not_found_for_commands(porto):
    for path in ("top-ups", "rules", "close"):
        body = {"amount": "5.00"} if path == "top-ups" else (
            {"kind": "ratio"} if path == "rules" else None)
        response = porto.post(f"/matching-funds/{uuid4()}/{path}", body)
        assert response.status_code == 404


def test_a_funded_project_commits_its_matches_and_the_worker_closes_due_funds(porto, world,
                                                                             client):
    fund = porto.create_fund(rules={"kind": "ratio", "factor": "1"}, pool="6000.00",
                             closes_at=(START + timedelta(days=15)).isoformat())
    for _ in range(2):
        porto.pledge("2500.00")
    platform = world.platform

    world.clock.advance(days=11)
    settle_due(platform.app, platform.engine, platform.projections)
    project = client.get(f"/api/v1/projects/{porto.project}").json
    assert project["status"] == "funded"  # EUR 5,000 raised + EUR 5,000 matched >= 8,000
    assert (project["raised"], project["matched"], project["total"]) == (
        "5000.00", "5000.00", "10000.00")
    read = porto.fund(fund["id"])
    assert (read["committed"], read["reserved"], read["status"]) == ("5000.00", "0.00", "open")

    world.clock.advance(days=5)
    settle_due(platform.app, platform.engine, platform.projections)
    read = porto.fund(fund["id"])
    assert (read["status"], read["returned"], read["available"]) == ("closed", "1000.00", "0.00")


def test_the_openapi_document_describes_funds_and_each_rule_kind(client):
    document = client.get("/api/v1/openapi.json").json
    paths, schemas = document["paths"], document["components"]["schemas"]

    for path, method in (
        ("/api/v1/matching-funds", "post"),
        ("/api/v1/matching-funds/{fund_id}/rules", "post"),
        ("/api/v1/matching-funds/{fund_id}/top-ups", "post"),
        ("/api/v1/matching-funds/{fund_id}/close", "post"),
    ):
        assert paths[path][method]["security"] == [{"bearer": []}], path
        assert {"401", "403", "422"} <= set(paths[path][method]["responses"]), path
    assert "get" in paths["/api/v1/matching-funds/{fund_id}"]
    preview = paths["/api/v1/projects/{project_id}/match-preview"]["get"]
    assert {p["name"] for p in preview["parameters"]} == {"project_id", "amount"}

    parameters = {
        "RatioRules": {"factor", "cap_per_pledge", "cap_per_project", "cap_per_project_percent",
                       "one_per_backer"},
        "ThresholdRules": {"factor", "cap_per_pledge", "cap_per_project",
                           "cap_per_project_percent", "one_per_backer", "min_backers",
                           "min_percent", "match_earlier"},
        "FixedGrantRules": {"grant", "min_backers", "min_percent", "cap_per_project",
                            "cap_per_project_percent"},
        "QuadraticRules": {"min_contribution", "cap_per_project", "cap_per_project_percent"},
    }
    for name, expected in parameters.items():
        declared = set(schemas[name]["properties"]) - {"kind", "currency"}
        assert declared == expected, name
        assert schemas[name]["additionalProperties"] is False
        amendment = schemas[name.replace("Rules", "RulesAmendment")]["properties"]
        assert "effective_from" in amendment
    mapping = schemas["Rules"]["discriminator"]["mapping"]
    assert set(mapping) == {"ratio", "threshold", "fixed_grant", "quadratic"}
    assert schemas["RatioRules"]["properties"]["cap_per_pledge"]["type"] == "string"
    for name in ("matched", "total"):
        assert schemas["Project"]["properties"][name]["type"] == "string"
    assert schemas["Pledge"]["properties"]["matched"]["type"] == "string"
    assert "invalid_rules" in document["components"]["responses"]["Invalid"]["description"]


def test_the_preview_refuses_what_a_pledge_refuses_with_the_same_code(porto):
    """The preview answered 200 for amounts over the platform's limit that a pledge refuses."""
    porto.create_fund()
    over = "1000000.01"  # a single pledge is at most EUR 1,000,000.00

    preview = porto.preview(over)
    pledged = porto.post(f"/projects/{porto.project}/pledges",
                         {"amount": over, "payment_method": "pm_card_visa"},
                         porto.citizen_token())

    assert pledged.status_code == preview.status_code == 422
    assert preview.json["error"]["code"] == pledged.json["error"]["code"] == "invalid_amount"
    assert preview.json["error"]["message"] == pledged.json["error"]["message"]
    assert "amount" in preview.json["error"]["fields"]
    assert porto.preview("1000000.00").status_code == 200
