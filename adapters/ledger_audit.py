"""The auditor's check of the ledger: the whole log replayed into postings by the domain's
bookkeeping alone, every event's postings balanced, no account ever on the wrong side of zero,
no pledge matched twice by a fund, and every balance equal to what the read models (and so the
pages and the API) show."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from domain.kernel.money import Money
from domain.ledger.bookkeeping import Bookkeeper, MemoryFacts
from domain.ledger.chart import Account
from domain.ledger.postings import Unbalanced, crosses_sign

PAGE = 1000
FUND_FIGURES = ("pool", "committed", "reserved", "returned", "available")


@dataclass
class LedgerAudit:
    events: int = 0
    postings: int = 0
    balances: dict[str, int] = field(default_factory=dict)  # account -> balance, from the log
    currencies: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # in the log itself
    differences: list[str] = field(default_factory=list)  # between the log and the read models
    # fund -> what pilots' benefits added to its pool (moved straight into what is available)
    benefit_top_ups: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences

    def money(self, account: str) -> Money:
        return Money(self.balances.get(account, 0), self.currencies.get(account, "EUR"))

    def fund_figures(self) -> dict[UUID, dict[str, Money]]:
        """Each fund's pool, committed, reserved, returned and available, from the log."""
        minor: dict[UUID, Counter] = defaultdict(Counter)
        currency: dict[UUID, str] = {}
        for name, account in self.accounts.items():
            if account.owner != "fund":
                continue
            fund = minor[account.owner_id]
            currency[account.owner_id] = self.currencies[name]
            balance = self.balances[name]
            if account.bucket == "sponsor":
                fund["pool"] -= balance
            else:
                fund[account.bucket] += balance
        for fund_id, figures in minor.items():
            figures["pool"] += self.benefit_top_ups[fund_id]
        return {
            fund_id: {label: Money(figures[label], currency[fund_id]) for label in FUND_FIGURES}
            for fund_id, figures in minor.items()
        }


def audit_ledger(app: Any, engine: sa.Engine) -> LedgerAudit:
    audit = replay_ledger(app)
    with engine.connect() as conn:
        shown = {row.account: row.balance for row in conn.execute(
            sa.select(t.ledger_balances.c.account, t.ledger_balances.c.balance)
        )}
    for name in sorted(set(shown) | set(audit.balances)):
        logged, displayed = audit.balances.get(name, 0), shown.get(name, 0)
        if logged != displayed:
            currency = audit.currencies.get(name, "EUR")
            audit.differences.append(
                f"{name}: the log says {Money(logged, currency).display()}, the read models "
                f"{Money(displayed, currency).display()}"
            )
    return audit


def replay_ledger(app: Any, up_to: int | None = None) -> LedgerAudit:
    """The ledger from the log alone (up to and including a position, if given), with what should
    never happen in it."""
    audit = LedgerAudit()
    books = Bookkeeper(MemoryFacts())
    reserved: Counter = Counter()  # (fund, pledge) -> times matched
    position = 0
    while True:
        page = app.recorder.select_notifications(start=position + 1, limit=PAGE, stop=up_to)
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if not Bookkeeper.moves_money(event):
                continue
            audit.events += 1
            where = f"{type(event).__qualname__} at position {notification.id}"
            try:
                postings = books.record(event)
            except Unbalanced as error:
                audit.problems.append(f"{where}: {error}")
                continue
            except KeyError as error:
                audit.problems.append(f"{where}: {error.args[0]}")
                continue
            if type(event).__qualname__ == "MatchingFund.ToppedUpByBenefits":
                audit.benefit_top_ups[event.originator_id] += event.amount
            if type(event).__qualname__ == "MatchingFund.MatchReserved":
                key = (event.originator_id, event.pledge_id)
                reserved[key] += 1
                if reserved[key] > 1:
                    audit.problems.append(f"{where}: pledge {event.pledge_id} matched twice")
            for posting in postings:
                name = posting.account.name
                audit.postings += 1
                audit.accounts[name] = posting.account
                audit.currencies[name] = posting.currency
                audit.balances[name] = audit.balances.get(name, 0) + posting.amount
            for posting in postings:
                name = posting.account.name
                if crosses_sign(posting.account, audit.balances[name]):
                    audit.problems.append(
                        f"{where}: {name} went to {audit.money(name).display()}"
                        + (" (over-committed)" if posting.account.bucket == "available" else "")
                    )
        if len(page) < PAGE:
            return audit
        position = page[-1].id
