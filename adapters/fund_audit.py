"""An auditor's check of the matching funds: each fund's balances recomputed from the event log
alone, with none of the aggregate's or the projections' code, set beside the read models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from adapters.queries import FundView, ReadModelQueries
from domain.money import Money

_EVENTS = (
    "Created", "ToppedUp", "MatchReserved", "MatchCommitted", "MatchReleased", "GrantReserved",
    "GrantCommitted", "GrantReleased", "RoundShared", "Closed",
)
TOPICS = tuple(f"domain.matching_fund:MatchingFund.{name}" for name in _EVENTS)
PAGE = 1000


@dataclass
class FundFromLog:
    """One fund's money as its events say, and anything in them that should never happen."""

    fund_id: UUID
    currency: str
    pool: int = 0
    committed: int = 0
    reserved: int = 0
    returned: int = 0
    closed: bool = False
    matches: dict[UUID, list[Any]] = field(default_factory=dict)  # pledge -> [amount, state]
    grants: dict[UUID, list[Any]] = field(default_factory=dict)  # project -> [amount, state]
    problems: list[str] = field(default_factory=list)

    @property
    def available(self) -> int:
        return self.pool - self.committed - self.reserved - self.returned

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    def apply(self, name: str, e: Any) -> None:
        if name == "ToppedUp":
            self.pool += e.amount
        elif name == "MatchReserved":
            if e.pledge_id in self.matches:
                self.problems.append(f"pledge {e.pledge_id} was matched twice")
            self.matches[e.pledge_id] = [e.amount, "reserved"]
            self.reserved += e.amount
        elif name in ("MatchCommitted", "GrantCommitted"):
            key = e.pledge_id if name == "MatchCommitted" else e.project_id
            entry = (self.matches if name == "MatchCommitted" else self.grants).get(key)
            if entry is None or entry[1] != "reserved":
                self.problems.append(f"{key} was committed without a reserved match")
                return
            entry[1] = "committed"
            self.reserved -= entry[0]
            self.committed += entry[0]
        elif name in ("MatchReleased", "GrantReleased"):
            key = e.pledge_id if name == "MatchReleased" else e.project_id
            entry = (self.matches if name == "MatchReleased" else self.grants).get(key)
            if entry is None or entry[1] == "released":
                self.problems.append(f"{key} was released twice or never matched")
                return
            if entry[1] == "committed":
                self.committed -= entry[0]
            else:
                self.reserved -= entry[0]
            entry[1] = "released"
            if self.closed:
                self.returned += entry[0]
        elif name == "GrantReserved":
            self.grants[e.project_id] = [e.amount, "reserved"]
            self.reserved += e.amount
        elif name == "RoundShared":
            for project, amount in e.shares.items():
                self.grants[UUID(project)] = [amount, "reserved"]
                self.reserved += amount
        elif name == "Closed":
            self.closed = True
            self.returned += e.returned
        if self.available < 0:
            self.problems.append(
                f"the pool was over-committed by {self.money(-self.available).display()} "
                f"at event {e.originator_version}"
            )


def funds_from_log(app: Any) -> dict[UUID, FundFromLog]:
    """Every fund, replayed from the log's fund events in the order they were recorded."""
    funds: dict[UUID, FundFromLog] = {}
    position = 0
    while True:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE, topics=TOPICS)
        for notification in page:
            e = app.mapper.to_domain_event(notification)
            name = notification.topic.rsplit(".", 1)[-1]
            if name == "Created":
                funds[e.originator_id] = FundFromLog(e.originator_id, e.currency, pool=e.pool)
            else:
                funds[e.originator_id].apply(name, e)
        if len(page) < PAGE:
            return funds
        position = page[-1].id


@dataclass
class FundAudit:
    from_log: FundFromLog
    read: FundView | None
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences and not self.from_log.problems


def audit_funds(app: Any, read: ReadModelQueries) -> list[FundAudit]:
    """Each fund from the log beside what the pages and the API show."""
    audits = []
    for fund_id, fund in funds_from_log(app).items():
        shown = read.matching_fund(fund_id)
        differences = []
        if shown is None:
            differences.append("the read models do not have this fund")
        else:
            for label in ("pool", "committed", "reserved", "returned", "available"):
                logged, displayed = fund.money(getattr(fund, label)), getattr(shown, label)
                if logged != displayed:
                    differences.append(
                        f"{label}: the log says {logged.display()}, the pages {displayed.display()}"
                    )
        audits.append(FundAudit(fund, shown, differences))
    return audits
