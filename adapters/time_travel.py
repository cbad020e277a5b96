"""The platform as it stood at a position in the log: any aggregate rebuilt from its events up
to there, and every project's, fund's and offer's figures from the ledger's balances then.

Those balances are the ledger's postings summed up to the position (ledger_postings holds every
posting with its event's position, written by the projection in the same transaction as its
position moves). Positions the projection has not reached yet are replayed from the log by the
domain's bookkeeping (the replay of `civicfund ledger audit`, which also checks that the postings
equal the log's)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.event_log_queries import EventLog, LoggedEvent, plain
from adapters.ledger_audit import LedgerAudit, replay_ledger
from adapters.projections import ReadModels
from domain.kernel.money import Money
from domain.ledger.chart import Account

PROJECT_FIGURES = ("raised", "matched", "committed", "invested", "total")
# Which buckets of whose accounts make up each of a project's figures (as adapters/queries.py
# reads them from the read models' balances).
_RAISED = ("pledged", "charged")
_MATCHED = ("reserved", "committed")  # of funds, for the project
_COMMITTED = ("committed", "drawn")  # of budget lines, for the project
_HELD = ("committed", "due")  # of offers


class UnknownPosition(LookupError):
    """A position beyond the log's newest (or before its first)."""


@dataclass(frozen=True)
class AggregateAsOf:
    aggregate_id: UUID
    position: int
    version: int
    kind: str
    state: dict[str, Any]
    events: list[LoggedEvent]


@dataclass(frozen=True)
class FiguresAsOf:
    position: int
    projects: dict[UUID, dict[str, Money]]
    funds: dict[UUID, dict[str, Money]]
    offers: dict[UUID, dict[str, Any]]


def checked_position(log: EventLog, position: int) -> int:
    newest = log.newest()
    if position < 0 or position > newest:
        raise UnknownPosition(f"The log has positions 0 to {newest}; there is no position "
                              f"{position}")
    return position


def aggregate_as_of(app: Any, log: EventLog, aggregate_id: UUID, position: int
                    ) -> AggregateAsOf | None:
    """The aggregate rebuilt from its events up to the position; None if it had none by then."""
    events = log.history(aggregate_id, until=checked_position(log, position))
    if not events:
        return None
    version = events[-1].aggregate_version
    aggregate = app.repository.get(aggregate_id, version=version)
    state = {key: plain(value) for key, value in vars(aggregate).items()
             if not key.startswith("_") and key != "pending_events"}
    return AggregateAsOf(aggregate_id, position, version, type(aggregate).__name__, state, events)


def figures_as_of(app: Any, engine: sa.Engine, log: EventLog, position: int) -> FiguresAsOf:
    checked_position(log, position)
    with engine.connect() as conn:
        audit = ledger_as_of(conn, position)
    if audit is None:
        audit = replay_ledger(app, up_to=position)
    by_owner: dict[tuple[str, UUID], Counter] = defaultdict(Counter)
    for name, account in audit.accounts.items():
        balance = audit.balances[name]
        by_owner[(account.owner, account.owner_id)][account.bucket] += balance
        if account.project_id is not None and account.owner in ("fund", "budget-line"):
            by_owner[(f"{account.owner}-for", account.project_id)][account.bucket] += balance
    with engine.connect() as conn:
        projects = conn.execute(sa.select(t.projects.c.id, t.projects.c.currency)).all()
        funds = conn.execute(sa.select(t.matching_funds.c.id, t.matching_funds.c.currency)).all()
        offers = conn.execute(sa.select(t.offers.c.id, t.offers.c.project_id,
                                        t.offers.c.currency, t.offers.c.minimum)).all()
    existing = log.created_by(position, among=[row.id for row in (*projects, *funds, *offers)])
    offer_figures: dict[UUID, dict[str, Any]] = {}
    invested: Counter = Counter()
    for offer in offers:
        if offer.id not in existing:
            continue
        held = sum(by_owner[("offer", offer.id)][bucket] for bucket in _HELD)
        reached = held >= offer.minimum
        offer_figures[offer.id] = {
            "project_id": offer.project_id, "subscribed": Money(held, offer.currency),
            "minimum": Money(offer.minimum, offer.currency), "reached_minimum": reached,
        }
        if reached:
            invested[offer.project_id] += held
    project_figures: dict[UUID, dict[str, Money]] = {}
    for project in projects:
        if project.id not in existing:
            continue
        own = by_owner[("project", project.id)]
        minor = {
            "raised": sum(own[b] for b in _RAISED),
            "matched": sum(by_owner[("fund-for", project.id)][b] for b in _MATCHED),
            "committed": sum(by_owner[("budget-line-for", project.id)][b] for b in _COMMITTED),
            "invested": invested[project.id],
        }
        minor["total"] = sum(minor.values())
        project_figures[project.id] = {k: Money(v, project.currency) for k, v in minor.items()}
    from_log = audit.fund_figures()
    fund_figures = {
        fund.id: from_log.get(fund.id) or {label: Money(0, fund.currency) for label in
                                           ("pool", "committed", "reserved", "returned",
                                            "available")}
        for fund in funds if fund.id in existing
    }
    return FiguresAsOf(position, project_figures, fund_figures, offer_figures)


TOPPED_UP_BY_BENEFITS = "MatchingFund.ToppedUpByBenefits"


def ledger_as_of(conn: sa.Connection, position: int) -> LedgerAudit | None:
    """Every account's balance at a position, from the postings up to there; None if the
    projection has not reached the position yet."""
    projected = conn.execute(sa.select(t.projection_positions.c.position).where(
        t.projection_positions.c.name == ReadModels.name)).scalar()
    if projected is None or projected < position:
        return None
    p = t.ledger_postings.c
    audit = LedgerAudit()
    rows = conn.execute(
        sa.select(p.account, p.owner, p.owner_id, p.bucket, p.project_id, p.currency,
                  sa.func.sum(p.amount), sa.func.count())
        .where(p.position <= position)
        .group_by(p.account, p.owner, p.owner_id, p.bucket, p.project_id, p.currency))
    for name, owner, owner_id, bucket, project_id, currency, balance, count in rows:
        audit.accounts[name] = Account(owner, owner_id, bucket, project_id)
        audit.currencies[name] = currency
        audit.balances[name] = audit.balances.get(name, 0) + int(balance)
        audit.postings += int(count)
    for fund_id, amount in conn.execute(
            sa.select(p.owner_id, sa.func.sum(p.amount))
            .where(p.event == TOPPED_UP_BY_BENEFITS, p.owner == "fund", p.amount > 0,
                   p.position <= position)
            .group_by(p.owner_id)):
        audit.benefit_top_ups[fund_id] += int(amount)
    return audit
