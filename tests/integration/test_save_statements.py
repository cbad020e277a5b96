"""How a save reaches PostgreSQL (issue 10): as a statement each connection prepared once, not
planned anew for each pledge, on the connection the process used last, not on each of its pooled
connections in turn."""

from __future__ import annotations

import threading
import uuid
from contextlib import ExitStack
from datetime import timedelta

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent

from domain.kernel.context import Actor, acting_as
from domain.kernel.errors import ConcurrentChange
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World, make_platform
from tests.integration.test_connection_recovery import terminate_backends

INSERT = "civicfund_insert_civicfund_events_2_2"  # a pledge: two events, two checks


def a_pilot_and_a_citizen(platform, clock):
    world = World(platform, clock)
    city = world.city()
    return world, world.project(city, world.officer(city)), world.citizen()


def prepared_inserts(platform) -> dict[str, int]:
    """The recorder's prepared inserts on the connection its next save will use, and how often
    each was planned."""
    with platform.app.recorder.datastore.get_connection() as conn:
        rows = conn.execute(
            "SELECT name, generic_plans + custom_plans AS plans FROM pg_prepared_statements "
            "WHERE name LIKE 'civicfund_insert_%'").fetchall()
    return {row["name"]: row["plans"] for row in rows}


def pledges_saved_by_each_connection(platform) -> list[int]:
    """How many pledges each of the recorder's open connections saved, for those that saved."""
    datastore = platform.app.recorder.datastore
    with ExitStack() as held:
        connections = [held.enter_context(datastore.get_connection())
                       for _ in range(datastore.pool.get_stats()["pool_size"])]
        saved = [conn.execute(
            "SELECT generic_plans + custom_plans AS plans FROM pg_prepared_statements "
            "WHERE name = %s", (INSERT,)).fetchone() for conn in connections]
    return [row["plans"] for row in saved if row]


def test_pledges_are_saved_by_a_statement_prepared_once_per_connection(pg_platform, clock):
    world, project, citizen = a_pilot_and_a_citizen(pg_platform, clock)
    world.pledge(project, citizen, "5.00")
    before = prepared_inserts(pg_platform)

    for _ in range(7):
        world.pledge(project, citizen, "5.00")

    after = prepared_inserts(pg_platform)
    assert after[INSERT] == before[INSERT] + 7  # the same statement, executed once a pledge
    assert len(pg_platform.read.pledges_of_project(project)) == 8


def test_one_save_after_another_uses_the_same_connection(pg_platform, clock):
    world, project, citizen = a_pilot_and_a_citizen(pg_platform, clock)
    # Open more connections than one: a save while another connection is out takes a second.
    pool = pg_platform.app.recorder.datastore
    with pool.get_connection(), pool.get_connection():
        pass

    for _ in range(6):
        world.pledge(project, citizen, "5.00")

    # A queue would have handed each pledge the connection idle longest, one after another.
    assert pledges_saved_by_each_connection(pg_platform) == [6]


def test_saves_prepare_again_on_connections_opened_after_the_database_dropped_them(
        pg_platform, clock, postgres_url):
    world = World(pg_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city), closes_in=timedelta(days=20))
    citizen = world.citizen()
    world.pledge(project, citizen, "5.00")

    assert terminate_backends(postgres_url) >= 1
    world.pledge(project, citizen, "6.00")
    world.pledge(project, citizen, "7.00")

    assert prepared_inserts(pg_platform)[INSERT] == 2  # a new connection, prepared afresh
    assert sorted(p.amount.minor for p in pg_platform.read.pledges_of_project(project)) == [
        500, 600, 700]


def test_a_pledge_after_the_connections_statements_were_deallocated_is_recorded(pg_platform,
                                                                                clock):
    world, project, citizen = a_pilot_and_a_citizen(pg_platform, clock)
    world.pledge(project, citizen, "5.00")
    with pg_platform.app.recorder.datastore.get_connection() as conn:
        conn.execute("DEALLOCATE ALL")  # the connection the next save takes

    world.pledge(project, citizen, "6.00")

    assert prepared_inserts(pg_platform)[INSERT] == 1
    assert sorted(p.amount.minor for p in pg_platform.read.pledges_of_project(project)) == [
        500, 600]


def test_a_pledge_after_a_decision_that_changed_nothing_is_recorded(pg_platform, clock):
    world, project, citizen = a_pilot_and_a_citizen(pg_platform, clock)
    world.pledge(project, citizen, "5.00")
    recorder = pg_platform.app.recorder
    # A decision reads what it decides on (psycopg prepares that read on the connection), then
    # finds nothing to do: its transaction is rolled back, and psycopg deallocates every
    # statement prepared on the connection, ours too.
    recorder.select_events(project)
    with recorder.exclusive([project], after={project: 1}):
        pass

    world.pledge(project, citizen, "6.00")

    assert sorted(p.amount.minor for p in pg_platform.read.pledges_of_project(project)) == [
        500, 600]


def test_a_matched_pledge_after_the_connections_statements_were_deallocated_is_recorded(
        pg_platform, clock):
    world = World(pg_platform, clock)
    city = world.city()
    officer = world.officer(city)
    project = world.project(city, officer)
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        pg_platform.app.create_matching_fund(
            city_id=city, name="Porto match", sponsor="Porto Foundation", currency="EUR",
            pool=Money.parse("100.00", "EUR"), opens_at=clock.now() - timedelta(hours=1),
            closes_at=clock.now() + timedelta(days=60), themes=[], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1"}, "EUR"),
        )
    citizen = world.citizen()
    world.pledge(project, citizen, "5.00")  # the pledge and its match, saved in the fund's turn
    with pg_platform.app.recorder.datastore.get_connection() as conn:
        conn.execute("DEALLOCATE ALL")

    world.pledge(project, citizen, "6.00")

    pledges = pg_platform.read.pledges_of_project(project)
    assert sorted(p.amount.minor for p in pledges) == [500, 600]
    assert pg_platform.read.project(project).matched == Money.parse("11.00", "EUR")


def test_a_decision_whose_statement_was_deallocated_is_refused_whole_and_decided_again(
        pg_platform):
    recorder = pg_platform.app.recorder
    fund = uuid.uuid4()
    recorder.insert_events([StoredEvent(fund, 1, "test:Made", b"{}")])  # prepared, seen so
    with recorder.datastore.get_connection() as conn:
        conn.execute("DEALLOCATE ALL")

    with pytest.raises(ConcurrentChange), recorder.exclusive([fund], after={fund: 1}):
        recorder.insert_events([StoredEvent(fund, 2, "test:Changed", b"{}")])
    assert [e.originator_version for e in recorder.select_events(fund)] == [1]

    with recorder.exclusive([fund], after={fund: 1}):  # deciding again
        recorder.insert_events([StoredEvent(fund, 2, "test:Changed", b"{}")])
    assert [e.originator_version for e in recorder.select_events(fund)] == [1, 2]


def test_first_saves_on_new_connections_at_once_all_go_in(pg_platform, clock):
    """Each connection's first save prepares its insert in the same transaction. Preparing an
    insert locks the table weakly, so preparing before taking the table's lock let two such
    saves each wait for the other: PostgreSQL broke the deadlock after a second by refusing one
    save (which the recorder tried again, or a decision reported)."""
    threads, rounds = 8, 4
    errors: list[BaseException] = []
    deadlocks_before = deadlocks(pg_platform)
    for _ in range(rounds):
        fresh = make_platform(pg_platform.settings.database_url, clock)  # new connections
        start = threading.Barrier(threads)

        def save(recorder=fresh.app.recorder, start=start) -> None:
            dependency = uuid.uuid4()
            try:
                recorder.insert_events([StoredEvent(dependency, 1, "test:Made", b"{}")])
                start.wait(timeout=30)
                recorder.insert_events(
                    [StoredEvent(uuid.uuid4(), 1, "test:Made", b"{}"),
                     StoredEvent(uuid.uuid4(), 1, "test:Made", b"{}")],
                    unchanged_since={dependency: 1})
            except BaseException as error:  # reported below
                errors.append(error)

        workers = [threading.Thread(target=save) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        fresh.close()

    assert errors == []
    assert deadlocks(pg_platform) == deadlocks_before  # closed connections report theirs
    with pg_platform.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT count(*) FROM civicfund_events WHERE topic = 'test:Made'")).scalar() == (
            rounds * threads * 3)


def deadlocks(platform) -> int:
    with platform.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        return conn.execute(sa.text(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")).scalar()
