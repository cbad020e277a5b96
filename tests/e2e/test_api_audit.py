"""The audit API: the event log browsed, an aggregate and the platform's figures as of a position
or a moment (replayed from the log), and clear refusals for bad positions and moments."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.event_log_queries import EventLog
from domain.kernel.context import Actor, acting_as
from tests.conftest import World, bearer, make_platform
from web.demo import load_demo

VERIFY_EXPORT = Path(__file__).resolve().parents[2] / "tools" / "verify_export.py"


def newest(platform) -> int:
    return platform.app.recorder.max_notification_id()


@pytest.fixture
def pilot(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project = world.project(porto, officer, closes_in=timedelta(days=20),
                            lines=(("Sensors", "1000.00", True),))
    return porto, officer, project


@pytest.fixture
def auditor(world):
    return bearer(world.token(world.account("auditor")))


def test_a_projects_figures_as_of_a_position_leave_out_what_came_after(
        client, world, pilot, auditor, platform):
    _, _, project = pilot
    world.pledge(project, world.citizen(), "40.00")
    then = newest(platform)
    world.pledge(project, world.citizen(), "25.00")

    earlier = client.get(f"/api/v1/audit/as-of?position={then}", headers=auditor)
    now = client.get("/api/v1/audit/as-of", query_string={"position": newest(platform)},
                     headers=auditor)

    assert earlier.status_code == 200 and now.status_code == 200
    [was] = [p for p in earlier.get_json()["projects"] if p["project_id"] == str(project)]
    [nowadays] = [p for p in now.get_json()["projects"] if p["project_id"] == str(project)]
    assert (was["raised"], was["total"], was["currency"]) == ("40.00", "40.00", "EUR")
    assert nowadays["raised"] == "65.00"
    assert nowadays["raised"] == platform.read.project(project).raised.to_decimal_string()
    assert earlier.get_json()["position"] == then


def test_as_of_a_moment_is_as_of_the_last_position_recorded_by_then(
        client, world, pilot, auditor, platform):
    _, _, project = pilot
    world.pledge(project, world.citizen(), "40.00")
    then = newest(platform)
    moment = EventLog(platform.app, platform.engine).event_at(then).recorded_at
    world.pledge(project, world.citizen(), "25.00")

    answer = client.get("/api/v1/audit/as-of", query_string={"at": moment.isoformat()},
                        headers=auditor)

    assert answer.status_code == 200
    assert answer.get_json()["position"] == then
    [figures] = [p for p in answer.get_json()["projects"] if p["project_id"] == str(project)]
    assert figures["raised"] == "40.00"
    before_anything = client.get("/api/v1/audit/as-of", headers=auditor,
                                 query_string={"at": "2001-01-01T00:00:00Z"}).get_json()
    assert (before_anything["position"], before_anything["projects"]) == (0, [])


def test_the_platforms_figures_now_equal_every_figure_the_read_models_show(client, platform):
    load_demo(platform)
    token = bearer(World(platform, platform.clock).token(
        World(platform, platform.clock).account("auditor")))

    answer = client.get(f"/api/v1/audit/as-of?position={newest(platform)}", headers=token)

    assert answer.status_code == 200
    figures = answer.get_json()
    assert len(figures["projects"]) == len(platform.read.projects(include_drafts=True,
                                                                   limit=1000))
    for shown in figures["projects"]:
        project = platform.read.project(uuid.UUID(shown["project_id"]))
        for name in ("raised", "matched", "committed", "invested", "total"):
            assert shown[name] == getattr(project, name).to_decimal_string(), (project.title,
                                                                                name)
    for shown in figures["funds"]:
        fund = platform.read.matching_fund(uuid.UUID(shown["fund_id"]))
        assert shown["available"] == fund.available.to_decimal_string()
    for shown in figures["offers"]:
        offer = platform.read.offer(uuid.UUID(shown["offer_id"]))
        assert shown["subscribed"] == offer.held.to_decimal_string()
        assert shown["reached_minimum"] == offer.reached_minimum


def test_an_aggregate_as_of_a_position_is_its_events_up_to_there_replayed(
        client, world, auditor, platform):
    porto = world.city("Porto")
    officer = world.officer(porto)
    project = world.project(porto, officer, open_campaign=False)
    drafted = newest(platform)
    with acting_as(Actor(str(officer), "city")):
        platform.app.open_campaign(project)

    then = client.get(f"/api/v1/audit/aggregates/{project}?position={drafted}", headers=auditor)
    now = client.get(f"/api/v1/audit/aggregates/{project}?position={newest(platform)}",
                     headers=auditor)

    assert then.status_code == 200 and now.status_code == 200
    assert (then.get_json()["kind"], then.get_json()["state"]["status"]) == ("Project", "draft")
    assert now.get_json()["state"]["status"] == "open"
    events = now.get_json()["events"]
    assert [e["aggregate_version"] for e in events] == [1, 2]
    assert events[1]["actor_id"] == str(officer) and events[1]["actor_role"] == "city"
    assert events[1]["position"] == newest(platform)
    assert now.get_json()["version"] == 2 and then.get_json()["version"] == 1


@pytest.mark.parametrize(("query", "status", "code"), [
    ("position=999999", 404, "unknown_position"),
    ("position=-1", 422, "invalid"),
    ("position=abc", 422, "invalid"),
    ("at=yesterday", 422, "invalid"),
    ("at=2026-11-30T12:00:00", 422, "invalid"),  # no time zone
    ("", 422, "invalid"),
    ("position=1&at=2026-11-30T12:00:00Z", 422, "invalid"),
    ("position=1&colour=red", 422, "invalid"),
    (f"position={2**70}", 422, "invalid"),
    ("at=0001-01-01T00:00:00Z", 422, "invalid"),
    ("at=9999-12-31T23:59:59%2B14:00", 422, "invalid"),
    ("at=2026-13-40T00:00:00Z", 422, "invalid"),
    ("at=2026-11-30T12:00:00%2B99:00", 422, "invalid"),
])
def test_bad_positions_and_moments_are_refused_clearly(client, pilot, auditor, query, status,
                                                       code):
    for path in ("/api/v1/audit/as-of", f"/api/v1/audit/aggregates/{pilot[2]}"):
        answer = client.get(f"{path}?{query}", headers=auditor)
        assert answer.status_code == status, (path, answer.get_json())
        assert answer.get_json()["error"]["code"] == code


def test_an_aggregate_unknown_then_is_a_404(client, pilot, auditor):
    answer = client.get(f"/api/v1/audit/aggregates/{uuid.uuid4()}?position=1", headers=auditor)
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "unknown_aggregate"
    later = client.get(f"/api/v1/audit/aggregates/{pilot[2]}?position=1", headers=auditor)
    assert later.status_code == 404  # the pilot's first event came after position 1


def test_only_auditors_and_administrators_time_travel(client, world, pilot):
    for role in ("citizen", "city", "investor", "proposer"):
        token = bearer(world.token(world.account(role, city_id=pilot[0] if role == "city"
                                                 else None)))
        answer = client.get("/api/v1/audit/as-of?position=1", headers=token)
        assert answer.status_code == 403, role
    assert client.get("/api/v1/audit/as-of?position=1").status_code == 401
    admin = bearer(world.token(world.account("admin")))
    assert client.get("/api/v1/audit/as-of?position=1", headers=admin).status_code == 200


def test_the_event_browser_filters_and_pages(client, world, pilot, auditor, platform):
    _, _, project = pilot
    pledges = [world.pledge(project, world.citizen(), f"{10 + n}.00") for n in range(3)]

    made = client.get("/api/v1/audit/events?topic=Pledge.Made&limit=2", headers=auditor)
    assert made.status_code == 200
    page = made.get_json()
    assert [e["aggregate_id"] for e in page["events"]] == [str(p) for p in pledges[:2]]
    assert page["events"][0]["payload"]["amount"] == {"amount": "10.00", "currency": "EUR"}
    rest = client.get(f"/api/v1/audit/events?topic=Pledge.Made&after={page['next_after']}",
                      headers=auditor).get_json()
    assert [e["aggregate_id"] for e in rest["events"]] == [str(pledges[2])]
    assert rest["next_after"] is None

    first = page["events"][0]
    by_correlation = client.get("/api/v1/audit/events", headers=auditor, query_string={
        "correlation_id": first["correlation_id"]}).get_json()["events"]
    assert first["position"] in [e["position"] for e in by_correlation]
    assert {e["correlation_id"] for e in by_correlation} == {first["correlation_id"]}
    by_actor = client.get("/api/v1/audit/events", headers=auditor, query_string={
        "actor_id": first["actor_id"]}).get_json()["events"]
    assert by_actor and {e["actor_id"] for e in by_actor} == {first["actor_id"]}
    window = client.get("/api/v1/audit/events", headers=auditor, query_string={
        "after": first["position"] - 1, "until": first["position"]}).get_json()["events"]
    assert [e["position"] for e in window] == [first["position"]]
    assert client.get("/api/v1/audit/events?limit=0", headers=auditor).status_code == 422


def test_time_travel_on_postgresql(postgres_url, clock):
    from web.app import create_app

    platform = make_platform(postgres_url, clock)
    try:
        world = World(platform, clock)
        porto = world.city("Porto")
        project = world.project(porto, world.officer(porto))
        world.pledge(project, world.citizen(), "30.00")
        then = newest(platform)
        world.pledge(project, world.citizen(), "20.00")
        client = create_app({"TESTING": True, "SECRET_KEY": "t"}, platform=platform).test_client()
        auditor = bearer(world.token(world.account("auditor")))

        figures = client.get(f"/api/v1/audit/as-of?position={then}", headers=auditor).get_json()
        history = client.get(f"/api/v1/audit/aggregates/{project}?position={then}",
                             headers=auditor).get_json()
        made = client.get(f"/api/v1/audit/events?aggregate_id={project}",
                          headers=auditor).get_json()

        [shown] = [p for p in figures["projects"] if p["project_id"] == str(project)]
        assert shown["raised"] == "30.00"
        assert history["state"]["status"] == "open"
        assert [e["aggregate_version"] for e in made["events"]] == [1, 2]
    finally:
        platform.close()


def test_the_streamed_export_verifies_offline_and_ends_with_its_manifest(
        client, world, pilot, auditor, platform, tmp_path):
    _, _, project = pilot
    world.pledge(project, world.citizen(), "40.00")
    world.pledge(project, world.citizen(), "2.50")

    response = client.get("/api/v1/audit/export", headers=auditor)

    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.is_streamed
    lines = response.get_data().splitlines()
    manifest = json.loads(lines[-1])["manifest"]
    assert len(lines) - 1 == manifest["entries"] == newest(platform)
    assert manifest["figures"]["projects"][str(project)]["raised"] == "42.50"
    assert [json.loads(line)["position"] for line in lines[:-1]] == list(
        range(1, newest(platform) + 1))
    stream = tmp_path / "log.jsonl"
    stream.write_bytes(response.get_data())
    checked = subprocess.run([sys.executable, str(VERIFY_EXPORT), str(stream)],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.startswith(f"OK: {manifest['entries']} entries")

    stream.write_bytes(b"\n".join(lines[:-1]) + b"\n")
    cut = subprocess.run([sys.executable, str(VERIFY_EXPORT), str(stream)],
                         capture_output=True, text=True, check=False)
    assert cut.returncode == 1 and "the stream ends without its manifest" in cut.stdout


def test_only_auditors_and_administrators_export_the_log(client, world):
    citizen = bearer(world.token(world.citizen()))
    assert client.get("/api/v1/audit/export").status_code == 401
    refused = client.get("/api/v1/audit/export", headers=citizen)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
