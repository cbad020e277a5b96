"""One totally ordered event log for every aggregate, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from domain.cities.city import City
from domain.kernel.context import Actor, acting_as
from tests.conftest import World


def read_back(platform) -> list:
    notifications = platform.app.recorder.select_notifications(1, 100_000)
    return [(n.id, platform.app.mapper.to_domain_event(n)) for n in notifications]


def test_every_aggregates_events_form_one_log_with_strictly_increasing_ids(any_platform, clock):
    world = World(any_platform, clock)
    porto, dublin = world.city("Porto"), world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    officer = world.officer(porto)
    citizens = [world.citizen() for _ in range(3)]
    first = world.project(porto, officer, title="Bike lanes")
    second = world.project(porto, officer, title="Solar benches", closes_in=timedelta(days=4))
    pledges = [world.pledge(project, citizen, "10.00")
               for project in (first, second) for citizen in citizens]
    with acting_as(Actor(str(citizens[0]), "citizen"), "cancel-1"):
        any_platform.app.cancel_pledge(pledges[0], citizen_id=citizens[0])

    log = read_back(any_platform)
    ids = [notification_id for notification_id, _ in log]
    assert all(earlier < later for earlier, later in pairwise(ids))
    originators = {event.originator_id for _, event in log}
    assert {porto, dublin, officer, *citizens, first, second, *pledges} <= originators
    # 2 cities + 4 accounts + 2 projects x (drafted, opened) + 6 pledges x (made, authorised)
    # + 1 cancellation.
    assert len(log) == 2 + 4 + 4 + 12 + 1
    # Within the one log, each aggregate's versions appear in order, without gaps.
    seen: dict = {}
    for _, event in log:
        assert event.originator_version == seen.get(event.originator_id, 0) + 1
        seen[event.originator_id] = event.originator_version
    # Reading from the middle continues exactly where an earlier read stopped.
    tail = any_platform.app.recorder.select_notifications(ids[9] + 1, 100_000)
    assert [n.id for n in tail] == ids[10:]


def test_events_read_back_from_the_database_carry_actor_role_and_correlation_id(
    any_platform, clock
):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    citizen = world.citizen()
    project_id = world.project(city_id, officer)
    pledge_id = world.pledge(project_id, citizen, "12.50")
    with acting_as(Actor(str(citizen), "citizen"), "req-cancel-7"):
        any_platform.app.cancel_pledge(pledge_id, citizen_id=citizen)

    for _, event in read_back(any_platform):
        assert event.actor_id and event.actor_role and event.correlation_id
    stamps = {(type(e).__qualname__, e.actor_id, e.actor_role, e.correlation_id)
              for _, e in read_back(any_platform) if e.originator_id in (project_id, pledge_id)}
    assert ("Project.Drafted", str(officer), "city", "test-seed") in stamps
    assert ("Pledge.Made", str(citizen), "citizen", "test-seed") in stamps
    assert ("Pledge.Cancelled", str(citizen), "citizen", "req-cancel-7") in stamps


def test_cities_money_and_budget_lines_replay_from_storage_as_recorded(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    city = any_platform.app.get_city(city_id)
    assert isinstance(city, City)
    assert (city.name, city.currency, city.country, city.timezone) == (
        "Miskolc", "HUF", "HU", "Europe/Budapest")
    officer = world.officer(city_id)
    project_id = world.project(city_id, officer, lines=(("Sensors", "1250000.50", True),
                                                        ("Signage", "99.99", False)))
    project = any_platform.app.get_project(project_id)
    assert project.minimum.to_decimal_string() == "1250000.50"
    assert project.optimum.to_decimal_string() == "1250100.49"
    assert [line.required for line in project.budget_lines] == [True, False]
