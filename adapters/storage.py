"""One database URL serves both the event store and our SQL tables."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.rows import namedtuple_row
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.engine import URL, make_url

EVENTS_TABLE = {"sqlite": "stored_events", "postgresql": "civicfund_events"}


def normalise_url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("CIVICFUND_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
    return url


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> str:
    path = url.database or ""
    if not path or path == ":memory:":
        raise ValueError("civicfund needs a SQLite file (the event store and tables share it)")
    return str(Path(path).resolve())


def make_private_directory(path: Path) -> None:
    """Create `path` (if missing) readable by this user only; parents as the umask says."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by this user only, unless it exists.

    SQLite would create the database with the umask's mode (usually 0644: emails and password
    hashes readable by every local user); its -wal and -shm files take the database's mode.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def create_engine(database_url: str) -> sa.Engine:
    """The platform's engine. On PostgreSQL, like every pool of ours, it hands out the connection
    used last (`pool_use_lifo`): its server process is the one warm in the CPU's caches (see
    `event_store._reuse_latest_first`)."""
    url = normalise_url(database_url)
    if is_sqlite(url):
        database = Path(sqlite_path(url))
        make_private_directory(database.parent)
        create_private_file(database)
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True,
                            pool_use_lifo=True)


def create_read_engine(database_url: str, engine: sa.Engine) -> sa.Engine:
    """The engine pages and the API read the read models through. On PostgreSQL each read is
    one statement in autocommit (no BEGIN and ROLLBACK round trips) on a connection not pinged
    first: a connection found dead invalidates the pool and the read is tried once more
    (`retrying_reads`). SQLite shares the one engine."""
    url = normalise_url(database_url)
    if is_sqlite(url):
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=10, isolation_level="AUTOCOMMIT",
                            pool_use_lifo=True)


def create_relaxed_engine(database_url: str, engine: sa.Engine) -> sa.Engine:
    """The engine for records that may lose their last moments in a database crash without
    harm, written one statement at a time: the answers kept for idempotency keys (a lost one
    makes a retry run again, which the key makes safe) and the offline sandbox's
    authorisations. On PostgreSQL its commits do not wait for the disk
    (synchronous_commit=off): the event log's do, and the log is the record that matters."""
    url = normalise_url(database_url)
    if is_sqlite(url):
        return engine
    return sa.create_engine(url, pool_size=5, max_overflow=10, isolation_level="AUTOCOMMIT",
                            connect_args={"options": "-c synchronous_commit=off"},
                            pool_use_lifo=True)


def read_all(engine: sa.Engine, statement: Any, params: dict[str, Any] | None = None
             ) -> list[Any]:
    """A read's rows; once more on a fresh connection if the pooled one had died (a database
    restart costs no read)."""
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                return list(conn.execute(statement, params or {}).all())
        except sa.exc.DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# PostgreSQL's own `$1` placeholders: psycopg sends such SQL as it is, without parsing it.
DOLLAR_PARAMS = postgresql_psycopg.dialect(paramstyle="numeric_dollar")


class Prepared:
    """A statement compiled once and, on PostgreSQL, run as a prepared statement straight on
    the driver's connection of an autocommit engine: SQLAlchemy's execution path (cache key,
    execution context, result metadata) costs about as much Python as the round trip, which
    matters for the few statements every request runs. Rows are the driver's named tuples
    (attribute and index access, as `sa.Row`); errors are SQLAlchemy's (`sa.exc.IntegrityError`
    and so on). Elsewhere (SQLite, an engine that opens transactions), and once more when the
    pooled connection turns out dead, it runs through SQLAlchemy, which invalidates the pool.
    A write (`writes=True`) must be safe to run twice: it is retried like a read."""

    def __init__(self, statement: Any, *, writes: bool = False):
        self.statement = statement
        self.writes = writes
        self._sql: dict[tuple[str, ...], tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    def _compiled(self, keys: tuple[str, ...]) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        """The SQL with PostgreSQL's own `$1` placeholders, the parameters' names in their
        order, and the statement's fixed values. The driver then sends it as it is: with
        `%(name)s` placeholders psycopg parses every statement it runs, and keeps the parse only
        for statements under 4 KB (a pilot page's is 6 KB)."""
        found = self._sql.get(keys)
        if found is None:
            compiled = self.statement.compile(dialect=DOLLAR_PARAMS, column_keys=list(keys))
            found = self._sql[keys] = (str(compiled), tuple(compiled.positiontup or ()),
                                       dict(compiled.params))
        return found

    def rows(self, engine: sa.Engine, params: dict[str, Any] | None = None) -> list[Any]:
        params = params or {}
        if engine.dialect.name != "postgresql":
            return self._through_sqlalchemy(engine, params)
        sql, order, defaults = self._compiled(tuple(params))
        values = [params[name] if name in params else defaults[name] for name in order]
        pooled = engine.raw_connection()
        try:
            driver = pooled.driver_connection
            if driver.autocommit:  # else an engine that opens transactions: SQLAlchemy's way
                try:
                    with psycopg.RawCursor(driver, row_factory=namedtuple_row) as cursor:
                        cursor.execute(sql, values, prepare=True)
                        # The field count, not `description` (which builds an object per field).
                        return cursor.fetchall() if cursor.pgresult.nfields else []
                except psycopg.Error as error:
                    if not driver.broken:
                        raise sa.exc.DBAPIError.instance(sql, params, error, psycopg.Error
                                                         ) from error
                    pooled.invalidate(error)
        finally:
            pooled.close()
        return self._through_sqlalchemy(engine, params)

    def _through_sqlalchemy(self, engine: sa.Engine, params: dict[str, Any]) -> list[Any]:
        if not self.writes:
            return read_all(engine, self.statement, params)
        for attempt in (1, 2):
            try:
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    result = conn.execute(self.statement, params)
                    return list(result.all()) if result.returns_rows else []
            except sa.exc.DBAPIError as error:
                if attempt == 2 or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


def event_store_env(database_url: str) -> dict[str, str]:
    """The eventsourcing settings for the same database. Tables come from migrations."""
    url = normalise_url(database_url)
    env = {"CREATE_TABLE": "false"}
    if is_sqlite(url):
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": sqlite_path(url),
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": "adapters.event_store:CheckingSQLiteRecorder",
        }
    else:
        env |= {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database or "",
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "POSTGRES_POOL_SIZE": "10",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "10",
            "APPLICATION_RECORDER_TOPIC": "adapters.event_store:OrderedPostgresRecorder",
        }
    return env


def among(column: Any, names: tuple[str, ...]) -> Any:
    """`column IN ('a', 'b')` with the names written into the SQL: a fixed list needs no bound
    parameters, so the statement compiles once and is reused as it is."""
    assert all(name.isidentifier() for name in names)
    return column.in_([sa.literal_column(f"'{name}'") for name in names])
