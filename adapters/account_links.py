"""Single-use links mailed to an account: confirming its email, resetting its password.

The link carries a random token; the table keeps only its SHA-256 hash, the purpose and when it
expires. Redeeming marks it used in the same statement that checks it, so two clicks at once
cannot both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.accounts import token_hash, wall_clock

CONFIRM_EMAIL, RESET_PASSWORD = "confirm_email", "reset_password"
LIFETIMES = {CONFIRM_EMAIL: timedelta(days=2), RESET_PASSWORD: timedelta(hours=1)}


class AccountLinks:
    def __init__(self, engine: sa.Engine, *, now: Callable[[], datetime] = wall_clock):
        self.engine = engine
        self.now = now

    def issue(self, account_id: UUID, purpose: str) -> str:
        """A new token for the link; earlier unused ones for the same purpose stop working."""
        token, now = secrets.token_urlsafe(32), self.now()
        with self.engine.begin() as conn:
            conn.execute(t.account_links.delete().where(
                t.account_links.c.account_id == account_id,
                t.account_links.c.purpose == purpose,
            ))
            conn.execute(t.account_links.insert().values(
                token_hash=token_hash(token), account_id=account_id, purpose=purpose,
                created_at=now, expires_at=now + LIFETIMES[purpose],
            ))
        return token

    def peek(self, token: str, purpose: str) -> UUID | None:
        """The account a live token belongs to, without using it up (to show its form)."""
        if not token:
            return None
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.account_links.c.account_id).where(
                *self._live(token, purpose)
            )).scalar()

    def redeem(self, token: str, purpose: str) -> UUID | None:
        """Use the token up: its account, or None when it is unknown, used or expired."""
        account_id = self.peek(token, purpose)
        if account_id is None:
            return None
        with self.engine.begin() as conn:
            used = conn.execute(
                t.account_links.update().where(*self._live(token, purpose))
                .values(used_at=self.now())
            ).rowcount
        return account_id if used == 1 else None

    def _live(self, token: str, purpose: str):
        return (
            t.account_links.c.token_hash == token_hash(token),
            t.account_links.c.purpose == purpose,
            t.account_links.c.used_at.is_(None),
            t.account_links.c.expires_at > self.now(),
        )
