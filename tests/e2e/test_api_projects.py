"""API v1: tokens, reading projects, and a city officer drafting and opening one."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from tests.conftest import PASSWORD, bearer


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def api_project(client, project_id, token=None):
    return client.get(f"/api/v1/projects/{project_id}", headers=bearer(token) if token else {})


# -- tokens ------------------------------------------------------------------------------------

def test_a_token_is_issued_for_the_right_password_and_works(world, client):
    citizen = world.citizen("ana@example.org")

    response = client.post(
        "/api/v1/tokens", json={"email": "Ana@Example.org", "password": PASSWORD}
    )

    assert response.status_code == 201
    assert response.json["account_id"] == str(citizen)
    assert response.json["role"] == "citizen"
    mine = client.get("/api/v1/me/pledges", headers=bearer(response.json["token"]))
    assert mine.status_code == 200
    assert mine.json == {"pledges": []}


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(world, client):
    world.citizen("ana@example.org")

    wrong_password = client.post(
        "/api/v1/tokens", json={"email": "ana@example.org", "password": "not the password"}
    )
    unknown_email = client.post(
        "/api/v1/tokens", json={"email": "nobody@example.org", "password": PASSWORD}
    )

    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "invalid_credentials"
    assert wrong_password.json == unknown_email.json


def test_a_token_request_without_a_password_is_invalid(world, client):
    response = client.post("/api/v1/tokens", json={"email": "ana@example.org"})

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert "password" in response.json["error"]["fields"]


# -- reading projects --------------------------------------------------------------------------

def test_projects_list_their_figures_as_exact_decimal_strings(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project = world.project(
        porto, officer, title="Solar benches",
        lines=(("Benches", "8000.05", True), ("Plaques", "1999.95", False)),
    )
    world.pledge(project, world.citizen(), "25.10")
    world.pledge(project, world.citizen(), "0.20")

    listed = client.get("/api/v1/projects")

    assert listed.status_code == 200
    [found] = [p for p in listed.json["projects"] if p["id"] == str(project)]
    assert found["title"] == "Solar benches"
    assert found["city"] == "Porto"
    assert found["currency"] == "EUR"
    assert found["status"] == "open"
    assert found["funding_model"] == "all_or_nothing"
    assert found["minimum"] == "8000.05"
    assert found["optimum"] == "10000.00"
    assert found["raised"] == "25.30"
    assert found["pending"] == "0.00"
    assert found["settled"] is False
    assert found["backers"] == 2
    assert found["budget_lines"] == [
        {"label": "Benches", "amount": "8000.05", "required": True},
        {"label": "Plaques", "amount": "1999.95", "required": False},
    ]
    assert api_project(client, project).json == found


def test_drafts_are_not_listed_and_filters_narrow_the_list(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    porto_officer, dublin_officer = world.officer(porto), world.officer(dublin)
    lanes = world.project(porto, porto_officer, title="Bike lanes", theme="Mobility")
    panels = world.project(dublin, dublin_officer, title="Roof panels", theme="Energy")
    draft = world.project(porto, porto_officer, title="Quiet draft", open_campaign=False)

    def ids(query: str = "", token: str | None = None) -> set[str]:
        response = client.get(f"/api/v1/projects{query}", headers=bearer(token) if token else {})
        assert response.status_code == 200
        return {p["id"] for p in response.json["projects"]}

    assert ids() == {str(lanes), str(panels)}
    assert ids("?city=Porto") == {str(lanes)}
    assert ids("?city=porto") == {str(lanes)}
    assert ids("?theme=Energy") == {str(panels)}
    assert ids("?status=open&city=Dublin") == {str(panels)}
    assert ids("?city=Atlantis") == set()
    assert ids("?status=draft") == set()
    assert ids("?status=draft", world.token(porto_officer)) == {str(draft)}
    assert ids("?status=draft", world.token(dublin_officer)) == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [("?status=lost", "status"), ("?colour=red", "colour"), ("?limit=0", "limit"),
     ("?limit=many", "limit"), ("?city=", "city")],
)
def test_bad_filters_are_refused(world, client, query, field):
    response = client.get(f"/api/v1/projects{query}")

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]


def test_a_draft_is_visible_only_to_its_citys_officers_and_admins(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    officer = world.officer(porto)
    draft = world.project(porto, officer, open_campaign=False)

    assert api_project(client, draft).status_code == 404
    assert api_project(client, draft, world.token(world.citizen())).status_code == 404
    assert api_project(client, draft, world.token(world.officer(dublin))).status_code == 404
    assert api_project(client, draft, world.token(officer)).json["status"] == "draft"
    assert api_project(client, draft, world.token(world.account("admin"))).status_code == 200


def test_an_unknown_project_is_not_found(world, client):
    response = api_project(client, uuid4())

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


# -- an officer drafts and opens a project -------------------------------------------------------

def draft_body(world, **changes) -> dict:
    now = world.clock.now()
    body = {
        "title": "Air-quality sensors",
        "summary": "Forty sensors on lamp posts, readings published every hour.",
        "city": "Porto",
        "area": "Bonfim",
        "theme": "Environment",
        "currency": "EUR",
        "budget_lines": [
            {"label": "Sensors", "amount": "12000.00", "required": True},
            {"label": "Open-data portal", "amount": "3000.50", "required": False},
        ],
        "funding_model": "all_or_nothing",
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=30)).isoformat().replace("+00:00", "Z"),
    }
    body.update(changes)
    return body


def test_an_officer_drafts_a_project_then_opens_its_campaign(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    token = world.token(world.officer(porto))

    created = client.post("/api/v1/projects", json=draft_body(world), headers=bearer(token))

    assert created.status_code == 201
    project = created.json
    assert project["status"] == "draft"
    assert project["city"] == "Porto"
    assert project["proposer"] == "Porto"
    assert project["minimum"] == "12000.00"
    assert project["optimum"] == "15000.50"
    assert project["raised"] == "0.00"
    assert project["backers"] == 0
    assert created.headers["Location"].endswith(f"/api/v1/projects/{project['id']}")
    assert client.get(created.headers["Location"], headers=bearer(token)).json == project
    assert api_project(client, project["id"]).status_code == 404

    opened = client.post(f"/api/v1/projects/{project['id']}/open", headers=bearer(token))

    assert opened.status_code == 200
    assert opened.json["status"] == "open"
    assert api_project(client, project["id"]).json["status"] == "open"
    listed = client.get("/api/v1/projects?city=Porto").json["projects"]
    assert project["id"] in {p["id"] for p in listed}

    again = client.post(f"/api/v1/projects/{project['id']}/open", headers=bearer(token))
    assert again.status_code == 409
    assert again.json["error"]["code"] == "invalid_state"


def test_an_officer_may_name_the_proposer(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    token = world.token(world.officer(porto))

    created = client.post(
        "/api/v1/projects", json=draft_body(world, proposer="Friends of Bonfim"),
        headers=bearer(token),
    )

    assert created.status_code == 201
    assert created.json["proposer"] == "Friends of Bonfim"


def test_an_officer_cannot_open_another_citys_campaign(world, client, platform):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    draft = world.project(porto, world.officer(porto), open_campaign=False)
    stranger = world.token(world.officer(dublin))
    before = log_position(platform)

    response = client.post(f"/api/v1/projects/{draft}/open", headers=bearer(stranger))

    assert response.status_code == 404
    assert log_position(platform) == before
    assert platform.read.project(draft).status == "draft"


def test_opening_refuses_a_body_with_fields(world, client, platform):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    draft = world.project(porto, officer, open_campaign=False)
    before = log_position(platform)

    response = client.post(
        f"/api/v1/projects/{draft}/open", json={"now": True}, headers=bearer(world.token(officer))
    )

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"now": ["Unknown field."]}
    assert log_position(platform) == before


def _line(amount, required=True):
    return [{"label": "Sensors", "amount": amount, "required": required}]


BAD_DRAFTS = [
    pytest.param({"city": "Atlantis"}, 422, "invalid_city", "city", id="unknown city"),
    pytest.param({"city": "Dublin"}, 403, "forbidden", None, id="another city"),
    pytest.param({"currency": "GBP"}, 422, "currency_mismatch", "currency", id="wrong currency"),
    pytest.param({"budget_lines": _line(8000)}, 422, "invalid", "budget_lines.0.amount",
                 id="number amount"),
    pytest.param({"budget_lines": _line(8000.5)}, 422, "invalid", "budget_lines.0.amount",
                 id="float amount"),
    pytest.param({"budget_lines": _line("0.00")}, 422, "invalid", "budget_lines.0.amount",
                 id="zero line"),
    pytest.param({"budget_lines": _line("-5.00")}, 422, "invalid", "budget_lines.0.amount",
                 id="negative line"),
    pytest.param({"budget_lines": _line("12.345")}, 422, "invalid_amount",
                 "budget_lines.0.amount", id="three decimals"),
    pytest.param({"budget_lines": _line("99999999999999999999.00")}, 422, "invalid",
                 "budget_lines.0.amount", id="huge line"),
    pytest.param({"budget_lines": _line("100.00", "yes")}, 422, "invalid",
                 "budget_lines.0.required", id="required as text"),
    pytest.param({"budget_lines": _line("100.00", False)}, 422, "invalid_project",
                 "budget_lines", id="nothing required"),
    pytest.param({"budget_lines": []}, 422, "invalid", "budget_lines", id="no lines"),
    pytest.param({"budget_lines": [{"label": "Sensors", "amount": "1.00", "colour": "red"}]},
                 422, "invalid", "budget_lines.0.colour", id="unknown line field"),
    pytest.param({"title": None}, 422, "invalid", "title", id="null title"),
    pytest.param({"title": "x" * 141}, 422, "invalid", "title", id="long title"),
    pytest.param({"title": "   "}, 422, "invalid_project", "title", id="blank title"),
    pytest.param({"funding_model": "lottery"}, 422, "invalid", "funding_model",
                 id="unknown funding model"),
    pytest.param({"opens_at": "2026-11-26T10:00:00"}, 422, "invalid", "opens_at",
                 id="no time zone"),
    pytest.param({"closes_at": "next week"}, 422, "invalid", "closes_at", id="not a date"),
    pytest.param({"closes_at": "9999-12-31T23:59:59-12:00"}, 422, "invalid", "closes_at",
                 id="date out of range"),
    pytest.param({"closes_at": "2026-11-01T00:00:00Z"}, 422, "invalid_project", "closes_at",
                 id="closes before it opens"),
    pytest.param({"opens_at": "2026-11-20T09:00:00Z"}, 422, "invalid_project", "opens_at",
                 id="opens in the past"),
    pytest.param({"owner": "me"}, 422, "invalid", "owner", id="unknown field"),
]


@pytest.mark.parametrize(("changes", "status", "code", "field"), BAD_DRAFTS)
def test_a_bad_draft_is_refused_and_records_nothing(
    world, client, platform, changes, status, code, field
):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    token = world.token(world.officer(porto))
    before = log_position(platform)

    response = client.post(
        "/api/v1/projects", json=draft_body(world, **changes), headers=bearer(token)
    )

    assert response.status_code == status
    assert response.json["error"]["code"] == code
    if field:
        assert field in response.json["error"]["fields"]
    assert log_position(platform) == before
    assert platform.read.projects(include_drafts=True) == []


@pytest.mark.parametrize("missing", ["title", "summary", "city", "area", "theme", "currency",
                                     "budget_lines", "funding_model", "opens_at", "closes_at"])
def test_every_required_field_is_required(world, client, platform, missing):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    token = world.token(world.officer(porto))
    body = draft_body(world)
    del body[missing]
    before = log_position(platform)

    response = client.post("/api/v1/projects", json=body, headers=bearer(token))

    assert response.status_code == 422
    assert response.json["error"]["fields"][missing] == ["Missing data for required field."]
    assert log_position(platform) == before


def test_only_city_officers_create_projects(world, client, platform):
    world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    citizen = world.token(world.citizen())
    before = log_position(platform)

    as_citizen = client.post("/api/v1/projects", json=draft_body(world), headers=bearer(citizen))
    anonymous = client.post("/api/v1/projects", json=draft_body(world))

    assert as_citizen.status_code == 403
    assert as_citizen.json["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401
    assert anonymous.json["error"]["code"] == "unauthorised"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert log_position(platform) == before


def test_an_admin_drafts_in_any_city(world, client):
    world.city("Porto", "EUR", "PT", "Europe/Lisbon")

    created = client.post(
        "/api/v1/projects", json=draft_body(world),
        headers=bearer(world.token(world.account("admin"))),
    )

    assert created.status_code == 201
    assert created.json["status"] == "draft"


def test_the_year_range_is_the_year_as_written_as_the_document_says(world, client):
    """The document's pattern reads the year as written; the server once read it in UTC, and
    refused 2100-12-31T23:00:00-05:00 (2101 in UTC) though the document allowed it."""
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    token = world.token(world.officer(porto))

    response = client.post("/api/v1/projects", json=draft_body(
        world, closes_at="2100-12-31T23:00:00-05:00"), headers=bearer(token))

    assert response.status_code == 201, response.text
    assert response.json["closes_at"].startswith("2101-01-01T04:00:00")
