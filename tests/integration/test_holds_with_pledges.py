"""On PostgreSQL the sandbox's record of a pledge's hold is written in the transaction that
records the pledge (issue 10: one commit a pledge, not two), and holds still end as before: kept
for a recorded pledge, released for a refused one, never left for a pledge not recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, StoredEvent

from adapters import tables as t
from adapters.bootstrap import build_platform
from adapters.event_store import AlongWrite
from domain.kernel.context import Actor, acting_as
from domain.kernel.errors import CampaignNotOpen, ConcurrentChange
from domain.kernel.money import Money
from tests.conftest import World
from tests.integration.test_pledge_consistency import Withdrawn, change_project


def intents(platform) -> dict[str, tuple[str, int]]:
    with platform.engine.connect() as conn:
        return {row.reference: (row.status, row.amount)
                for row in conn.execute(sa.select(t.sandbox_intents))}


def make_pledge(platform, project, citizen, amount="25.00"):
    with acting_as(Actor(str(citizen), "citizen"), "test"):
        return platform.app.make_pledge(project_id=project, citizen_id=citizen,
                                        amount=Money.parse(amount, "EUR"),
                                        payment_method="pm_card_visa")


def test_a_pledge_and_its_hold_are_written_by_one_transaction(pg_platform, clock):
    world = World(pg_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city), closes_in=timedelta(days=3))  # a hold
    citizen = world.citizen()

    pledge_id = make_pledge(pg_platform, project, citizen)

    reference = pg_platform.app.get_pledge(pledge_id).payment_reference
    assert intents(pg_platform) == {reference: ("requires_capture", 2500)}
    with pg_platform.engine.connect() as conn:
        # xmin: the transaction that wrote a row.
        pledge_written_by = set(conn.execute(sa.text(
            "SELECT xmin::text FROM civicfund_events WHERE originator_id = :id"),
            {"id": pledge_id}).scalars())
        hold_written_by = conn.execute(sa.text(
            "SELECT xmin::text FROM sandbox_intents WHERE reference = :reference"),
            {"reference": reference}).scalar()
    assert pledge_written_by == {hold_written_by}


def test_a_refused_pledge_still_releases_the_hold_its_save_wrote(pg_platform, clock):
    other = build_platform(pg_platform.settings, clock=clock)  # a second process
    try:
        world = World(pg_platform, clock)
        city = world.city()
        project = world.project(city, world.officer(city), closes_in=timedelta(days=3))  # a hold
        citizen = world.citizen()
        kept = make_pledge(pg_platform, project, citizen)  # the project is kept as read now
        change_project(other, project, Withdrawn)

        with pytest.raises(CampaignNotOpen):
            make_pledge(pg_platform, project, citizen, "15.00")

        statuses = intents(pg_platform)
        assert statuses[pg_platform.app.get_pledge(kept).payment_reference] == (
            "requires_capture", 2500)
        assert sorted(statuses.values()) == [("canceled", 1500), ("requires_capture", 2500)]
    finally:
        other.close()


def along(reference: str) -> AlongWrite:
    return AlongWrite(
        "INSERT INTO sandbox_intents (reference, kind, pledge_id, amount, currency, "
        "payment_method, status, refunded, created_at) "
        "VALUES (%s, 'hold', %s, 100, 'EUR', 'pm_card_visa', 'requires_capture', 0, %s)",
        (reference, str(uuid.uuid4()), datetime.now(UTC)),
    )


def test_a_write_along_commits_with_the_events_and_with_a_refused_check(pg_platform):
    recorder = pg_platform.app.recorder
    dependency = uuid.uuid4()
    recorder.insert_events([StoredEvent(dependency, 1, "test:Made", b"{}")],
                           along=[along("pi_with_events")])

    with pytest.raises(ConcurrentChange):
        recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "test:Made", b"{}")],
                               unchanged_since={dependency: 2}, along=[along("pi_refused")])

    assert set(intents(pg_platform)) == {"pi_with_events", "pi_refused"}


def test_a_write_along_is_undone_with_a_failed_transaction(pg_platform):
    recorder = pg_platform.app.recorder
    taken = uuid.uuid4()
    recorder.insert_events([StoredEvent(taken, 1, "test:Made", b"{}")])

    with pytest.raises(IntegrityError):
        recorder.insert_events([StoredEvent(taken, 1, "test:Made", b"{}")],
                               along=[along("pi_lost")])

    assert intents(pg_platform) == {}


def test_sqlite_refuses_writes_along_rather_than_dropping_them(platform):
    with pytest.raises(Exception, match="PostgreSQL only"):
        platform.app.recorder.insert_events([StoredEvent(uuid.uuid4(), 1, "test:Made", b"{}")],
                                            along=[along("pi_sqlite")])
