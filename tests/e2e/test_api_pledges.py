"""API v1: a citizen pledges, lists their pledges and cancels one; the project's total follows."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from tests.conftest import bearer


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def figures(client, project_id) -> tuple[str, int]:
    project = client.get(f"/api/v1/projects/{project_id}").json
    return project["raised"], project["backers"]


def open_project(world, *, closes_in=timedelta(days=30)):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    return world.project(porto, world.officer(porto), closes_in=closes_in)


def pledge(client, project_id, token, **body):
    return client.post(f"/api/v1/projects/{project_id}/pledges", json=body, headers=bearer(token))


def test_a_citizen_pledges_and_the_total_moves(world, client):
    project = open_project(world)
    world.pledge(project, world.citizen(), "100.00")
    token = world.token(world.citizen())
    assert figures(client, project) == ("100.00", 1)

    response = pledge(client, project, token, amount="25.50")

    assert response.status_code == 201
    made = response.json
    assert made["project_id"] == str(project)
    assert made["amount"] == "25.50"
    assert made["currency"] == "EUR"
    assert made["status"] == "authorised"
    assert made["fix_by"] is None and made["failure"] is None
    assert datetime.fromisoformat(made["created_at"]).tzinfo is not None
    assert response.headers["Location"].endswith(f"/api/v1/pledges/{made['id']}")
    assert client.get(response.headers["Location"], headers=bearer(token)).json == made
    assert figures(client, project) == ("125.50", 2)


def test_a_pledge_may_name_the_currency_and_card(world, client):
    project = open_project(world)
    token = world.token(world.citizen())

    response = pledge(client, project, token, amount="10", currency="EUR",
                      payment_method="pm_card_mastercard")

    assert response.status_code == 201
    assert response.json["amount"] == "10.00"
    assert figures(client, project) == ("10.00", 1)


def test_a_second_pledge_by_the_same_citizen_adds_no_backer(world, client):
    project = open_project(world)
    token = world.token(world.citizen())

    pledge(client, project, token, amount="10.00")
    pledge(client, project, token, amount="5.05")

    assert figures(client, project) == ("15.05", 1)


def test_my_pledges_lists_only_the_token_holders_pledges(world, client):
    project = open_project(world)
    ana, ben = world.citizen(), world.citizen()
    ana_token = world.token(ana)
    first = pledge(client, project, ana_token, amount="12.00").json
    second = pledge(client, project, ana_token, amount="3.40").json
    world.pledge(project, ben, "99.00")

    mine = client.get("/api/v1/me/pledges", headers=bearer(ana_token))

    assert mine.status_code == 200
    assert [p["id"] for p in mine.json["pledges"]] == [second["id"], first["id"]]
    assert [p["amount"] for p in mine.json["pledges"]] == ["3.40", "12.00"]


def test_my_pledges_needs_a_token(client):
    response = client.get("/api/v1/me/pledges")

    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorised"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_deleting_a_pledge_cancels_it_and_the_total_goes_back(world, client):
    project = open_project(world)
    world.pledge(project, world.citizen(), "40.00")
    token = world.token(world.citizen())
    made = pledge(client, project, token, amount="25.00").json
    assert figures(client, project) == ("65.00", 2)

    response = client.delete(f"/api/v1/pledges/{made['id']}", headers=bearer(token))

    assert response.status_code == 200
    assert response.json["id"] == made["id"]
    assert response.json["status"] == "cancelled"
    assert response.json["amount"] == "25.00"
    assert figures(client, project) == ("40.00", 1)
    [listed] = client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"]
    assert listed["status"] == "cancelled"


def test_a_cancelled_pledge_cannot_be_cancelled_again(world, client, platform):
    project = open_project(world)
    token = world.token(world.citizen())
    made = pledge(client, project, token, amount="25.00").json
    client.delete(f"/api/v1/pledges/{made['id']}", headers=bearer(token))
    before = log_position(platform)

    again = client.delete(f"/api/v1/pledges/{made['id']}", headers=bearer(token))

    assert again.status_code == 409
    assert again.json["error"]["code"] == "invalid_state"
    assert log_position(platform) == before


def test_another_citizens_pledge_looks_missing(world, client, platform):
    project = open_project(world)
    owner = world.citizen()
    pledge_id = world.pledge(project, owner, "25.00")
    stranger = world.token(world.citizen())
    before = log_position(platform)

    deleted = client.delete(f"/api/v1/pledges/{pledge_id}", headers=bearer(stranger))
    read = client.get(f"/api/v1/pledges/{pledge_id}", headers=bearer(stranger))
    missing = client.delete(f"/api/v1/pledges/{uuid4()}", headers=bearer(stranger))

    for response in (deleted, read, missing):
        assert response.status_code == 404
        assert response.json["error"]["code"] == "not_found"
    assert deleted.json == missing.json
    assert log_position(platform) == before
    assert figures(client, project) == ("25.00", 1)


def test_only_the_citizen_who_pledged_cancels_even_an_admin_finds_nothing(world, client, platform):
    """Cancelling is for the pledge's own citizen, whatever their role is now; anyone else,
    an administrator too, finds no such pledge."""
    project = open_project(world)
    pledge_id = world.pledge(project, world.citizen(), "25.00")
    admin = world.token(world.account("admin"))
    before = log_position(platform)

    response = client.delete(f"/api/v1/pledges/{pledge_id}", headers=bearer(admin))

    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert log_position(platform) == before


def test_a_pledge_cannot_be_cancelled_once_the_campaign_has_closed(world, client, platform):
    project = open_project(world, closes_in=timedelta(days=2))
    citizen = world.citizen()
    pledge_id = world.pledge(project, citizen, "25.00")
    token = world.token(citizen)
    world.clock.advance(days=3)
    before = log_position(platform)

    response = client.delete(f"/api/v1/pledges/{pledge_id}", headers=bearer(token))

    assert response.status_code == 409
    assert response.json["error"]["code"] == "invalid_state"
    assert log_position(platform) == before
    assert figures(client, project) == ("25.00", 1)


def test_a_pledge_in_a_whole_amount_currency_city(world, client):
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    project = world.project(miskolc, world.officer(miskolc),
                            lines=(("Sensors", "2500000", True),))
    token = world.token(world.citizen())

    response = pledge(client, project, token, amount="15000")

    assert response.status_code == 201
    assert response.json["currency"] == "HUF"
    assert figures(client, project)[0] == response.json["amount"]


def test_the_answer_says_which_payment_method_was_used(world, client):
    """A pledge sent without payment_method was made with the sandbox's test Visa without
    saying so; every pledge the API writes names its payment method."""
    project = open_project(world)
    token = world.token(world.citizen())

    defaulted = pledge(client, project, token, amount="10.00")
    named = pledge(client, project, token, amount="5.00", payment_method="pm_card_mastercard")

    assert defaulted.status_code == named.status_code == 201
    assert defaulted.json["payment_method"] == "pm_card_visa"
    assert named.json["payment_method"] == "pm_card_mastercard"
    listed = client.get("/api/v1/me/pledges", headers=bearer(token)).json["pledges"]
    assert {p["payment_method"] for p in listed} == {"pm_card_visa", "pm_card_mastercard"}


def test_the_document_says_what_a_missing_payment_method_means(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    sent = schemas["PledgeCreate"]["properties"]["payment_method"]
    answered = schemas["Pledge"]["properties"]["payment_method"]

    assert sent["default"] == "pm_card_visa" and "Left out" in sent["description"]
    assert "payment_method" in schemas["Pledge"]["required"]
    assert answered["type"] == "string"
