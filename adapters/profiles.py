"""Display names (domain/accounts/display_name.py says what one may be), kept in the `profiles`
table beside the account. A person without one is shown by their account name."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.storage import read_all
from domain.accounts.display_name import check_display_name


def shown_name() -> sa.ColumnElement:
    """The name pages show for an account joined with its profile (outer join `profiles`)."""
    return sa.func.coalesce(t.profiles.c.display_name, t.accounts.c.name)


def forget_profile(conn: Connection, account_id: UUID) -> None:
    conn.execute(t.profiles.delete().where(t.profiles.c.account_id == account_id))


class Profiles:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def display_name_of(self, account_id: UUID) -> str | None:
        rows = read_all(self.engine, sa.select(t.profiles.c.display_name)
                        .where(t.profiles.c.account_id == account_id))
        return rows[0].display_name if rows else None

    def set_display_name(self, account_id: UUID, text: str, now: datetime) -> str:
        """Keeps the display name (InvalidDisplayName, and nothing kept, when it is not one)."""
        name = check_display_name(text)
        with self.engine.begin() as conn:
            insert = (postgresql.insert if conn.dialect.name == "postgresql"
                      else sqlite.insert)(t.profiles)
            conn.execute(insert.values(account_id=account_id, display_name=name, updated_at=now)
                         .on_conflict_do_update(index_elements=["account_id"], set_={
                             "display_name": insert.excluded.display_name,
                             "updated_at": insert.excluded.updated_at}))
        return name
