"""A pilot's impact through API v1: its delivery owner defines indicators and reports values
with evidence; anyone lists them; bad values get a stable code and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import bearer
from tests.e2e.test_delivery_owner import Pilot
from tests.e2e.test_settlement_pages import recorded


@pytest.fixture
def pilot(world, platform, clock) -> Pilot:
    found = Pilot(world, platform, clock)
    found.assign()
    found.fund_and_deliver()
    clock.advance(days=60)
    return found


def day(pilot: Pilot, days_ago: int) -> str:
    return (pilot.clock.now() - timedelta(days=days_ago)).date().isoformat()


def test_define_report_and_list(pilot, client, world):
    owner = bearer(world.token(pilot.proposer))
    made = client.post(f"/api/v1/projects/{pilot.id}/indicators", headers=owner, json={
        "name": "kWh saved per month", "unit": "kWh", "target": "4000", "direction": "higher"})
    assert made.status_code == 201, made.json
    assert made.json["number"] == 1 and made.json["on_target"] is None

    for days_ago, value in ((40, "1500.5"), (10, "4200")):
        answer = client.post(f"/api/v1/projects/{pilot.id}/indicators/1/values",
                             headers=owner, json={"measured_on": day(pilot, days_ago),
                                                  "value": value, "unit": "kWh",
                                                  "evidence": "Meter readings",
                                                  "links": ["https://meters.example/1"]})
        assert answer.status_code == 201, answer.json

    listed = client.get(f"/api/v1/projects/{pilot.id}/indicators").json["indicators"]
    assert [(v["measured_on"], v["value"]) for v in listed[0]["values"]] == [
        (day(pilot, 40), "1500.5"), (day(pilot, 10), "4200")]
    assert listed[0]["on_target"] is True and listed[0]["target"] == "4000"
    assert listed[0]["values"][0]["links"] == ["https://meters.example/1"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"value": "12", "unit": "MWh"}, 422, "wrong_unit"),
    ({"value": "12 MWh"}, 422, "wrong_unit"),
    ({"value": "-12"}, 422, "invalid_measurement"),
    ({"value": "1e400"}, 422, "invalid_measurement"),
    ({"value": "12", "days_ago": -1}, 422, "invalid_measurement"),
    ({"value": "12", "days_ago": 120}, 422, "invalid_measurement"),
    ({"value": "12", "links": ["ftp://x"]}, 422, "invalid_measurement"),
])
def test_bad_values_get_a_stable_code_and_nothing_is_recorded(pilot, client, world, platform,
                                                               body, status, code):
    owner = bearer(world.token(pilot.proposer))
    client.post(f"/api/v1/projects/{pilot.id}/indicators", headers=owner, json={
        "name": "kWh saved per month", "unit": "kWh", "target": "4000", "direction": "higher"})
    before = recorded(platform)
    days_ago = body.pop("days_ago", 1)
    answer = client.post(f"/api/v1/projects/{pilot.id}/indicators/1/values", headers=owner,
                         json={"measured_on": day(pilot, days_ago), "evidence": "Meters",
                               **body})
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert recorded(platform) == before
    listed = client.get(f"/api/v1/projects/{pilot.id}/indicators").json["indicators"]
    assert listed[0]["values"] == []


def test_a_citizen_may_not_define_indicators(pilot, client, world, platform):
    citizen = bearer(world.token(pilot.citizen))
    before = recorded(platform)
    answer = client.post(f"/api/v1/projects/{pilot.id}/indicators", headers=citizen, json={
        "name": "x", "unit": "x", "target": "1", "direction": "higher"})
    assert answer.status_code == 403 and recorded(platform) == before
