"""Event-store recorders tuned for how civicfund writes and follows its log.

Both recorders accept `unchanged_since={aggregate_id: version}` when saving: the events are
recorded only if each named aggregate is still at that version, checked inside the same write
transaction. A pledge is saved with the version of the project it was checked against, so a
pledge can never slip past a project that another process has just closed or cancelled, and the
project does not have to be re-read for every pledge.

PostgreSQL: eventsourcing's recorder pipelines SET LOCAL, LOCK TABLE, NOTIFY and an insert of a
composite-type array. civicfund's projections pull from the log (they never LISTEN), so the NOTIFY
is dead weight, and for our small saves the pipeline costs more Python time than it saves. This
recorder keeps the same table and the same ordering guarantee — the table lock is held from before
the insert until commit, so notification ids become visible in commit order — and sends LOCK and a
conditional multi-row INSERT ... RETURNING as one message, which PostgreSQL runs as one
transaction: one round trip. The insert is a statement each connection prepares once.
Rows another adapter keeps in the same database can go in that message too (`AlongWrite`: the
sandbox's record of a pledge's hold), committed with the events instead of on their own.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, nullcontext, suppress
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from weakref import WeakKeyDictionary

from eventsourcing.persistence import (
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry
from psycopg import ClientCursor, Connection
from psycopg.errors import InvalidSqlStatementName
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier, Literal

from domain.kernel.errors import ConcurrentChange
from domain.kernel.ports import ChecksUnchanged, DecidesExclusively

Versions = Mapping[UUID, int]


@dataclass(frozen=True)
class AlongWrite:
    """A row another adapter keeps in the platform's own database, written in the transaction
    that records a save's events (`insert_events(..., along=[...])`) and committed with it,
    whether or not the checks let the events in: never without that transaction. `statement`
    is one SQL statement with psycopg's `%s` placeholders for `params`."""

    statement: str
    params: tuple[Any, ...]

# How often `exclusive` takes its locks again on a fresh connection when one dies first.
EXCLUSIVE_ATTEMPTS = 3

# Saves of at most this many events, checking at most this many aggregates, use a statement
# each connection prepares once (`_preparing`); larger ones are planned as they come.
PREPARED_ROWS = 16
PREPARED_CHECKS = 8


def _changed() -> ConcurrentChange:
    return ConcurrentChange(
        "Something this change depends on was changed at the same time; please try again"
    )


def _discard_dead_connections_on_failure(datastore: PostgresDatastore) -> None:
    """After a database restart every idle pooled connection is dead. When one fails, check the
    whole pool at once (dead ones are replaced), so the caller's retry gets a live connection
    instead of the next dead one: a restart costs the requests in flight, not one per pooled
    connection. Checking every connection before each use would cost a round trip per use, and
    psycopg_pool backs off for seconds between failed checks."""
    get_connection = datastore.get_connection

    @contextmanager
    def checked_on_failure() -> Iterator[Connection[Any]]:
        try:
            with get_connection() as conn:
                yield conn
        except (OperationalError, InterfaceError):
            with suppress(Exception):  # the database is down: the caller's error says so
                datastore.pool.check()
            raise

    datastore.get_connection = checked_on_failure  # type: ignore[method-assign]


class _LatestFirst(deque[Any]):
    """psycopg_pool's idle connections, taken latest first (see `_reuse_latest_first`)."""

    def popleft(self) -> Any:
        return self.pop()


def _reuse_latest_first(datastore: PostgresDatastore) -> None:
    """Hand out the connection given back last, not the one idle longest. psycopg_pool keeps
    its idle connections in a queue, so a process saving one event after another used each of
    its connections in turn: each save went to the server process idle longest, cold in the
    CPU's caches, and took 10-20 % longer than on the one connection it had just used
    (bench/pledges.py). A stack is what PgBouncer does by default and SQLAlchemy's
    `pool_use_lifo` offers, and it lets connections a burst opened sit idle long enough to be
    closed. psycopg_pool has no option for it: its idle connections are a deque taken from the
    left and given back to the right, so taking from the right makes it a stack. (Shrinking
    also takes from the left; it then closes a recently used idle connection instead of an
    older one, which is as good.)"""
    pool = datastore.pool
    with pool._lock:
        if type(pool._pool) is deque:  # a psycopg_pool that keeps them otherwise stays as it is
            pool._pool = _LatestFirst(pool._pool)


class OrderedPostgresRecorder(PostgresApplicationRecorder, ChecksUnchanged, DecidesExclusively):

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        _discard_dead_connections_on_failure(datastore)
        _reuse_latest_first(datastore)
        self._table = SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        self._statements: dict[tuple[int, int, bool, tuple[str, ...]], bytes] = {}
        self._held = threading.local()
        self._prepared: WeakKeyDictionary[Connection[Any], set[tuple[int, int]]] = (
            WeakKeyDictionary()
        )

    def _statement(
        self, conn: Connection[Any], rows: int, checks: int, *, finishes: bool = False,
        along: tuple[str, ...] = (), prepared: bool = False, preparing: bool = False,
    ) -> bytes:
        """Lock, insert `rows` events if `checks` aggregates are unchanged, then the `along`
        statements: one message, which PostgreSQL runs as one transaction of its own. With
        `finishes`, the message finishes a transaction already open instead (see `exclusive`).
        With `prepared`, the insert is the connection's prepared statement for the shape, and
        with `preparing` the message prepares it first unless the connection has it
        (`_preparing`): after the lock, since preparing an insert takes a weaker lock on the
        table, and two saves each holding that while asking for the table's lock would wait
        for each other."""
        key = (rows, checks, finishes, along, prepared, preparing)
        statement = self._statements.get(key)
        if statement is None:
            if prepared:
                insert = SQL("EXECUTE {0}({1})").format(
                    Identifier(self._prepared_name(rows, checks)),
                    SQL(", ").join([SQL("%s")] * (4 * rows + 2 * checks)),
                )
            else:
                insert = self._insert(rows, checks, lambda _: SQL("%s"))
            # Without BEGIN and COMMIT, the statements of one message are one transaction
            # (implicit: SET LOCAL and LOCK hold until its end), and there are two fewer.
            lock = SQL(
                "SET LOCAL lock_timeout = '{0}s'; LOCK TABLE {1} IN EXCLUSIVE MODE; "
            ).format(self.datastore.lock_timeout, self._table).as_bytes(conn)
            rest = SQL("{0}{1}{2}").format(
                insert, SQL("").join(SQL("; " + written) for written in along),
                SQL("; COMMIT" if finishes else ""),
            ).as_bytes(conn)
            block = self._preparation(conn, rows, checks) if preparing else b""
            statement = self._statements[key] = lock + block + rest
        return statement

    def _insert(self, rows: int, checks: int, param: Callable[[int], SQL]) -> Composed:
        """The conditional insert; `param(n)` is the placeholder of the nth parameter."""
        values = SQL(", ").join(
            SQL("({0}::uuid, {1}::bigint, {2}::text, {3}::bytea)").format(
                *(param(4 * row + column + 1) for column in range(4)))
            for row in range(rows)
        )
        first = 4 * rows + 1
        current = [
            SQL("(SELECT max(originator_version) FROM {0} WHERE originator_id = {1}::uuid) "
                "= {2}::bigint").format(self._table, param(first + 2 * check),
                                        param(first + 2 * check + 1))
            for check in range(checks)
        ]
        return SQL(
            "INSERT INTO {0} (originator_id, originator_version, topic, state) "
            "SELECT * FROM (VALUES {1}) AS new_events WHERE {2} RETURNING notification_id"
        ).format(self._table, values, SQL(" AND ").join(current) if current else SQL("true"))

    def _prepared_name(self, rows: int, checks: int) -> str:
        return f"civicfund_insert_{self.events_table_name}_{rows}_{checks}"

    def _preparing(self, conn: Connection[Any], rows: int, checks: int) -> bool:
        """Whether a save's message must prepare the insert of this shape: unless the connection
        was seen with it prepared.

        Planning the checks' subqueries anew for each save took longer in the server than all
        the rest of the save; a prepared statement is planned once (PostgreSQL then keeps its
        generic plan). It lives as long as its connection, through rollbacks, except that
        psycopg deallocates all of a connection's statements when it rolls back one where it
        had prepared its own: our rollbacks forget what was seen (`_rolled_back`), and a save
        that finds its statement gone anyway is tried again (`insert_events`). Preparing in
        the message itself costs no round trip and works inside a transaction already open."""
        return (rows, checks) not in self._prepared.get(conn, ())

    def _preparation(self, conn: Connection[Any], rows: int, checks: int) -> bytes:
        """A block preparing the insert of this shape unless the connection has it."""
        name = self._prepared_name(rows, checks)
        prepare = SQL("PREPARE {0} AS {1}").format(
            Identifier(name), self._insert(rows, checks, lambda number: SQL(f"${number}")))
        block = SQL(
            "DO $civicfund$ BEGIN IF NOT EXISTS (SELECT FROM pg_prepared_statements "
            "WHERE name = {0}) THEN EXECUTE {1}; END IF; END $civicfund$; "
        ).format(Literal(name), Literal(prepare.as_string(conn))).as_bytes(conn)
        return block.replace(b"%", b"%%")  # the message's parameters are bound client-side

    @contextmanager
    def exclusive(
        self, keys: Sequence[UUID], *, after: Mapping[UUID, int] | None = None
    ) -> Iterator[list[StoredEvent]]:
        """Decide on some aggregates while no other process can record for them.

        Opens a transaction holding a PostgreSQL advisory lock on each of `keys`, and in the
        same round trip reads the events of each aggregate in `after` recorded since the
        version given (what the caller's copy lacks). The block's first save finishes that
        transaction (one more round trip), which lets the locks go. Processes deciding on the
        same aggregates therefore take turns instead of racing and deciding again.
        """
        after = dict(after or {})
        for attempt in range(EXCLUSIVE_ATTEMPTS):
            try:
                stack, conn, recorded = self._locked_and_read(keys, after)
                break
            except (InterfaceError, OperationalError):
                # Nothing was decided yet: a connection that died (a database restart) is
                # replaced and the locks taken again.
                if attempt + 1 == EXCLUSIVE_ATTEMPTS:
                    raise
        with stack:
            try:
                self._held.conn = conn
                yield recorded
            finally:
                self._held.conn = None
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    self._rolled_back(conn)

    def _locked_and_read(
        self, keys: Sequence[UUID], after: Mapping[UUID, int]
    ) -> tuple[ExitStack, Connection[Any], list[StoredEvent]]:
        """A pooled connection in a transaction holding the keys' advisory locks, and the
        events recorded after the given versions; the stack gives the connection back."""
        stack = ExitStack()
        conn = stack.enter_context(self.datastore.get_connection())
        locks = [
            # The top 64 bits of each id, as the signed bigint advisory locks take.
            SQL("SELECT pg_advisory_xact_lock({0})").format((key.int >> 64) - 2**63)
            for key in keys
        ]
        reads = [
            SQL(
                "SELECT originator_id, originator_version, topic, state FROM {0} "
                "WHERE originator_id = %s::uuid AND originator_version > %s::bigint "
                "ORDER BY originator_version"
            ).format(self._table)
            for _ in after
        ]
        params: list[Any] = [v for pair in after.items() for v in pair]
        statement = SQL("; ").join([
            SQL("BEGIN; SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            *locks, *reads,
        ])
        recorded: list[StoredEvent] = []
        try:
            with ClientCursor(conn, row_factory=tuple_row) as curs:
                curs.execute(statement.as_bytes(conn), params, prepare=False)
                while True:
                    if curs.description is not None and len(curs.description) == 4:
                        recorded += [
                            StoredEvent(originator_id=row[0], originator_version=row[1],
                                        topic=row[2], state=bytes(row[3]))
                            for row in curs.fetchall()
                        ]
                    if not curs.nextset():
                        break
        except BaseException:
            # Let the connection's context see the error: it translates it and hands a broken
            # connection back to the pool to be replaced.
            if conn.info.transaction_status not in (
                TransactionStatus.IDLE, TransactionStatus.UNKNOWN
            ):
                with suppress(Exception):
                    conn.rollback()
            stack.__exit__(*sys.exc_info())
            raise
        return stack, conn, recorded

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        unchanged_since: Versions | None = None,
        along: Sequence[AlongWrite] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if not stored_events:
            return None
        checks = dict(unchanged_since or {})
        params: list[Any] = []
        for event in stored_events:
            params += (event.originator_id, event.originator_version, event.topic, event.state)
        for aggregate_id, version in checks.items():
            params += (aggregate_id, version)
        for written in along:
            params += written.params
        held = getattr(self._held, "conn", None)
        if held is not None:
            self._held.conn = None  # one save finishes the transaction `exclusive` opened
        rows, along_statements = len(stored_events), tuple(w.statement for w in along)
        prepared = rows <= PREPARED_ROWS and len(checks) <= PREPARED_CHECKS
        with nullcontext(held) if held is not None else self.datastore.get_connection() as conn:
            try:
                notification_ids = self._send(conn, rows, len(checks), params, along_statements,
                                              finishes=held is not None, prepared=prepared)
            except InvalidSqlStatementName:
                # The connection's prepared statements were deallocated after it was seen to
                # have ours: the transaction failed at that statement, nothing was written.
                if held is not None:  # the locks `exclusive` took are gone: decide again
                    raise _changed() from None
                notification_ids = self._send(conn, rows, len(checks), params, along_statements,
                                              finishes=False, prepared=True)
        if len(notification_ids) != len(stored_events):
            raise _changed()
        return notification_ids

    def _send(
        self, conn: Connection[Any], rows: int, checks: int, params: list[Any],
        along: tuple[str, ...], *, finishes: bool, prepared: bool,
    ) -> list[int]:
        """Run the save's transaction as one message; the new events' notification ids."""
        # Client-side binding lets the whole transaction travel as one simple-protocol
        # message; psycopg escapes every value (bytea included) as a literal.
        curs = ClientCursor(conn, row_factory=tuple_row)
        try:
            statement = self._statement(
                conn, rows, checks, finishes=finishes, along=along, prepared=prepared,
                preparing=prepared and self._preparing(conn, rows, checks),
            )
            curs.execute(statement, params, prepare=False)
            while curs.statusmessage is None or not curs.statusmessage.startswith("INSERT"):
                if not curs.nextset():
                    raise ProgrammingError("the insert returned no notification ids")
            notification_ids = [row[0] for row in curs.fetchall()]
            if prepared:
                self._prepared.setdefault(conn, set()).add((rows, checks))
            return notification_ids
        except BaseException:
            self._rolled_back(conn)
            raise
        finally:
            curs.close()

    def _rolled_back(self, conn: Connection[Any]) -> None:
        """Roll back the connection's transaction, if one is open (a failed message's own
        transaction is over). psycopg then deallocates every statement prepared on the
        connection if it had prepared one of its own, so what it was seen with is forgotten."""
        self._prepared.pop(conn, None)
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()


class CheckingSQLiteRecorder(SQLiteApplicationRecorder, ChecksUnchanged):
    """eventsourcing's SQLite recorder plus the `unchanged_since` check.

    The check runs after the insert, inside the same transaction: the insert takes SQLite's write
    lock on a fresh snapshot, so nothing can commit between the check and our commit, and a stale
    check rolls the insert back. (The checked aggregates are never among those being saved.)
    """

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        unchanged_since: Versions | None = None,
        along: Sequence[AlongWrite] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        if along:  # adapters on SQLite write their rows themselves
            raise ProgrammingError("rows are written along with events on PostgreSQL only")
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        for aggregate_id, version in (unchanged_since or {}).items():
            c.execute(
                f"SELECT MAX(originator_version) FROM {self.events_table_name} "  # noqa: S608
                "WHERE originator_id = ?",
                (aggregate_id.hex,),
            )
            if c.fetchone()[0] != version:
                raise _changed()
        return notification_ids
