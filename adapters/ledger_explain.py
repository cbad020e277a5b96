"""Every money figure the pages show, as the ledger postings that make it up.

A figure is a sum of postings: those of some of one owner's accounts (a project's pledged and
charged money is what it raised), or of the accounts other owners hold for a project (what
matching funds reserved and committed for it is what it was matched). `explain` lists them in
log order with a running sum, which ends at the figure shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.i18n import N_
from adapters.queries import TOPPED_UP_BY_BENEFITS
from adapters.storage import among
from domain.kernel.money import Money


@dataclass(frozen=True)
class Part:
    """Postings of an owner's accounts in these buckets, or (`for_project`) of the accounts
    owners of this kind hold for the project."""

    owner: str
    buckets: tuple[str, ...]
    for_project: bool = False
    sign: int = 1  # -1 for a source account read as a positive figure (a fund's pool)
    events: tuple[str, ...] = ()  # only the postings of these events, when given


RAISED = Part("project", ("pledged", "charged"))
MATCHED = Part("fund", ("reserved", "committed"), for_project=True)
COMMITTED = Part("budget-line", ("committed", "drawn"), for_project=True)
INVESTED = Part("offer", ("committed", "due"), for_project=True)  # offers at their minimum only

FIGURES: dict[str, dict[str, tuple[Part, ...]]] = {
    "project": {
        "raised": (RAISED,), "pending": (Part("project", ("pending",)),),
        "payout": (Part("project", ("payout",)),), "matched": (MATCHED,),
        "committed": (COMMITTED,), "invested": (INVESTED,),
        "total": (RAISED, MATCHED, COMMITTED, INVESTED),
    },
    "fund": {
        # What the sponsor put up, and what pilots' benefits added (their community fund's
        # share of each distribution, moved straight into what is available).
        "pool": (Part("fund", ("sponsor",), sign=-1),
                 Part("fund", ("available",), events=(TOPPED_UP_BY_BENEFITS,))),
        **{bucket: (Part("fund", (bucket,)),)
           for bucket in ("available", "reserved", "committed", "returned")},
    },
    "offer": {"held": (Part("offer", ("committed", "due")),)},
}

LABELS = {
    "raised": N_("raised from the crowd (pledged and charged)"), "pending": N_("pending"),
    "payout": N_("paid out"), "matched": N_("held by matching funds (reserved and committed)"),
    "committed": N_("committed"),
    "invested": N_("held by investors in offers at their minimum"),
    "total": N_("total (crowd, matches, departments and investors)"),
    "pool": N_("put up by the sponsor and by pilots' benefits"), "available": N_("available"),
    "reserved": N_("reserved"),
    "returned": N_("returned to the sponsor"), "held": N_("committed by investors"),
}


@dataclass(frozen=True)
class Line:
    position: int
    recorded_at: datetime
    event: str
    account: str
    amount: Money
    running: Money


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _offers_at_minimum(conn: sa.Connection, project_id: UUID) -> list[UUID]:
    o, b = t.offers.c, t.ledger_balances.c
    held = (sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
            .where(b.owner == "offer", b.owner_id == o.id, among(b.bucket, ("committed", "due")))
            .scalar_subquery())
    return list(conn.scalars(sa.select(o.id).where(o.project_id == project_id,
                                                   held >= o.minimum)))


def _condition(conn: sa.Connection, part: Part, owner: str, owner_id: UUID) -> Any:
    p = t.ledger_postings.c
    if not part.for_project:
        condition = sa.and_(p.owner == part.owner, p.owner_id == owner_id,
                            among(p.bucket, part.buckets))
        return sa.and_(condition, p.event.in_(part.events)) if part.events else condition
    condition = sa.and_(p.owner == part.owner, p.project_id == owner_id,
                        among(p.bucket, part.buckets))
    if part is INVESTED:
        condition = sa.and_(condition, p.owner_id.in_(_offers_at_minimum(conn, owner_id)))
    return condition


def explain(engine: sa.Engine, owner: str, owner_id: UUID, figure: str, currency: str
            ) -> list[Line]:
    """The postings behind one figure in log order, each with the running sum."""
    p = t.ledger_postings.c
    found: list[tuple[int, int, Any, int]] = []  # position, leg, row, sign
    with engine.connect() as conn:
        for part in FIGURES[owner][figure]:
            rows = conn.execute(
                sa.select(p.position, p.leg, p.recorded_at, p.event, p.account, p.amount)
                .where(_condition(conn, part, owner, owner_id))
            ).all()
            found.extend((row.position, row.leg, row, part.sign) for row in rows)
    lines, running = [], 0
    for _position, _leg, row, sign in sorted(found, key=lambda item: item[:2]):
        running += sign * row.amount
        lines.append(Line(row.position, _aware(row.recorded_at), row.event, row.account,
                          Money(sign * row.amount, currency), Money(running, currency)))
    return lines
