"""The first answer to each idempotency key, kept so that a retried request gets it again.

A client sends `Idempotency-Key` with a request that must not act twice (a pledge, a new card).
The first request with a key claims it; while it runs, a retry with the same key is told to wait
(409). Its answer is kept, and later retries get that answer without acting again. A request
that ended without an answer worth keeping (the platform was unavailable: 5xx) lets the key go,
and a run that was lost altogether (its process was killed) gives the key up when its lease
ends: the next retry runs the request again as a new execution. Keys are per account, kept for
a day (`forget_before`), as Stripe keeps its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import Prepared

LEASE = timedelta(seconds=60)  # longer than any request may run (gunicorn's timeout is 30 s)
KEPT_FOR = timedelta(hours=24)
MAX_KEY = 255


@dataclass(frozen=True)
class Answer:
    """The first answer given to this key."""

    status: int
    body: str
    location: str | None


@dataclass(frozen=True)
class Claim:
    """This request runs the operation. `execution` counts earlier runs that were lost."""

    key: str
    execution: int


class KeyInUse(Exception):
    def __init__(self, retry_after: int):
        super().__init__("A request with this idempotency key is still being processed")
        self.retry_after = retry_after


class KeyReused(Exception):
    """The key was first used for another request."""


def valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY and key.isascii() and key.isprintable()


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


_r = t.idempotent_requests.c
# Built once: a statement built per call costs more Python than its round trip.
_CLAIM = Prepared(t.idempotent_requests.insert(), writes=True)
_KEEP = Prepared(
    t.idempotent_requests.update()
    .where(_r.account_id == sa.bindparam("for_account"), _r.key == sa.bindparam("for_key"),
           _r.status.is_(None))
    .values(status=sa.bindparam("kept_status"), body=sa.bindparam("kept_body"),
            location=sa.bindparam("kept_location"), locked_until=None),
    writes=True,
)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class IdempotencyStore:
    def __init__(
        self, engine: sa.Engine, *, lease: timedelta = LEASE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.engine = engine
        self.lease = lease
        self.now = now

    def _single_statement(self) -> sa.Connection:
        """A connection for one statement on its own: autocommit, no BEGIN and COMMIT."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def claim(
        self, account_id: UUID, key: str, operation: str, request_fingerprint: str
    ) -> Answer | Claim:
        """The kept answer for this key, or the right to run the request now.
        Raises KeyInUse while another request runs with the key, KeyReused if the key was
        first used for a different request."""
        r = t.idempotent_requests.c
        now = self.now()
        try:
            _CLAIM.rows(self.engine, {
                "account_id": account_id, "key": key, "operation": operation,
                "fingerprint": request_fingerprint, "executions": 0,
                "locked_until": now + self.lease, "created_at": now,
            })
            return Claim(key, 0)
        except sa.exc.IntegrityError:
            pass
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(t.idempotent_requests)
                .where(r.account_id == account_id, r.key == key)
            ).first()
            if row is None:  # forgotten in between: a new request
                raise KeyInUse(retry_after=1)
            if row.operation != operation or row.fingerprint != request_fingerprint:
                raise KeyReused("This idempotency key was already used for a different request")
            if row.status is not None:
                return Answer(row.status, row.body or "", row.location)
            locked_until = _aware(row.locked_until)
            if locked_until is not None and locked_until > now:
                raise KeyInUse(retry_after=max(1, int((locked_until - now).total_seconds()) + 1))
            took = conn.execute(
                t.idempotent_requests.update()
                .where(r.account_id == account_id, r.key == key, r.status.is_(None),
                       r.executions == row.executions)
                .values(executions=row.executions + 1, locked_until=now + self.lease)
            )
        if took.rowcount != 1:
            raise KeyInUse(retry_after=1)
        return Claim(key, row.executions + 1)

    def keep(
        self, account_id: UUID, key: str, *, status: int, body: str, location: str | None
    ) -> None:
        """Keep the answer a claimed request gave."""
        _KEEP.rows(self.engine, {"for_account": account_id, "for_key": key,
                                 "kept_status": status, "kept_body": body,
                                 "kept_location": location})

    def let_go(self, account_id: UUID, key: str) -> None:
        """A claimed request ended without an answer to keep: a retry may run it again now."""
        r = t.idempotent_requests.c
        with self._single_statement() as conn:
            conn.execute(
                t.idempotent_requests.update()
                .where(r.account_id == account_id, r.key == key, r.status.is_(None))
                .values(locked_until=None)
            )

    def forget_before(self, moment: datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(
                t.idempotent_requests.delete()
                .where(t.idempotent_requests.c.created_at < moment)
            ).rowcount
