"""Many rows written by one statement: an INSERT with a VALUES group per row.

SQLAlchemy hands a list of rows to psycopg's `executemany`, which sends the statement once per
row in a pipeline: about 17 µs of Python a row here, and a separate execution in the server for
each. A batch of the projection follower or the transparency log's sealer writes hundreds of
rows (a pledge adds about ten), so on PostgreSQL these writes go as one statement per table
instead, with PostgreSQL's own `$n` placeholders so the driver sends it as it is: about 4 µs a
row. SQLite keeps `executemany`, which costs it little.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from adapters.storage import DOLLAR_PARAMS

_PLACEHOLDER = re.compile(r"\$(\d+)")
# PostgreSQL takes at most 65,535 parameters in one statement.
MOST_PARAMETERS = 65_535


@dataclass(frozen=True)
class _Template:
    head: str  # up to and including "VALUES "
    group: str  # one row's "($1::UUID, $2::VARCHAR)"
    tail: str  # what follows the groups (ON CONFLICT ...)
    names: tuple[str, ...]  # the row's keys in placeholder order
    processors: tuple[Callable[[Any], Any] | None, ...]  # SQLAlchemy's bind processing

    def sql(self, rows: int) -> str:
        width = len(self.names)
        groups = [
            _PLACEHOLDER.sub(lambda m, at=row * width: f"${int(m.group(1)) + at}", self.group)
            for row in range(rows)
        ]
        return self.head + ", ".join(groups) + self.tail


Upsert = Callable[[Callable[[sa.Table], Any]], sa.Insert]


class ManyRows:
    """An INSERT for many rows at once, in the caller's transaction. Rows are dicts of the
    columns they set; rows with other keys go in a statement of their own.

    `insert` is the statement, or for an upsert a function building it from the dialect's own
    `insert` (ON CONFLICT is written differently for each)."""

    def __init__(self, insert: sa.Insert | Upsert):
        upsert = callable(insert)
        self.insert = insert(postgresql.insert) if upsert else insert
        self._elsewhere = insert(sqlite.insert) if upsert else insert
        self._templates: dict[tuple[str, ...], _Template | None] = {}
        self._sql: dict[tuple[tuple[str, ...], int], str] = {}

    def run(self, conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
        by_keys: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append(row)
        for keys, same in by_keys.items():
            if conn.dialect.name != "postgresql":
                conn.execute(self._elsewhere, same)
                continue
            template = self._template(keys)
            if template is None:
                conn.execute(self.insert, same)
                continue
            per_statement = MOST_PARAMETERS // max(1, len(template.names))
            for start in range(0, len(same), per_statement):
                self._write(conn, keys, template, same[start:start + per_statement])

    def _write(self, conn: sa.Connection, keys: tuple[str, ...], template: _Template,
               rows: list[dict[str, Any]]) -> None:
        sql = self._sql.get((keys, len(rows)))
        if sql is None:
            sql = template.sql(len(rows))
            if len(self._sql) < 64:  # batches come in every size; keep the common ones
                self._sql[keys, len(rows)] = sql
        values: list[Any] = []
        pairs = tuple(zip(template.names, template.processors, strict=True))
        for row in rows:
            values += [row[name] if process is None else process(row[name])
                       for name, process in pairs]
        driver = conn.connection.driver_connection
        try:
            with psycopg.RawCursor(driver) as cursor:
                cursor.execute(sql, values, prepare=False)
        except psycopg.Error as error:
            # SQLAlchemy's error; a connection found dead is dropped when the caller's
            # transaction rolls back.
            raise sa.exc.DBAPIError.instance(sql, values, error, psycopg.Error) from error

    def _template(self, keys: tuple[str, ...]) -> _Template | None:
        """The statement cut around its one VALUES group; None for a statement this cannot
        repeat (parameters outside the group, defaults computed in Python), which then goes
        by `executemany`."""
        if keys in self._templates:
            return self._templates[keys]
        compiled = self.insert.compile(dialect=DOLLAR_PARAMS, column_keys=list(keys),
                                       for_executemany=True)
        sql, names = str(compiled), tuple(compiled.positiontup or ())
        template = None
        start = sql.find(" VALUES (")
        if start >= 0 and set(names) <= set(keys):
            open_at = start + len(" VALUES ")
            end = _closing(sql, open_at)
            group = sql[open_at:end + 1]
            if len(_PLACEHOLDER.findall(group)) == len(names) == len(
                    _PLACEHOLDER.findall(sql)):
                template = _Template(
                    head=sql[:open_at], group=group, tail=sql[end + 1:], names=names,
                    processors=tuple(
                        compiled.binds[name].type.dialect_impl(DOLLAR_PARAMS)
                        .bind_processor(DOLLAR_PARAMS)
                        for name in names),
                )
        self._templates[keys] = template
        return template


def _closing(sql: str, open_at: int) -> int:
    depth = 0
    for at in range(open_at, len(sql)):
        if sql[at] == "(":
            depth += 1
        elif sql[at] == ")":
            depth -= 1
            if depth == 0:
                return at
    raise ValueError("unbalanced VALUES group")
