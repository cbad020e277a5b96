"""API v1 bad input: every refusal is a JSON error with a 4xx status, and nothing is recorded."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest

from tests.conftest import bearer


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def porto_project(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    return world.project(porto, world.officer(porto))


@pytest.fixture
def citizen_token(world):
    return world.token(world.citizen())


def assert_refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if field is not None:
        assert field in error["fields"], error
    return error


def assert_nothing_recorded(client, platform, project_id, before: int, token: str) -> None:
    assert log_position(platform) == before
    project = client.get(f"/api/v1/projects/{project_id}").json
    assert (project["raised"], project["backers"]) == ("0.00", 0)
    assert client.get("/api/v1/me/pledges", headers=bearer(token)).json == {"pledges": []}


BAD_PLEDGES = [
    pytest.param({"amount": 25.5}, 422, "invalid", "amount", id="JSON float"),
    pytest.param({"amount": 25}, 422, "invalid", "amount", id="JSON integer"),
    pytest.param({"amount": True}, 422, "invalid", "amount", id="boolean"),
    pytest.param({"amount": None}, 422, "invalid", "amount", id="null"),
    pytest.param({"amount": ["25.00"]}, 422, "invalid", "amount", id="list"),
    pytest.param({"amount": "0"}, 422, "invalid", "amount", id="zero"),
    pytest.param({"amount": "0.00"}, 422, "invalid", "amount", id="zero with cents"),
    pytest.param({"amount": "-5.00"}, 422, "invalid", "amount", id="negative"),
    pytest.param({"amount": "abc"}, 422, "invalid", "amount", id="not a number"),
    pytest.param({"amount": ""}, 422, "invalid", "amount", id="empty"),
    pytest.param({"amount": "1,000.00"}, 422, "invalid", "amount", id="grouping comma"),
    pytest.param({"amount": " 25.00"}, 422, "invalid", "amount", id="padded"),
    pytest.param({"amount": "25."}, 422, "invalid", "amount", id="trailing point"),
    pytest.param({"amount": "1e3"}, 422, "invalid", "amount", id="exponent"),
    pytest.param({"amount": "NaN"}, 422, "invalid", "amount", id="NaN text"),
    pytest.param({"amount": "٢٥"}, 422, "invalid", "amount", id="non-ASCII digits"),
    pytest.param({"amount": "1.234"}, 422, "invalid_amount", "amount", id="too many decimals"),
    pytest.param({"amount": "99999999999999999999999.00"}, 422, "invalid", "amount",
                 id="absurdly huge"),
    pytest.param({"amount": "2000000.00"}, 422, "invalid_amount", "amount",
                 id="over the pledge limit"),
    pytest.param({"amount": "25.00", "currency": "GBP"}, 422, "currency_mismatch", "currency",
                 id="wrong currency"),
    pytest.param({"amount": "25.00", "currency": "euro"}, 422, "invalid", "currency",
                 id="not a currency code"),
    pytest.param({"amount": "25.00", "tip": "5.00"}, 422, "invalid", "tip", id="unknown field"),
    pytest.param({}, 422, "invalid", "amount", id="missing amount"),
    pytest.param({"amount": "25.00", "payment_method": ""}, 422, "invalid", "payment_method",
                 id="empty card"),
    pytest.param({"amount": "25.00", "payment_method": "x" * 81}, 422, "invalid",
                 "payment_method", id="long card"),
    pytest.param({"amount": "25.00", "payment_method": "pm_card_chargeDeclined"}, 422,
                 "payment_declined", "payment_method", id="declined card"),
    pytest.param({"amount": "25.00", "payment_method": "pm_not_a_card"}, 422,
                 "payment_declined", "payment_method", id="unknown card"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_PLEDGES)
def test_a_bad_pledge_is_refused_and_records_nothing(
    client, platform, porto_project, citizen_token, body, status, code, field
):
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", json=body, headers=bearer(citizen_token)
    )

    assert_refused(response, status, code, field)
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


def test_a_json_number_amount_is_refused_with_a_clear_message(
    client, porto_project, citizen_token
):
    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", json={"amount": 25.5},
        headers=bearer(citizen_token),
    )

    [message] = response.json["error"]["fields"]["amount"]
    assert '"25.00"' in message
    assert "number" in message


def test_too_many_decimals_for_the_citys_currency_is_refused(world, client, platform):
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    project = world.project(miskolc, world.officer(miskolc), lines=(("Sensors", "2500000", True),))
    token = world.token(world.citizen())
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{project}/pledges", json={"amount": "1500.505"}, headers=bearer(token)
    )

    error = assert_refused(response, 422, "invalid_amount", "amount")
    assert "HUF" in error["message"]
    assert log_position(platform) == before


def test_a_huge_pledge_in_a_large_unit_currency_is_refused(world, client, platform):
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    project = world.project(miskolc, world.officer(miskolc), lines=(("Sensors", "2500000", True),))
    token = world.token(world.citizen())
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{project}/pledges", json={"amount": "400000000.01"},
        headers=bearer(token),
    )

    assert_refused(response, 422, "invalid_amount", "amount")
    assert log_position(platform) == before


# -- bodies that are not JSON objects ----------------------------------------------------------

@pytest.mark.parametrize(
    "raw",
    ['{"amount": ', "[1, 2]", '"25.00"', "null", "25.00", '{"amount": NaN}', "", "\xff\xfe",
     "[" * 100_000],
    ids=["cut short", "array", "string", "null", "number", "NaN", "empty", "not UTF-8", "deep"],
)
def test_a_body_that_is_not_a_json_object_is_malformed(
    client, platform, porto_project, citizen_token, raw
):
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", data=raw.encode("latin-1"),
        content_type="application/json", headers=bearer(citizen_token),
    )

    assert_refused(response, 400, "malformed_json")
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_a_body_that_is_not_declared_json_is_unsupported(
    client, platform, porto_project, citizen_token, content_type
):
    before = log_position(platform)
    headers = bearer(citizen_token)
    if content_type:
        headers["Content-Type"] = content_type

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", data=json.dumps({"amount": "25.00"}),
        headers=headers,
    )

    assert_refused(response, 415, "unsupported_media_type")
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


def test_a_body_over_the_size_limit_is_refused(client, platform, porto_project, citizen_token):
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges",
        data=json.dumps({"amount": "25.00", "note": "x" * 2_000_000}),
        content_type="application/json", headers=bearer(citizen_token),
    )

    assert 400 <= response.status_code < 500
    assert response.json["error"]["code"] == "too_large"
    assert log_position(platform) == before


# -- who may pledge ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer ", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "token"],
    ids=["none", "empty bearer", "unknown token", "basic", "no scheme"],
)
def test_a_pledge_without_a_valid_token_is_unauthorised(
    client, platform, porto_project, citizen_token, authorization
):
    before = log_position(platform)
    headers = {"Authorization": authorization} if authorization else {}

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", json={"amount": "25.00"}, headers=headers
    )

    assert_refused(response, 401, "unauthorised")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


@pytest.mark.parametrize("role", ["city", "investor", "auditor", "admin"])
def test_only_citizens_pledge(world, client, platform, porto_project, citizen_token, role):
    city_id = world.city("Porto") if role == "city" else None
    token = world.token(world.account(role, city_id=city_id))
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges", json={"amount": "25.00"},
        headers=bearer(token),
    )

    # An auditor's change is refused before any rule is asked: auditors change nothing.
    assert_refused(response, 403, "read_only" if role == "auditor" else "forbidden")
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


def test_a_signed_in_browser_session_is_not_an_api_token(world, client, platform, porto_project):
    citizen = world.citizen()
    with client.session_transaction() as session:  # what flask-login keeps after a log in
        session["_user_id"] = str(citizen)
        session["_fresh"] = True
    before = log_position(platform)

    response = client.post(f"/api/v1/projects/{porto_project}/pledges", json={"amount": "25.00"})

    assert_refused(response, 401, "unauthorised")
    assert log_position(platform) == before


# -- which project -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "path",
    [f"/api/v1/projects/{uuid4()}/pledges", "/api/v1/projects/not-a-uuid/pledges",
     "/api/v1/projects/12345/pledges", "/api/v1/projects/%00/pledges"],
    ids=["unknown", "malformed", "number", "NUL"],
)
def test_a_pledge_to_an_unknown_or_malformed_project_is_not_found(
    client, platform, citizen_token, path
):
    before = log_position(platform)

    response = client.post(path, json={"amount": "25.00"}, headers=bearer(citizen_token))

    assert_refused(response, 404, "not_found")
    assert log_position(platform) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/projects/not-a-uuid"), ("post", "/api/v1/projects/xyz/open"),
     ("delete", "/api/v1/pledges/not-a-uuid"), ("get", "/api/v1/pledges/123"),
     ("get", "/api/v1/nothing-here")],
)
def test_malformed_ids_and_unknown_routes_are_json_404s(client, method, path):
    assert_refused(getattr(client, method)(path), 404, "not_found")


def test_a_method_a_route_does_not_take_is_a_json_405(client):
    assert_refused(client.put("/api/v1/projects"), 405, "method_not_allowed")
    assert_refused(client.delete("/api/v1/tokens"), 405, "method_not_allowed")


def test_a_pledge_after_the_campaign_closed_is_refused(
    world, client, platform, citizen_token
):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=2))
    world.clock.advance(days=2)
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{project}/pledges", json={"amount": "25.00"},
        headers=bearer(citizen_token),
    )

    assert_refused(response, 409, "campaign_not_open")
    assert_nothing_recorded(client, platform, project, before, citizen_token)


def test_a_pledge_to_a_draft_is_refused(world, client, platform, citizen_token):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    draft = world.project(porto, officer, open_campaign=False)
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{draft}/pledges", json={"amount": "25.00"},
        headers=bearer(citizen_token),
    )

    assert_refused(response, 409, "campaign_not_open")
    assert log_position(platform) == before
    assert platform.read.project(draft).raised.minor == 0


def test_a_declined_card_leaves_no_pledge(client, platform, porto_project, citizen_token):
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{porto_project}/pledges",
        json={"amount": "25.00", "payment_method": "pm_card_chargeDeclined"},
        headers=bearer(citizen_token),
    )

    error = assert_refused(response, 422, "payment_declined")
    assert "declined" in error["message"]
    assert_nothing_recorded(client, platform, porto_project, before, citizen_token)


def test_the_api_needs_no_csrf_token_but_every_error_is_json(client, porto_project):
    response = client.post(f"/api/v1/projects/{porto_project}/pledges", json={"amount": "1.00"})

    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorised"


# -- on PostgreSQL, whose text columns refuse what SQLite lets through --------------------------

@pytest.fixture
def pg_world(pg_platform, clock):
    from tests.conftest import World

    return World(pg_platform, clock)


@pytest.fixture
def pg_client(pg_platform):
    from web.app import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "test-secret"},
                      platform=pg_platform).test_client()


@pytest.mark.postgres
def test_on_postgresql_control_characters_and_extremes_are_refused_not_crashed(
    pg_world, pg_client, pg_platform
):
    porto = pg_world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = pg_world.token(pg_world.officer(porto))
    citizen = pg_world.token(pg_world.citizen())
    project = pg_world.project(porto, pg_world.officer(porto))
    now = pg_world.clock.now()
    draft = {
        "title": "Sensors", "summary": "Forty sensors.", "city": "Porto", "area": "Bonfim",
        "theme": "Environment", "currency": "EUR", "funding_model": "all_or_nothing",
        "budget_lines": [{"label": "Sensors", "amount": "100.00"}],
        "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=9)).isoformat(),
    }
    before = log_position(pg_platform)

    answers = [
        pg_client.post("/api/v1/projects", json={**draft, "title": "Sens\x00ors"},
                       headers=bearer(officer)),
        pg_client.post("/api/v1/projects", json={**draft, "proposer": "\x00"},
                       headers=bearer(officer)),
        pg_client.post("/api/v1/projects", json={**draft, "city": "Por\x00to"},
                       headers=bearer(officer)),
        pg_client.post("/api/v1/projects",
                       json={**draft, "budget_lines": [{"label": "x", "amount": "9" * 14}] * 50},
                       headers=bearer(officer)),
        pg_client.post("/api/v1/projects",
                       json={**draft, "closes_at": "2101-01-01T00:00:00+15:59"},
                       headers=bearer(officer)),
        pg_client.get("/api/v1/projects?theme=Mobi%00lity"),
        pg_client.get("/api/v1/projects?city=%00"),
        pg_client.post("/api/v1/tokens", json={"email": "a\x00@example.org", "password": "x"}),
        pg_client.post(f"/api/v1/projects/{project}/pledges",
                       json={"amount": "1.00", "payment_method": "pm_card_visa\x00"},
                       headers=bearer(citizen)),
    ]

    assert [a.status_code for a in answers] == [422] * 9
    assert log_position(pg_platform) == before


@pytest.mark.postgres
def test_on_postgresql_a_pledge_and_its_cancellation_move_the_total(
    pg_world, pg_client
):
    porto = pg_world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = pg_world.project(porto, pg_world.officer(porto))
    token = pg_world.token(pg_world.citizen())

    made = pg_client.post(f"/api/v1/projects/{project}/pledges", json={"amount": "19.99"},
                          headers=bearer(token))
    assert made.status_code == 201
    assert pg_client.get(f"/api/v1/projects/{project}").json["raised"] == "19.99"

    cancelled = pg_client.delete(f"/api/v1/pledges/{made.json['id']}", headers=bearer(token))
    assert cancelled.json["status"] == "cancelled"
    assert pg_client.get(f"/api/v1/projects/{project}").json["raised"] == "0.00"


# -- two requests changing the same thing at once ------------------------------------------------

def test_opening_a_campaign_another_request_just_opened_is_a_conflict_not_a_crash(
    monkeypatch, world, client, platform, sqlite_url, clock
):
    from domain.kernel.context import Actor, acting_as
    from tests.conftest import make_platform

    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer_id = world.officer(porto)
    draft = world.project(porto, officer_id, open_campaign=False)
    rival = make_platform(sqlite_url, clock)  # a second server process on the same database
    read = platform.app.get_project

    def read_then_the_rival_opens_it(project_id):
        project = read(project_id)
        monkeypatch.setattr(platform.app, "get_project", read)
        with acting_as(Actor(str(officer_id), "city"), "rival"):
            rival.app.open_campaign(project_id)
        return project

    monkeypatch.setattr(platform.app, "get_project", read_then_the_rival_opens_it)
    try:
        response = client.post(f"/api/v1/projects/{draft}/open",
                               headers=bearer(world.token(officer_id)))
        after_the_rival = rival.app.recorder.max_notification_id()
    finally:
        rival.close()

    error = assert_refused(response, 409, "conflict")
    assert "try again" in error["message"]
    assert log_position(platform) == after_the_rival  # the losing request recorded nothing
    assert platform.app.get_project(draft).status == "open"  # as the rival left it
