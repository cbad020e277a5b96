"""Signed-in browsers, kept on the server so that a session can really end.

Flask's session is a signed cookie: signing stops forgery but not replay, so a copy of the cookie
would work until the secret changes. Here the cookie carries only a random session id; the
`sessions` table keeps its SHA-256 hash, the account, and when the session started and was last
seen. A session ends when its row goes: at logout, when the password or the role changes, after
an idle spell or past its absolute lifetime.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.accounts import aware, token_hash, wall_clock

# Last-seen is written at most this often, so browsing is not a write per page.
LAST_SEEN_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionInfo:
    id_hash: str
    created_at: datetime
    last_seen_at: datetime


class SessionStore:
    def __init__(
        self, engine: sa.Engine, *, idle: timedelta, lifetime: timedelta,
        now: Callable[[], datetime] = wall_clock,
    ):
        self.engine = engine
        self.idle = idle
        self.lifetime = lifetime
        self.now = now

    def start(self, account_id: UUID) -> str:
        """A new session for the account; the returned id goes into the cookie, never the table."""
        session_id, now = secrets.token_urlsafe(32), self.now()
        with self.engine.begin() as conn:
            # The account's sessions that timed out unseen go now, so the table stays small.
            conn.execute(t.sessions.delete().where(
                t.sessions.c.account_id == account_id,
                (t.sessions.c.last_seen_at < now - self.idle)
                | (t.sessions.c.created_at < now - self.lifetime),
            ))
            conn.execute(t.sessions.insert().values(
                id_hash=token_hash(session_id), account_id=account_id, created_at=now,
                last_seen_at=now,
            ))
        return session_id

    def account_of(self, session_id: str) -> UUID | None:
        """The account signed in with this session id, if the session is still alive; a session
        found idle or too old is ended here."""
        if not session_id:
            return None
        hashed, now = token_hash(session_id), self.now()
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.sessions).where(t.sessions.c.id_hash == hashed)
            ).first()
        if row is None:
            return None
        created, seen = aware(row.created_at), aware(row.last_seen_at)
        if now - seen > self.idle or now - created > self.lifetime:
            self._delete(t.sessions.c.id_hash == hashed)
            return None
        if now - seen >= LAST_SEEN_PRECISION:
            with self.engine.begin() as conn:
                conn.execute(t.sessions.update().where(t.sessions.c.id_hash == hashed)
                             .values(last_seen_at=now))
        return row.account_id

    def end(self, session_id: str) -> None:
        if session_id:
            self._delete(t.sessions.c.id_hash == token_hash(session_id))

    def end_all(self, account_id: UUID, *, keep: str | None = None) -> int:
        """End every session of the account (but `keep`, the one asking); how many ended."""
        condition = t.sessions.c.account_id == account_id
        if keep:
            condition = condition & (t.sessions.c.id_hash != token_hash(keep))
        return self._delete(condition)

    def of_account(self, account_id: UUID) -> list[SessionInfo]:
        """The account's live sessions, the most recently seen first."""
        now = self.now()
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.sessions).where(t.sessions.c.account_id == account_id)
                .order_by(t.sessions.c.last_seen_at.desc())
            ).all()
        return [
            SessionInfo(row.id_hash, aware(row.created_at), aware(row.last_seen_at))
            for row in rows
            if now - aware(row.last_seen_at) <= self.idle
            and now - aware(row.created_at) <= self.lifetime
        ]

    def _delete(self, condition) -> int:
        with self.engine.begin() as conn:
            return conn.execute(t.sessions.delete().where(condition)).rowcount
