"""The stored events as an auditor reads them: filtered and paged in log order, one aggregate's
history, and where the log stood at a moment.

Topic, aggregate and position are filtered in SQL; actor, correlation id and time are fields of
the event itself, so those filters decode the events in the position range (a time range is first
turned into a position range, see `position_at`). Events hold no personal data, so an event's
payload is shown whole."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters.storage import EVENTS_TABLE
from domain.kernel.money import Money

# Fields every event carries, shown beside the payload rather than in it.
STAMPS = ("timestamp", "originator_topic", "actor_id", "actor_role", "correlation_id",
          "originator_id", "originator_version")
SCAN = 500  # events decoded per round trip when filtering on the events' own fields


@dataclass(frozen=True)
class LoggedEvent:
    position: int
    aggregate_id: UUID
    aggregate_version: int
    topic: str
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    payload: dict[str, Any]

    @property
    def name(self) -> str:
        return self.topic.rpartition(":")[2]


@dataclass(frozen=True)
class EventFilter:
    topic: str = ""  # part of the topic, e.g. "Pledge." or "MatchingFund.MatchReserved"
    aggregate_id: UUID | None = None
    actor_id: str = ""
    correlation_id: str = ""
    after: int = 0  # positions greater than this
    until: int | None = None  # positions up to and including this

    @property
    def decodes(self) -> bool:
        return bool(self.actor_id or self.correlation_id)


def plain(value: Any) -> Any:
    """An event field as JSON: amounts as decimal strings with their currency, ids as strings."""
    if isinstance(value, Money):
        return {"amount": value.to_decimal_string(), "currency": value.currency}
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class EventLog:
    def __init__(self, app: Any, engine: sa.Engine):
        self.app = app
        self.engine = engine

    def _columns(self, conn: sa.Connection) -> tuple[str, str]:
        position = "rowid" if conn.dialect.name == "sqlite" else "notification_id"
        return EVENTS_TABLE[conn.dialect.name], position

    def newest(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def _rows(self, conn: sa.Connection, wanted: EventFilter, limit: int) -> list[Any]:
        table, column = self._columns(conn)
        # For one aggregate, "+ 0" keeps the planner on the (originator_id, originator_version)
        # index: PostgreSQL, its statistics stale after a burst, would AND it with a scan of
        # every position in range (30 ms at a million events).
        position = column if wanted.aggregate_id is None else f"{column} + 0"
        where = [f"{position} > :after"]
        params: dict[str, Any] = {"after": wanted.after, "limit": limit}
        if wanted.until is not None:
            where.append(f"{position} <= :until")
            params["until"] = wanted.until
        if wanted.topic:
            where.append("topic LIKE :topic")
            params["topic"] = f"%{wanted.topic}%"
        if wanted.aggregate_id is not None:
            where.append("originator_id = :aggregate")
            # eventsourcing keeps SQLite's ids as hex text, PostgreSQL's as uuid.
            params["aggregate"] = (wanted.aggregate_id.hex if conn.dialect.name == "sqlite"
                                   else wanted.aggregate_id)
        # One aggregate's events come in the order of their versions, which that index holds.
        order = "originator_version" if wanted.aggregate_id is not None else column
        return list(conn.execute(sa.text(
            f"SELECT {column} AS id, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {table} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT :limit"
        ), params))

    def _decoded(self, row: Any) -> LoggedEvent:
        from eventsourcing.persistence import StoredEvent

        stored = StoredEvent(
            originator_id=row.originator_id, originator_version=row.originator_version,
            topic=row.topic, state=bytes(row.state),
        )
        event = self.app.mapper.to_domain_event(stored)
        fields = vars(event)
        return LoggedEvent(
            position=row.id, aggregate_id=event.originator_id,
            aggregate_version=event.originator_version, topic=row.topic,
            recorded_at=event.timestamp, actor_id=fields.get("actor_id", ""),
            actor_role=fields.get("actor_role", ""),
            correlation_id=fields.get("correlation_id", ""),
            payload={k: plain(v) for k, v in fields.items() if k not in STAMPS},
        )

    def events(self, wanted: EventFilter, limit: int = 50) -> list[LoggedEvent]:
        """Up to `limit` events matching, in log order (the next page starts after the last)."""
        found: list[LoggedEvent] = []
        after = wanted.after
        with self.engine.connect() as conn:
            while len(found) < limit:
                batch = SCAN if wanted.decodes else limit - len(found)
                rows = self._rows(conn, dataclasses.replace(wanted, after=after), batch)
                for row in rows:
                    event = self._decoded(row)
                    if wanted.actor_id and event.actor_id != wanted.actor_id:
                        continue
                    if wanted.correlation_id and event.correlation_id != wanted.correlation_id:
                        continue
                    found.append(event)
                    if len(found) == limit:
                        break
                if len(rows) < batch:
                    break
                after = rows[-1].id
        return found

    def history(self, aggregate_id: UUID, until: int | None = None) -> list[LoggedEvent]:
        """An aggregate's events in order, up to a position if given."""
        return self.events(EventFilter(aggregate_id=aggregate_id, until=until), limit=1_000_000)

    def event_at(self, position: int) -> LoggedEvent | None:
        with self.engine.connect() as conn:
            rows = self._rows(conn, EventFilter(after=position - 1, until=position), 1)
        return self._decoded(rows[0]) if rows else None

    def _stamped_from(self, position: int) -> datetime | None:
        """When the first event at or after a position was recorded (positions may have gaps)."""
        with self.engine.connect() as conn:
            rows = self._rows(conn, EventFilter(after=position - 1), 1)
        return self._decoded(rows[0]).recorded_at if rows else None

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before `moment` (0 before the first event).

        A binary search over the log: events are stamped as they are recorded, so their times
        follow log order (to within the moments two processes' commits overlap)."""
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        low, high = 0, self.newest()
        while low < high:
            middle = (low + high + 1) // 2
            stamped = self._stamped_from(middle)
            if stamped is not None and stamped <= moment:
                low = middle
            else:
                high = middle - 1
        return low

    def created_by(self, position: int, among: list[UUID] | None = None) -> set[UUID]:
        """The aggregates (of those given, if any) whose first event is at or before a
        position."""
        with self.engine.connect() as conn:
            table, column = self._columns(conn)
            sqlite = conn.dialect.name == "sqlite"
            if among is None:
                rows = conn.execute(sa.text(
                    f"SELECT originator_id FROM {table} "  # noqa: S608
                    f"WHERE originator_version = 1 AND {column} <= :position"
                ), {"position": position})
            elif not among:
                return set()
            else:
                # By the (originator_id, originator_version) index, not a scan of the log.
                rows = conn.execute(sa.text(
                    f"SELECT originator_id FROM {table} "  # noqa: S608
                    f"WHERE originator_id IN :ids AND originator_version = 1 "
                    f"AND {column} <= :position"
                ).bindparams(sa.bindparam("ids", expanding=True)),
                    {"position": position,
                     "ids": [i.hex if sqlite else i for i in among]})
            return {row[0] if isinstance(row[0], UUID) else UUID(row[0]) for row in rows}
