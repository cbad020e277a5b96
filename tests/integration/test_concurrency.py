"""Concurrent commands lose nothing and count nothing twice; conflicting writes are refused."""

from __future__ import annotations

import random
import threading
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World

THREADS = 8
PLEDGES_EACH = 25



def count_events(platform) -> int:
    return len(platform.app.recorder.select_notifications(1, 1_000_000))


def test_concurrent_pledges_on_one_project_lose_nothing_and_count_nothing_twice(
    any_platform, clock
):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    project_id = world.project(city_id, world.officer(city_id))
    citizens = [world.citizen() for _ in range(THREADS)]
    events_before = count_events(any_platform)
    made: list[tuple[UUID, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def pledge_many(citizen_id: UUID, seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            with acting_as(Actor(str(citizen_id), "citizen"), f"thread-{seed}"):
                for _ in range(PLEDGES_EACH):
                    amount = Money(rng.randint(1, 100_000), "EUR")
                    pledge_id = any_platform.app.make_pledge(
                        project_id=project_id, citizen_id=citizen_id, amount=amount,
                        payment_method="pm_card_visa",
                    )
                    made.append((pledge_id, amount.minor))
                    if rng.random() < 0.2:
                        any_platform.projections.catch_up()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=pledge_many, args=(citizen, seed))
               for seed, citizen in enumerate(citizens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    any_platform.projections.catch_up()

    assert errors == []
    assert len(made) == len({pledge_id for pledge_id, _ in made}) == THREADS * PLEDGES_EACH
    assert count_events(any_platform) == events_before + 2 * THREADS * PLEDGES_EACH
    view = any_platform.read.project(project_id)
    assert view.raised == Money(sum(minor for _, minor in made), "EUR")
    assert view.pledge_count == THREADS * PLEDGES_EACH
    assert view.backers == THREADS
    for citizen in citizens:
        assert len(any_platform.read.pledges_of(citizen)) == PLEDGES_EACH
    # Every event each thread recorded carries that thread's actor and correlation id.
    stamps = {
        (e.actor_id, e.correlation_id)
        for e in map(any_platform.app.mapper.to_domain_event,
                     any_platform.app.recorder.select_notifications(events_before + 1, 10_000))
    }
    assert stamps == {(str(citizen), f"thread-{seed}") for seed, citizen in enumerate(citizens)}


def test_saving_a_stale_copy_of_an_aggregate_is_refused_and_changes_nothing(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    project_id = world.project(city_id, officer, open_campaign=False)
    app = any_platform.app

    with acting_as(Actor(str(officer), "city"), "first"):
        first, second = app.get_project(project_id), app.get_project(project_id)
        first.open_campaign(clock.now())
        second.open_campaign(clock.now())
        app.save(first)
        log_before = [(n.id, n.originator_id, n.originator_version)
                      for n in app.recorder.select_notifications(1, 10_000)]
        with pytest.raises(IntegrityError):
            app.save(second)

    assert [(n.id, n.originator_id, n.originator_version)
            for n in app.recorder.select_notifications(1, 10_000)] == log_before
    assert app.get_project(project_id).version == 2
    any_platform.projections.catch_up()
    assert any_platform.read.project(project_id).status == "open"


def test_two_citizens_cancelling_and_pledging_at_once_keep_the_totals_right(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    project_id = world.project(city_id, world.officer(city_id))
    citizens = [world.citizen() for _ in range(4)]
    pledges = {citizen: [world.pledge(project_id, citizen, "10.00") for _ in range(5)]
               for citizen in citizens}
    errors: list[BaseException] = []

    def churn(citizen_id: UUID) -> None:
        try:
            with acting_as(Actor(str(citizen_id), "citizen")):
                for pledge_id in pledges[citizen_id][:3]:
                    any_platform.app.cancel_pledge(pledge_id, citizen_id=citizen_id)
                    any_platform.app.make_pledge(
                        project_id=project_id, citizen_id=citizen_id,
                        amount=Money(100, "EUR"), payment_method="pm_card_visa")
                    any_platform.projections.catch_up()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=churn, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    any_platform.projections.catch_up()

    assert errors == []
    view = any_platform.read.project(project_id)
    # Each citizen: 2 pledges of 10.00 left and 3 new of 1.00.
    assert view.raised == Money(len(citizens) * (2 * 1000 + 3 * 100), "EUR")
    assert view.pledge_count == len(citizens) * 5
    assert view.backers == len(citizens)
