"""Follows the event log and feeds projections, on SQLite and PostgreSQL alike.

eventsourcing's subscriptions do not exist for SQLite, so the follower pulls: after every command
the web calls `catch_up()`, and the worker calls it in a loop for changes made elsewhere.
"""

from __future__ import annotations

import logging
import threading
import time
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from sqlalchemy.exc import IntegrityError, OperationalError

from adapters import tables as t
from adapters.projections import ReadModels
from adapters.storage import EVENTS_TABLE

log = logging.getLogger(__name__)

BATCH = 500


def read_log(conn: sa.Connection, *, after: int, limit: int) -> list[Notification]:
    """Events after a position, in log order, read on the caller's connection."""
    table = EVENTS_TABLE[conn.dialect.name]
    position = "rowid" if conn.dialect.name == "sqlite" else "notification_id"
    rows = conn.execute(
        sa.text(
            f"SELECT {position} AS id, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {table} WHERE {position} > :after ORDER BY {position} LIMIT :limit"
        ),
        {"after": after, "limit": limit},
    )
    return [
        Notification(
            id=row.id,
            originator_id=row.originator_id if isinstance(row.originator_id, UUID)
            else UUID(row.originator_id),
            originator_version=row.originator_version,
            topic=row.topic,
            state=bytes(row.state),
        )
        for row in rows
    ]


class PositionMoved(Exception):
    """Another process advanced the projection first; our batch was rolled back."""


class ProjectionFollower:
    def __init__(self, app: Application, engine: sa.Engine, projection: ReadModels | None = None):
        self.app = app
        self.engine = engine
        self.projection = projection or ReadModels()
        self._local = threading.Lock()
        self.reached = 0  # the furthest position this process has seen the read models at
        # Ask the log's head before taking the position's lock (one index lookup), and do
        # nothing if the read models already hold it: for the worker, whose rounds catch up
        # several times over and mostly find nothing new. After a command there always is
        # something new, so the web goes straight to the lock.
        self.looks_first = False

    def position(self) -> int:
        with self.engine.connect() as conn:
            return self._read_position(conn, lock=False)

    def _read_position(self, conn: sa.Connection, *, lock: bool) -> int:
        query = sa.select(t.projection_positions.c.position).where(
            t.projection_positions.c.name == self.projection.name
        )
        if lock and conn.dialect.name == "postgresql":
            query = query.with_for_update()
        if lock and conn.dialect.name == "sqlite":
            # A no-op write takes SQLite's write lock before the read, so a second follower
            # waits here instead of projecting the same events again from a stale position.
            conn.execute(
                t.projection_positions.update()
                .where(t.projection_positions.c.name == self.projection.name)
                .values(position=t.projection_positions.c.position)
            )
        position = conn.execute(query).scalar()
        if position is None:
            if lock:
                conn.execute(
                    t.projection_positions.insert().values(name=self.projection.name, position=0)
                )
            return 0
        return int(position)

    def _process_batch(self, conn: sa.Connection) -> int:
        # Lock the position first (PostgreSQL: the row; SQLite: the database, by a no-op write),
        # then read the log on this same connection: one transaction sees the position, the
        # events after it and the rows it writes, so two followers can never apply an event twice.
        start = self._read_position(conn, lock=True)
        notifications = read_log(conn, after=start, limit=BATCH)
        if not notifications:
            self._moved_to = start
            return 0
        self.projection.begin(conn)
        try:
            for notification in notifications:
                self.projection.apply(
                    conn, self.app.mapper.to_domain_event(notification), notification.id
                )
        except BaseException:
            self.projection.abandon(conn)
            raise
        self.projection.end(conn)
        moved = conn.execute(
            t.projection_positions.update()
            .where(t.projection_positions.c.name == self.projection.name)
            .where(t.projection_positions.c.position == start)
            .values(position=notifications[-1].id)
        )
        if moved.rowcount != 1:
            raise PositionMoved
        self._moved_to = notifications[-1].id
        return len(notifications)

    def catch_up_to(self, position: int) -> None:
        """Read-your-writes: make sure the read models have applied the log up to `position`
        (a command's own events) before a reader looks; usually another request or the worker
        already did, and one query says so."""
        if position <= self.reached:
            return
        self.reached = max(self.reached, self.position())
        if position > self.reached:
            self.catch_up()

    def catch_up_if_behind(self) -> None:
        """Bring the read models level with the whole log if they lag it (two small queries
        when they do not)."""
        head = self.app.recorder.max_notification_id() or 0
        self.catch_up_to(head)

    def catch_up(self, attempts: int = 20) -> int:
        """Apply every event not yet projected. Returns how many were applied here."""
        applied = 0
        if self.looks_first and (self.app.recorder.max_notification_id() or 0) <= self.reached:
            return applied
        with self._local:
            failures = 0
            while True:
                try:
                    self._moved_to = 0
                    with self.engine.begin() as conn:
                        count = self._process_batch(conn)
                    self.reached = max(self.reached, self._moved_to)
                except (PositionMoved, OperationalError, IntegrityError) as error:
                    # SQLite refuses a stale writer; another process got there first. Retry.
                    failures += 1
                    if failures >= attempts:
                        log.warning("projection %s gave way: %s", self.projection.name, error)
                        return applied
                    time.sleep(0.02 * failures)
                    continue
                applied += count
                if count < BATCH:
                    return applied

    def rebuild(self) -> int:
        """Empty every read model and replay the whole log into them, in one transaction:
        readers keep seeing the old rows until the new ones are complete."""
        replayed = 0
        with self._local, self.engine.begin() as conn:
            for table in reversed(self.projection.tables):
                conn.execute(table.delete())
            conn.execute(
                t.projection_positions.update()
                .where(t.projection_positions.c.name == self.projection.name)
                .values(position=0)
            )
            while True:
                count = self._process_batch(conn)
                replayed += count
                if count < BATCH:
                    return replayed

    def follow(self, stop: threading.Event, interval: float = 0.5) -> None:
        while not stop.is_set():
            try:
                self.catch_up()
            except Exception:  # keep following; the next round retries
                log.exception("projection follower failed; retrying")
            stop.wait(interval)
