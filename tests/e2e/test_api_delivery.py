"""API v1 after funding: a city officer starts delivery, plans and completes milestones, posts
updates and completes the project; anyone reads the milestones and updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.settlement_rounds import settle_due
from tests.conftest import bearer


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def assert_refused(response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    if field is not None:
        assert field in response.json["error"]["fields"], response.json


class Delivery:
    """A Porto project (minimum EUR 8,000.00) and its officer, driven through the API."""

    def __init__(self, world, client, platform):
        self.world, self.client, self.platform = world, client, platform
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city)
        self.token = world.token(self.officer)
        self.id = world.project(self.city, self.officer, closes_in=timedelta(days=10))

    def fund(self) -> None:
        self.world.pledge(self.id, self.world.citizen(), "8000.00")
        self.world.clock.advance(days=11)
        settle_due(self.platform.app, self.platform.engine, self.platform.projections)
        assert self.project()["status"] == "funded"

    def project(self) -> dict:
        return self.client.get(f"/api/v1/projects/{self.id}").json

    def post(self, path: str, json=None, token: str | None = None):
        return self.client.post(f"/api/v1/projects/{self.id}{path}", json=json,
                                headers=bearer(token or self.token))

    def plan(self, title: str, due: datetime, token: str | None = None):
        return self.post("/milestones", {"title": title, "due": due.isoformat()}, token)

    def milestones(self) -> list[dict]:
        response = self.client.get(f"/api/v1/projects/{self.id}/milestones")
        assert response.status_code == 200
        return response.json["milestones"]

    def updates(self) -> list[dict]:
        response = self.client.get(f"/api/v1/projects/{self.id}/updates")
        assert response.status_code == 200
        return response.json["updates"]


@pytest.fixture
def delivery(world, client, platform) -> Delivery:
    return Delivery(world, client, platform)


def test_a_funded_project_is_delivered_milestone_by_milestone(delivery):
    delivery.fund()
    install = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    publish = datetime(2027, 5, 15, 17, 30, tzinfo=UTC)

    started = delivery.post("/delivery")

    assert started.status_code == 200
    assert started.json["status"] == "delivering"
    assert started.json["raised"] == "8000.00"

    first = delivery.plan("Install the sensors", install)
    second = delivery.plan("Publish the readings", publish)

    assert first.status_code == 201 and second.status_code == 201
    assert (first.json["number"], first.json["title"], first.json["completed_at"]) == (
        1, "Install the sensors", None
    )
    assert datetime.fromisoformat(first.json["due"]) == install
    assert second.json["number"] == 2
    assert [m["title"] for m in delivery.milestones()] == [
        "Install the sensors", "Publish the readings"
    ]

    too_soon = delivery.post("/complete")
    assert_refused(too_soon, 409, "invalid_state")
    assert "milestone" in too_soon.json["error"]["message"]

    done = delivery.post("/milestones/1/complete")

    assert done.status_code == 200
    assert done.json["number"] == 1
    assert datetime.fromisoformat(done.json["completed_at"]).tzinfo is not None
    assert [m["completed_at"] is not None for m in delivery.milestones()] == [True, False]
    assert_refused(delivery.post("/milestones/1/complete"), 409, "invalid_state")

    delivery.post("/milestones/2/complete")
    completed = delivery.post("/complete")

    assert completed.status_code == 200
    assert completed.json["status"] == "completed"
    assert delivery.project()["status"] == "completed"
    assert_refused(delivery.plan("One more", publish), 409, "invalid_state")
    assert_refused(delivery.post("/complete"), 409, "invalid_state")


def test_updates_are_posted_by_the_city_and_read_by_anyone_newest_first(delivery):
    first = delivery.post("/updates", {"title": "Campaign open",
                                       "body": "Tell your neighbours.\nThank you!"})
    delivery.fund()
    second = delivery.post("/updates", {"title": "Funded", "body": "Work starts in March."})

    assert first.status_code == 201
    assert (first.json["title"], first.json["body"]) == (
        "Campaign open", "Tell your neighbours.\nThank you!"
    )
    assert datetime.fromisoformat(first.json["posted_at"]).tzinfo is not None
    assert second.status_code == 201
    assert [u["title"] for u in delivery.updates()] == ["Funded", "Campaign open"]
    assert delivery.updates()[0]["body"] == "Work starts in March."


def test_delivery_starts_only_once_funded(delivery, platform):
    before = log_position(platform)

    response = delivery.post("/delivery")

    assert_refused(response, 409, "invalid_state")
    assert log_position(platform) == before
    assert delivery.project()["status"] == "open"


def test_milestones_are_completed_only_while_delivering(delivery, platform):
    delivery.plan("Install the sensors", datetime(2027, 3, 1, tzinfo=UTC))
    before = log_position(platform)

    response = delivery.post("/milestones/1/complete")

    assert_refused(response, 409, "invalid_state")
    assert log_position(platform) == before
    assert delivery.milestones()[0]["completed_at"] is None


def test_an_unknown_milestone_is_not_found(delivery, platform):
    delivery.fund()
    delivery.post("/delivery")
    delivery.plan("Install the sensors", datetime(2027, 3, 1, tzinfo=UTC))
    before = log_position(platform)

    for number in (0, 2, 99):
        assert_refused(delivery.post(f"/milestones/{number}/complete"), 404, "not_found")
    assert delivery.post("/milestones/-1/complete").status_code == 404
    assert delivery.post("/milestones/one/complete").status_code == 404
    assert log_position(platform) == before


def test_a_draft_takes_no_updates(world, client, platform):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    draft = world.project(porto, officer, open_campaign=False)
    before = log_position(platform)

    response = client.post(f"/api/v1/projects/{draft}/updates",
                           json={"title": "Soon", "body": "Coming soon."},
                           headers=bearer(world.token(officer)))

    assert_refused(response, 409, "invalid_state")
    assert log_position(platform) == before
    assert client.get(f"/api/v1/projects/{draft}/updates").status_code == 404
    assert client.get(f"/api/v1/projects/{draft}/milestones").status_code == 404
    own = client.get(f"/api/v1/projects/{draft}/updates", headers=bearer(world.token(officer)))
    assert own.json == {"updates": []}


ACTIONS = [
    pytest.param("/updates", {"title": "News", "body": "Some news."}, id="update"),
    pytest.param("/milestones", {"title": "Install", "due": "2027-03-01T09:00:00Z"},
                 id="milestone"),
    pytest.param("/delivery", None, id="start delivery"),
    pytest.param("/complete", None, id="complete"),
    pytest.param("/milestones/1/complete", None, id="complete milestone"),
]


@pytest.mark.parametrize(("path", "body"), ACTIONS)
def test_only_the_citys_officers_manage_delivery(delivery, platform, path, body):
    world = delivery.world
    delivery.fund()
    delivery.plan("Install", datetime(2027, 3, 1, tzinfo=UTC))
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    outsiders = [world.token(world.citizen()), world.token(world.officer(dublin)),
                 world.token(world.account("investor"))]
    auditor = world.token(world.account("auditor"))
    before = log_position(platform)

    for token in outsiders:
        assert_refused(delivery.post(path, body, token), 403, "forbidden")
    assert_refused(delivery.post(path, body, auditor), 403, "read_only")  # auditors change nothing
    anonymous = delivery.client.post(f"/api/v1/projects/{delivery.id}{path}", json=body)
    assert_refused(anonymous, 401, "unauthorised")
    missing = delivery.client.post(f"/api/v1/projects/{uuid4()}{path}", json=body,
                                   headers=bearer(delivery.token))
    assert_refused(missing, 404, "not_found")
    assert log_position(platform) == before
    assert delivery.project()["status"] == "funded"


@pytest.mark.parametrize(("path", "body"), ACTIONS[:2])
def test_an_admin_manages_delivery_in_any_city(delivery, path, body):
    admin = delivery.world.token(delivery.world.account("admin"))

    response = delivery.post(path, body, admin)

    assert response.status_code == 201


BAD_UPDATES = [
    pytest.param({"title": "News"}, "body", id="no body"),
    pytest.param({"body": "Some news."}, "title", id="no title"),
    pytest.param({"title": "", "body": "Some news."}, "title", id="empty title"),
    pytest.param({"title": "x" * 141, "body": "Some news."}, "title", id="long title"),
    pytest.param({"title": "News", "body": "x" * 4001}, "body", id="long body"),
    pytest.param({"title": "News", "body": 7}, "body", id="number body"),
    pytest.param({"title": "Ne\x07ws", "body": "Some news."}, "title", id="control character"),
    pytest.param({"title": "News", "body": "Some news.", "pinned": True}, "pinned",
                 id="unknown field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_UPDATES)
def test_a_bad_update_is_refused(delivery, platform, body, field):
    before = log_position(platform)

    response = delivery.post("/updates", body)

    assert_refused(response, 422, "invalid", field)
    assert log_position(platform) == before
    assert delivery.updates() == []


def test_a_blank_update_is_refused(delivery, platform):
    before = log_position(platform)

    response = delivery.post("/updates", {"title": "   ", "body": "Some news."})

    assert_refused(response, 422, "invalid_project", "title")
    assert log_position(platform) == before


BAD_MILESTONES = [
    pytest.param({"title": "Install"}, "due", id="no due date"),
    pytest.param({"due": "2027-03-01T09:00:00Z"}, "title", id="no title"),
    pytest.param({"title": "Install", "due": "2027-03-01T09:00:00"}, "due", id="no time zone"),
    pytest.param({"title": "Install", "due": "soon"}, "due", id="not a date"),
    pytest.param({"title": "Install", "due": "3027-03-01T09:00:00Z"}, "due", id="far future"),
    pytest.param({"title": "Install", "due": 1767225600}, "due", id="timestamp number"),
    pytest.param({"title": "x" * 141, "due": "2027-03-01T09:00:00Z"}, "title", id="long title"),
    pytest.param({"title": "Install", "due": "2027-03-01T09:00:00Z", "budget": "10.00"},
                 "budget", id="unknown field"),
]


@pytest.mark.parametrize(("body", "field"), BAD_MILESTONES)
def test_a_bad_milestone_is_refused(delivery, platform, body, field):
    before = log_position(platform)

    response = delivery.post("/milestones", body)

    assert_refused(response, 422, "invalid", field)
    assert log_position(platform) == before
    assert delivery.milestones() == []


@pytest.mark.parametrize("path", ["/delivery", "/complete", "/milestones/1/complete"])
def test_state_changes_take_no_fields(delivery, platform, path):
    delivery.fund()
    delivery.plan("Install", datetime(2027, 3, 1, tzinfo=UTC))
    before = log_position(platform)

    response = delivery.post(path, {"force": True})

    assert_refused(response, 422, "invalid", "force")
    assert log_position(platform) == before


def test_updates_and_milestones_of_an_unknown_project_are_not_found(client):
    for what in ("updates", "milestones"):
        response = client.get(f"/api/v1/projects/{uuid4()}/{what}")
        assert_refused(response, 404, "not_found")


def test_a_milestone_due_in_the_past_is_refused(delivery, platform):
    """The clock reads 26 Nov 2026, 12:00 UTC: a milestone due a week ago is a slip."""
    before = log_position(platform)

    response = delivery.plan("Install", datetime(2026, 11, 19, 12, 0, tzinfo=UTC))

    assert_refused(response, 422, "invalid_project", "due")
    assert "in the past" in response.json["error"]["message"]
    assert log_position(platform) == before
    assert delivery.plan("Install", datetime(2026, 11, 26, 18, 0, tzinfo=UTC)).status_code == 201
