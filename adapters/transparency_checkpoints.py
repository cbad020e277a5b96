"""Signed checkpoints of the transparency log: made every minute by the worker while the log
grows and on demand (`civicfund audit checkpoint`), kept for anyone to fetch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from adapters.transparency_keys import LogKey
from adapters.transparency_log import root_at, tree_size
from adapters.transparency_tables import tlog_checkpoints
from domain.kernel.clock import Clock
from domain.transparency.notes import Checkpoint, VerifierKey


@dataclass(frozen=True)
class SignedCheckpoint:
    tree_size: int
    root_hash: bytes
    note: str
    signed_at: datetime


class Checkpoints:
    def __init__(self, engine: sa.Engine, clock: Clock, key: Callable[[], LogKey],
                 origin: str = "", reads: sa.Engine | None = None):
        self.engine = engine
        self.reads = reads or engine
        self.clock = clock
        self._load_key = key
        self._key: LogKey | None = None
        self._origin = origin

    @property
    def key(self) -> LogKey:
        if self._key is None:
            self._key = self._load_key()
        return self._key

    @property
    def verifier(self) -> VerifierKey:
        return self.key.verifier

    @property
    def origin(self) -> str:
        return self._origin or self.key.name

    def sign(self) -> SignedCheckpoint:
        """A checkpoint of the tree as it stands: the latest one if the tree has not grown."""
        with self.engine.begin() as conn:
            size = tree_size(conn)
            latest = self._latest(conn)
            if latest is not None and latest.tree_size >= size:
                return latest
            root = root_at(conn, size)
        note = self.key.sign(Checkpoint(self.origin, size, root))
        made = SignedCheckpoint(size, root, note, self.clock.now())
        try:
            with self.engine.begin() as conn:
                conn.execute(tlog_checkpoints.insert().values(
                    tree_size=size, root_hash=root, note=note, signed_at=made.signed_at))
        except IntegrityError:  # another process signed this size first: theirs stands
            return self.at(size) or made
        return made

    def latest(self) -> SignedCheckpoint | None:
        with self.reads.connect() as conn:
            return self._latest(conn)

    def at(self, size: int) -> SignedCheckpoint | None:
        with self.reads.connect() as conn:
            row = conn.execute(sa.select(tlog_checkpoints)
                               .where(tlog_checkpoints.c.tree_size == size)).first()
        return _signed(row) if row else None

    def history(self, limit: int = 1000) -> list[SignedCheckpoint]:
        """Newest first."""
        with self.reads.connect() as conn:
            rows = conn.execute(sa.select(tlog_checkpoints)
                                .order_by(tlog_checkpoints.c.tree_size.desc()).limit(limit))
            return [_signed(row) for row in rows]

    @staticmethod
    def _latest(conn: sa.Connection) -> SignedCheckpoint | None:
        row = conn.execute(sa.select(tlog_checkpoints)
                           .order_by(tlog_checkpoints.c.tree_size.desc()).limit(1)).first()
        return _signed(row) if row else None


def _signed(row) -> SignedCheckpoint:
    signed_at = row.signed_at
    # SQLite gives the moment back without its zone; it was written in UTC.
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    return SignedCheckpoint(int(row.tree_size), bytes(row.root_hash), row.note, signed_at)
