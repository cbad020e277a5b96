"""The ledger read model: each money event's postings (from the domain's bookkeeper) and every
account's balance, kept in the same transaction as the other read models and their position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from adapters import tables as t
from domain.kernel.money import Money
from domain.ledger.bookkeeping import Bookkeeper
from domain.ledger.postings import Posting


class SqlFacts:
    """The bookkeeper's facts in `ledger_facts`, on the projection's connection."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def get(self, key: str) -> dict[str, Any] | None:
        return self.conn.execute(
            sa.select(t.ledger_facts.c.value).where(t.ledger_facts.c.key == key)
        ).scalar()

    def put(self, key: str, value: dict[str, Any]) -> None:
        insert = _insert(self.conn)(t.ledger_facts).values(key=key, value=value)
        self.conn.execute(
            insert.on_conflict_do_update(index_elements=["key"], set_={"value": value})
        )


def _insert(conn: Connection) -> Any:
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


class LedgerModels:
    """Applies an event's postings to ledger_postings and ledger_balances."""

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if not Bookkeeper.moves_money(event):
            return
        postings = Bookkeeper(SqlFacts(conn)).record(event)
        if not postings:
            return
        name = type(event).__qualname__
        conn.execute(t.ledger_postings.insert(), [
            _row(p, position, leg, name, event.timestamp) for leg, p in enumerate(postings)
        ])
        for posting in postings:
            self._add_to_balance(conn, posting, position)

    def _add_to_balance(self, conn: Connection, p: Posting, position: int) -> None:
        b = t.ledger_balances
        insert = _insert(conn)(b).values(
            account=p.account.name, owner=p.account.owner, owner_id=p.account.owner_id,
            bucket=p.account.bucket, project_id=p.account.project_id, currency=p.currency,
            balance=p.amount, postings=1, position=position,
        )
        conn.execute(insert.on_conflict_do_update(
            index_elements=["account"],
            set_={"balance": b.c.balance + p.amount, "postings": b.c.postings + 1,
                  "position": position},
        ))


def _row(p: Posting, position: int, leg: int, event: str, when: Any) -> dict[str, Any]:
    return {
        "position": position, "leg": leg, "event": event, "account": p.account.name,
        "owner": p.account.owner, "owner_id": p.account.owner_id, "bucket": p.account.bucket,
        "project_id": p.account.project_id, "amount": p.amount, "currency": p.currency,
        "pledge_id": p.pledge_id, "recorded_at": when,
    }


# -- reading the ledger ------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerPosting:
    position: int
    event: str
    amount: Money
    pledge_id: UUID | None
    recorded_at: datetime
    counterparts: tuple[tuple[str, Money], ...]  # the event's other legs


@dataclass(frozen=True)
class AccountPage:
    account: str
    currency: str
    balance: Money
    total: int  # postings in all
    postings: list[LedgerPosting]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LedgerQueries:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def account(self, name: str, currency: str, *, offset: int, limit: int) -> AccountPage:
        """An account's balance and a page of its postings, oldest first, each with the other
        legs of its event. An account nothing was ever posted to has a balance of zero."""
        p, b = t.ledger_postings.c, t.ledger_balances.c
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(b.balance, b.currency, b.postings).where(b.account == name)
            ).first()
            rows = conn.execute(
                sa.select(p.position, p.leg, p.event, p.amount, p.currency, p.pledge_id,
                          p.recorded_at)
                .where(p.account == name).order_by(p.position, p.leg)
                .offset(offset).limit(limit)
            ).all()
            positions = sorted({r.position for r in rows})
            others: dict[int, list[tuple[str, Money]]] = {}
            if positions:
                for other in conn.execute(
                    sa.select(p.position, p.account, p.amount, p.currency)
                    .where(p.position.in_(positions), p.account != name)
                    .order_by(p.position, p.leg)
                ):
                    others.setdefault(other.position, []).append(
                        (other.account, Money(other.amount, other.currency))
                    )
        currency = row.currency if row else currency
        return AccountPage(
            account=name, currency=currency,
            balance=Money(row.balance if row else 0, currency),
            total=row.postings if row else 0,
            postings=[
                LedgerPosting(
                    position=r.position, event=r.event, amount=Money(r.amount, r.currency),
                    pledge_id=r.pledge_id, recorded_at=_aware(r.recorded_at),
                    counterparts=tuple(others.get(r.position, ())),
                )
                for r in rows
            ],
        )
