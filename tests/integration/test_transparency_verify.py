"""`civicfund audit verify` and GET /api/v1/audit/verify catch whoever rewrites the log in the
database directly (issue 13). On PostgreSQL the application cannot: triggers refuse it."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.transparency_keys import LogKey
from domain.transparency.notes import Checkpoint
from tests.conftest import TEST_LOG_KEY, TEST_PASSWORD_METHOD, World, bearer, make_platform


def seed(world: World) -> list[int]:
    """A small log, sealed and signed; returns the pledges' Pledge.Made positions."""
    city = world.city()
    project = world.project(city, world.officer(city))
    for amount in ("10.00", "20.00", "30.00"):
        world.pledge(project, world.citizen(), amount)
    world.platform.transparency.seal()
    world.platform.checkpoints.sign()
    with world.platform.engine.connect() as conn:
        return positions_of(conn, "Pledge.Made")


def positions_of(conn, topic: str) -> list[int]:
    table, position = (("stored_events", "rowid") if conn.dialect.name == "sqlite"
                       else ("civicfund_events", "notification_id"))
    return [row[0] for row in conn.execute(sa.text(
        f"SELECT {position} FROM {table} WHERE topic LIKE :t ORDER BY {position}"  # noqa: S608
    ), {"t": f"%{topic}"})]


def problems(platform) -> list[tuple[str, int | None]]:
    return [(p.kind, p.position) for p in platform.verify_log().problems]


def test_an_untouched_log_verifies(platform, clock):
    seed(World(platform, clock))
    World(platform, clock).citizen()  # recorded after the last seal: not a problem
    report = platform.verify_log()
    assert report.ok, report.problems
    assert report.events == report.sealed + 1 and report.unsealed == 1
    assert report.checkpoints == 1


def test_a_modified_event_is_reported_at_its_position(platform, clock):
    made = seed(World(platform, clock))
    with platform.engine.begin() as conn:
        conn.execute(sa.text("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
                             ":was, :now) AS BLOB) WHERE rowid = :p"),
                     {"was": '"minor":2000', "now": '"minor":200', "p": made[1]})
    found = problems(platform)
    assert ("modified", made[1]) in found
    assert any(kind == "checkpoint" for kind, _ in found)


def test_a_deleted_event_is_reported_at_its_position(platform, clock):
    made = seed(World(platform, clock))
    with platform.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM stored_events WHERE rowid = :p"), {"p": made[0]})
    assert ("deleted", made[0]) in problems(platform)


def test_two_events_swapped_are_reported_as_reordered(platform, clock):
    first, second = seed(World(platform, clock))[:2]
    with platform.engine.begin() as conn:
        for old, new in ((first, -1), (second, first), (-1, second)):
            conn.execute(sa.text("UPDATE stored_events SET rowid = :new WHERE rowid = :old"),
                         {"new": new, "old": old})
    found = problems(platform)
    assert ("reordered", first) in found and ("reordered", second) in found


def test_on_a_large_log_verify_hashes_in_several_processes_and_finds_the_same(
        platform, clock, monkeypatch):
    from adapters import transparency_verify

    made = seed(World(platform, clock))
    first, second, third = made
    with platform.engine.begin() as conn:
        conn.execute(sa.text("UPDATE stored_events SET state = CAST(replace(CAST(state AS TEXT), "
                             ":was, :now) AS BLOB) WHERE rowid = :p"),
                     {"was": '"minor":3000', "now": '"minor":300', "p": third})
        conn.execute(sa.text("DELETE FROM stored_events WHERE rowid = :p"), {"p": first})
    alone = platform.verify_log()
    # As if the log were large: pages of 5 events, hashed by a pool of processes.
    monkeypatch.setattr(transparency_verify, "PARALLEL_FROM", 0)
    monkeypatch.setattr(transparency_verify, "PAGE", 5)

    pooled = platform.verify_log()

    assert pooled.events == alone.events > 10
    assert [p.as_dict() for p in pooled.problems] == [p.as_dict() for p in alone.problems]
    assert {("modified", third), ("deleted", first)} <= {(p.kind, p.position)
                                                         for p in pooled.problems}
    assert second not in {p.position for p in pooled.problems}


def test_a_tampered_tree_node_and_a_foreign_checkpoint_are_reported(platform, clock):
    seed(World(platform, clock))
    note = LogKey("civicfund.test/log", bytes(32)).sign(Checkpoint("civicfund.test/log", 1,
                                                                   bytes(32)))
    with platform.engine.begin() as conn:
        conn.execute(sa.text("UPDATE tlog_nodes SET node_hash = :h WHERE level = 1 "
                             "AND node_index = 0"), {"h": bytes(32)})
        conn.execute(sa.text("INSERT INTO tlog_checkpoints VALUES (1, :r, :n, '2026-11-26')"),
                     {"r": bytes(32), "n": note})
    report = platform.verify_log()
    messages = [p.message for p in report.problems]
    assert any("node 0 at level 1" in m for m in messages)
    assert any("of 1 entries: the note carries no signature by civicfund.test/log" in m
               for m in messages)


def run_verify(url: str, monkeypatch, tmp_path):
    from web.cli import cli

    monkeypatch.setenv("CIVICFUND_DATABASE_URL", url)
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("CIVICFUND_PASSWORD_HASH", TEST_PASSWORD_METHOD)
    monkeypatch.setenv("CIVICFUND_LOG_SIGNING_KEY", TEST_LOG_KEY)
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, ["audit", "verify"], catch_exceptions=False)


def test_audit_verify_exits_1_naming_the_position(sqlite_url, clock, monkeypatch, tmp_path):
    platform = make_platform(sqlite_url, clock)
    made = seed(World(platform, clock))
    assert run_verify(sqlite_url, monkeypatch, tmp_path).exit_code == 0
    with platform.engine.begin() as conn:
        conn.execute(sa.text("UPDATE stored_events SET topic = 'x' WHERE rowid = :p"),
                     {"p": made[2]})

    result = run_verify(sqlite_url, monkeypatch, tmp_path)

    assert result.exit_code == 1
    assert f"MODIFIED: position {made[2]}:" in result.output
    assert "does NOT verify" in result.output
    platform.close()


def test_the_verify_api_is_for_auditors(world, client, platform):
    auditor = world.token(world.account("auditor"))
    seed(world)
    answer = client.get("/api/v1/audit/verify", headers=bearer(auditor))
    assert answer.status_code == 200
    assert answer.json["ok"] is True and answer.json["problems"] == []
    assert answer.json["sealed"] == answer.json["events"]
    citizen = world.token(world.citizen())
    assert client.get("/api/v1/audit/verify", headers=bearer(citizen)).status_code == 403
    assert client.get("/api/v1/audit/verify").status_code == 401


def test_on_postgresql_the_log_refuses_rewrites_and_verify_catches_a_gap_filled_later(
    postgres_url, clock
):
    platform = make_platform(postgres_url, clock)
    try:
        world = World(platform, clock)
        city = world.city()
        with platform.engine.begin() as conn:
            # A position left unused (as a rolled-back save leaves one).
            gap = conn.execute(sa.text(
                "SELECT nextval(pg_get_serial_sequence('civicfund_events', 'notification_id'))"
            )).scalar()
        made = seed(world)
        dsn = sa.make_url(postgres_url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            for statement in ("UPDATE civicfund_events SET topic = 'x'",
                              "DELETE FROM civicfund_events",
                              "TRUNCATE civicfund_events",
                              "UPDATE tlog_leaves SET position = position + 1",
                              "DELETE FROM tlog_nodes",
                              "DELETE FROM tlog_checkpoints"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    conn.execute(statement)
            assert platform.verify_log().ok
            conn.execute(
                "INSERT INTO civicfund_events (originator_id, originator_version, topic, state, "
                "notification_id) SELECT gen_random_uuid(), 1, topic, state, %s "
                "FROM civicfund_events WHERE originator_id = %s", (gap, city))
            # Whoever drops the triggers can rewrite; verify still sees it.
            conn.execute("ALTER TABLE civicfund_events DISABLE TRIGGER USER")
            conn.execute("UPDATE civicfund_events SET topic = topic || 'x' "
                         "WHERE notification_id = %s", (made[0],))
        found = problems(platform)
        assert ("inserted", gap) in found
        assert ("modified", made[0]) in found
    finally:
        platform.close()
