"""A community bond as issued, and the payments the city makes on it.

A bond offer's pilot was funded and its called commitments were paid in (or given up as unpaid):
the bond is issued for the capital paid in, held by its investors in the order they first
committed, and dated the day (UTC) its offer closed, from which interest runs. Its schedule
(`bonds.schedule`) and each line's shares (`bonds.split_schedule`) follow from what `Issued`
records, so they are the same on every replay.

Each line falls due once (`LineFellDue`, with every holder's interest and capital), on or after
its due date. Each holder's share is then paid out through the payments port: `PaidOut` names the
line and the payout's reference; a refusal is `PayoutFailed` (the processor's words for the
holder) and is tried again a day later, as often as it takes: what the city owes is never lost.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.investment.bonds import BondConditions, HolderPayment, ScheduleLine, schedule
from domain.investment.bonds import split_schedule as split
from domain.investment.payouts import PAID, PayoutState
from domain.kernel.aggregate import CivicAggregate
from domain.kernel.money import Money

ISSUED_BOND_NAMESPACE = UUID("9d3c1b7a-52e4-4f0d-8a61-3e7f2c9b5d40")


@dataclass
class Payout(PayoutState):
    """One holder's share of one line, as it stands."""

    line: int
    investor: str
    interest: int
    capital: int

    @property
    def amount(self) -> int:
        return self.interest + self.capital


def payout_key(line: int, investor: str) -> str:
    return f"{line}:{investor}"


class IssuedBond(CivicAggregate):
    @staticmethod
    def create_id(offer_id: UUID) -> UUID:
        return uuid.uuid5(ISSUED_BOND_NAMESPACE, str(offer_id))

    @event("Issued")
    def __init__(self, offer_id: UUID, project_id: UUID, city_id: UUID, currency: str,
                 issue_date: str, terms: dict[str, Any], holdings: list[list[Any]]):
        self.offer_id = offer_id
        self.project_id = project_id
        self.city_id = city_id
        self.currency = currency
        self.issue_date = issue_date
        self.terms = dict(terms)
        self.holdings = [[str(k), int(v)] for k, v in holdings]
        self.payouts: dict[str, Payout] = {}
        self.fallen_due: list[int] = []

    @classmethod
    def issue(cls, *, offer_id: UUID, project_id: UUID, city_id: UUID, currency: str,
              issued_on: date, terms: dict[str, Any],
              holdings: dict[UUID, int]) -> IssuedBond:
        BondConditions.parse(terms)
        return cls(offer_id=offer_id, project_id=project_id, city_id=city_id,
                   currency=currency, issue_date=issued_on.isoformat(), terms=terms,
                   holdings=[[str(k), v] for k, v in holdings.items()])

    # -- the schedule ----------------------------------------------------------------------

    @property
    def principal(self) -> Money:
        return Money(sum(v for _, v in self.holdings), self.currency)

    def schedule(self) -> list[ScheduleLine]:
        terms = BondConditions.parse(self.terms).issue(self.principal,
                                                       date.fromisoformat(self.issue_date))
        return schedule(terms)

    def shares(self) -> list[dict[str, HolderPayment]]:
        """Every line's share per holder (investor id text)."""
        return split(self.schedule(), {k: Money(v, self.currency) for k, v in self.holdings})

    # -- falling due and paying out --------------------------------------------------------

    def lines_due(self, today: date) -> list[ScheduleLine]:
        """Lines due by `today` not yet recorded as fallen due."""
        return [line for line in self.schedule()
                if line.due_date <= today and line.number not in self.fallen_due]

    def fall_due(self, today: date) -> list[int]:
        """Record every line due by `today` not yet recorded; returns their numbers."""
        if not self.lines_due(today):
            return []  # the holders' shares are only worked out when a line is due
        recorded = []
        for line, shares in zip(self.schedule(), self.shares(), strict=True):
            if line.due_date > today or line.number in self.fallen_due:
                continue
            self._fell_due(number=line.number, due_date=line.due_date.isoformat(),
                           shares=[[k, p.interest.minor, p.capital.minor]
                                   for k, p in shares.items() if p.total.minor > 0])
            recorded.append(line.number)
        return recorded

    @event("LineFellDue")
    def _fell_due(self, number: int, due_date: str, shares: list[list[Any]]) -> None:
        self.fallen_due.append(number)
        for investor, interest, capital in shares:
            self.payouts[payout_key(number, investor)] = Payout(number, investor, interest,
                                                                capital)

    def payouts_due(self, now: datetime) -> list[Payout]:
        return [p for p in self.payouts.values() if p.due(now)]

    def paid_out(self, payout: Payout, *, reference: str, today: date) -> None:
        if self.payouts[payout_key(payout.line, payout.investor)].state == PAID:
            return
        self._paid_out(line=payout.line, investor=payout.investor, interest=payout.interest,
                       capital=payout.capital, reference=reference, paid_on=today.isoformat())

    @event("PaidOut")
    def _paid_out(self, line: int, investor: str, interest: int, capital: int, reference: str,
                  paid_on: str) -> None:
        self.payouts[payout_key(line, investor)].record_paid(reference)

    def payout_failed(self, payout: Payout, *, message: str, now: datetime) -> None:
        found = self.payouts[payout_key(payout.line, payout.investor)]
        if found.state == PAID:
            return
        self._payout_failed(line=payout.line, investor=payout.investor,
                            **found.failure_fields(message, now))

    @event("PayoutFailed")
    def _payout_failed(self, line: int, investor: str, attempt: int, message: str,
                       retry_at: datetime) -> None:
        self.payouts[payout_key(line, investor)].record_failed(attempt, message, retry_at)
