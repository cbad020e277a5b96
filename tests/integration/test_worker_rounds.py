"""The worker's rounds: what other processes recorded reaches the read models and the
transparency log's tree, and a round that finds nothing new leaves the tables alone."""

from __future__ import annotations

import threading

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World, make_platform
from tests.e2e.test_discovery_pages import counting
from web.cli import work_rounds


def one_round(platform) -> None:
    work_rounds(platform, threading.Event(), 0, echo=lambda _line: None, rounds=1)


def test_a_round_follows_what_the_web_recorded_and_a_quiet_catch_up_reads_no_table(
    any_platform, clock
):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    worker = make_platform(any_platform.settings.database_url, clock)
    try:
        one_round(worker)
        # A pledge recorded by the web process, which left the read models to the worker.
        with acting_as(Actor(str(citizen), "citizen"), "test"):
            pledge_id = any_platform.app.make_pledge(
                project_id=project, citizen_id=citizen, amount=Money(2500, "EUR"),
                payment_method="pm_card_visa")
        assert worker.read.pledge(pledge_id) is None

        one_round(worker)

        assert worker.read.pledge(pledge_id).amount == Money(2500, "EUR")
        assert worker.read.project(project).raised == Money(2500, "EUR")
        head = worker.app.recorder.max_notification_id()
        assert worker.transparency.size() == len(worker.transparency.positions(range(head + 1)))
        assert worker.transparency.positions([head]) != {}

        # Nothing new since: catching up and sealing ask the log's head and stop there.
        with counting(worker.engine) as ran:
            assert worker.projections.catch_up() == 0
            assert worker.transparency.seal() == 0
        assert ran == []
    finally:
        worker.close()


def test_a_follower_that_looks_first_still_applies_events_recorded_since(any_platform, clock):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    worker = make_platform(any_platform.settings.database_url, clock)
    try:
        worker.projections.looks_first = True
        worker.projections.catch_up()
        for n in range(3):
            citizen = world.citizen(f"later{n}@example.org")
            with acting_as(Actor(str(citizen), "citizen"), "test"):
                any_platform.app.make_pledge(
                    project_id=project, citizen_id=citizen, amount=Money(1000, "EUR"),
                    payment_method="pm_card_visa")

        assert worker.projections.catch_up() > 0

        shown = worker.read.project(project)
        assert (shown.raised, shown.backers, shown.pledge_count) == (Money(3000, "EUR"), 3, 3)
    finally:
        worker.close()
