"""The ledger read model: each money event's postings (from the domain's bookkeeper) and every
account's balance, kept in the same transaction as the other read models and their position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.many_rows import ManyRows
from domain.kernel.money import Money
from domain.ledger.bookkeeping import Bookkeeper
from domain.ledger.postings import Posting


class SqlFacts:
    """The bookkeeper's facts in `ledger_facts`, read through a cache for the batch of events
    being applied and written back once at its end (`flush`)."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.cache: dict[str, dict[str, Any] | None] = {}
        self.dirty: set[str] = set()

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self.cache:
            self.cache[key] = self.conn.execute(
                sa.select(t.ledger_facts.c.value).where(t.ledger_facts.c.key == key)
            ).scalar()
        found = self.cache[key]
        return dict(found) if found is not None else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.cache[key] = dict(value)
        self.dirty.add(key)

    def flush(self) -> None:
        if not self.dirty:
            return
        _FACTS.run(self.conn, [{"key": key, "value": self.cache[key]}
                               for key in sorted(self.dirty)])
        self.dirty.clear()


def _facts(insert: Any) -> Any:
    statement = insert(t.ledger_facts)
    return statement.on_conflict_do_update(index_elements=["key"],
                                           set_={"value": statement.excluded.value})


def _balances(insert: Any) -> Any:
    statement = insert(t.ledger_balances)
    b = t.ledger_balances.c
    return statement.on_conflict_do_update(
        index_elements=["account"],
        set_={"balance": b.balance + statement.excluded.balance,
              "postings": b.postings + statement.excluded.postings,
              "position": statement.excluded.position},
    )


_FACTS = ManyRows(_facts)
_POSTINGS = ManyRows(t.ledger_postings.insert())
_BALANCES = ManyRows(_balances)


class _Batch:
    """What a batch of events adds to the ledger, written at once when the batch ends: the
    postings in one insert, one upsert per account touched, the facts learned."""

    def __init__(self, conn: Connection):
        self.facts = SqlFacts(conn)
        self.books = Bookkeeper(self.facts)
        self.postings: list[dict[str, Any]] = []
        self.balances: dict[str, dict[str, Any]] = {}

    def add(self, postings: list[Posting], position: int, event: str, when: Any) -> None:
        for leg, p in enumerate(postings):
            self.postings.append(_row(p, position, leg, event, when))
            found = self.balances.get(p.account.name)
            if found is None:
                self.balances[p.account.name] = {
                    "account": p.account.name, "owner": p.account.owner,
                    "owner_id": p.account.owner_id, "bucket": p.account.bucket,
                    "project_id": p.account.project_id, "currency": p.currency,
                    "balance": p.amount, "postings": 1, "position": position,
                }
            else:
                found["balance"] += p.amount
                found["postings"] += 1
                found["position"] = position

    def flush(self, conn: Connection) -> None:
        self.facts.flush()
        _POSTINGS.run(conn, self.postings)
        _BALANCES.run(conn, [self.balances[name] for name in sorted(self.balances)])
        self.postings, self.balances = [], {}


BATCH_KEY = "civicfund_ledger_batch"


class LedgerModels:
    """Applies events' postings to ledger_postings and ledger_balances. Within a batch of the
    projection follower (`begin` ... `end`) they are gathered and written once at its end."""

    def begin(self, conn: Connection) -> None:
        conn.info[BATCH_KEY] = _Batch(conn)

    def end(self, conn: Connection) -> None:
        batch = conn.info.pop(BATCH_KEY, None)
        if batch is not None:
            batch.flush(conn)

    def abandon(self, conn: Connection) -> None:
        conn.info.pop(BATCH_KEY, None)

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if not Bookkeeper.moves_money(event):
            return
        batch = conn.info.get(BATCH_KEY)
        alone = batch is None
        if alone:
            batch = _Batch(conn)
        postings = batch.books.record(event)
        batch.add(postings, position, type(event).__qualname__, event.timestamp)
        if alone:
            batch.flush(conn)


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
