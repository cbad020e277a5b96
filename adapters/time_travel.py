"""The platform as it stood at a position in the log: any aggregate rebuilt from its events up
to there, and every project's, fund's and offer's figures from the log replayed into the ledger
by the domain's bookkeeping (the same replay as `civicfund ledger audit`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.event_log_queries import EventLog, LoggedEvent, plain
from adapters.ledger_audit import replay_ledger
from domain.kernel.money import Money

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
    audit = replay_ledger(app, up_to=checked_position(log, position))
    existing = log.created_by(position)
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
