"""What pages and the API read about investment offers: offers with the ledger's figures (what
investors hold in each), investors' commitments, whether an account passed the appropriateness
check, and what investors hold for a pilot (`invested`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import among
from domain.investment.liabilities import (
    BondLiability,
    CurrencyTotal,
    bond_liability,
    issue_date,
    totals,
)
from domain.investment.offer import COMMUNITY_BOND
from domain.kernel.money import Money

OFFER = "offer"
FUNDED_STATUSES = ("funded", "delivering", "completed")
HELD_BUCKETS = ("committed", "due", "paidin")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _held_in(offer_id: Any) -> Any:
    """What investors hold in one offer (committed and due), as a column of the outer query."""
    b = t.ledger_balances.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
        .where(b.owner == OFFER, b.owner_id == offer_id, among(b.bucket, HELD_BUCKETS))
        .scalar_subquery()
    )


def invested_on(project_id: Any) -> Any:
    """What investors hold for a pilot in offers that reached their minimum (what the funding
    decision counts), as a column of the outer query."""
    o = t.offers.c
    held = _held_in(o.id).correlate(t.offers)
    return (
        sa.select(sa.func.coalesce(sa.func.sum(held), 0))
        .where(o.project_id == project_id, held >= o.minimum)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class OfferView:
    id: UUID
    project_id: UUID
    project_title: str
    project_status: str
    city_id: UUID
    kind: str
    currency: str
    target: Money
    minimum: Money
    maximum: Money
    min_ticket: Money
    opens_at: datetime
    closes_at: datetime
    terms: dict[str, Any]
    held: Money  # committed, due and paid in, from the ledger

    @property
    def left(self) -> Money:
        return Money(max(self.maximum.minor - self.held.minor, 0), self.currency)

    @property
    def reached_minimum(self) -> bool:
        return self.held >= self.minimum

    def is_open(self, now: datetime) -> bool:
        return (self.project_status == "open" and self.opens_at <= now < self.closes_at)


@dataclass(frozen=True)
class LiabilitiesView:
    bonds: list[BondLiability]
    totals: list[CurrencyTotal]


@dataclass(frozen=True)
class InvestmentView:
    id: UUID
    offer_id: UUID
    project_id: UUID
    project_title: str
    investor_id: UUID
    amount: Money
    state: str
    committed_at: datetime
    offer_closes_at: datetime
    failure: str = ""  # the last failed pay-in's words, while it is still to pay in


class OfferQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]  # ReadModelQueries's: run a statement on the read engine

    def _offers(self, *conditions: Any) -> list[OfferView]:
        o, p = t.offers.c, t.projects.c
        query = (
            sa.select(t.offers, p.title.label("project_title"),
                      p.status.label("project_status"), _held_in(o.id).label("held"))
            .join(t.projects, p.id == o.project_id)
            .where(*conditions)
            .order_by(o.closes_at, o.id)
        )
        return [
            OfferView(
                id=r.id, project_id=r.project_id, project_title=r.project_title,
                project_status=r.project_status, city_id=r.city_id, kind=r.kind,
                currency=r.currency, target=Money(r.target, r.currency),
                minimum=Money(r.minimum, r.currency), maximum=Money(r.maximum, r.currency),
                min_ticket=Money(r.min_ticket, r.currency), opens_at=_aware(r.opens_at),
                closes_at=_aware(r.closes_at), terms=r.terms,
                held=Money(int(r.held or 0), r.currency),
            )
            for r in self._all(query)
        ]

    def offers(self, *, include_drafts: bool = False) -> list[OfferView]:
        """Every offer on a public pilot (a draft pilot's offers with `include_drafts`)."""
        if include_drafts:
            return self._offers()
        return self._offers(t.projects.c.status != "draft")

    def offer(self, offer_id: UUID) -> OfferView | None:
        found = self._offers(t.offers.c.id == offer_id)
        return found[0] if found else None

    def offers_on(self, project_id: UUID) -> list[OfferView]:
        return self._offers(t.offers.c.project_id == project_id)

    def city_liabilities(self, city_id: UUID, today: date) -> LiabilitiesView:
        """The city's funded community bonds by their schedules on `today` (the rule is
        domain/investment/liabilities.py), with totals per currency."""
        bonds = [
            bond_liability(offer_id=o.id, project_id=o.project_id, project_title=o.project_title,
                           terms=o.terms, principal=o.held, issue_date=issue_date(o.closes_at),
                           today=today)
            for o in self._offers(t.offers.c.city_id == city_id,
                                  t.offers.c.kind == COMMUNITY_BOND,
                                  among(t.projects.c.status, FUNDED_STATUSES))
            if o.held.is_positive()
        ]
        bonds.sort(key=lambda b: (b.currency, b.due[0].due_date if b.due else b.maturity,
                                  b.project_title))
        return LiabilitiesView(bonds, totals(bonds))

    def passed_appropriateness(self, account_id: UUID) -> bool:
        return self.appropriateness_passed_at(account_id) is not None

    def appropriateness_passed_at(self, account_id: UUID) -> datetime | None:
        a = t.appropriateness.c
        rows = self._all(sa.select(a.passed_at).where(a.account_id == account_id))
        return _aware(rows[0].passed_at) if rows else None

    def _investments(self, *conditions: Any) -> list[InvestmentView]:
        c, o, p = t.investment_commitments.c, t.offers.c, t.projects.c
        query = (
            sa.select(t.investment_commitments, p.title.label("project_title"),
                      o.closes_at.label("offer_closes_at"))
            .join(t.offers, o.id == c.offer_id)
            .join(t.projects, p.id == c.project_id)
            .where(*conditions)
            .order_by(c.committed_at, c.id)
        )
        return [
            InvestmentView(
                id=r.id, offer_id=r.offer_id, project_id=r.project_id,
                project_title=r.project_title, investor_id=r.investor_id,
                amount=Money(int(r.amount), r.currency), state=r.state,
                committed_at=_aware(r.committed_at),
                offer_closes_at=_aware(r.offer_closes_at),
                failure=r.failure if r.state == "to_pay_in" else "",
            )
            for r in self._all(query)
        ]

    def investment(self, commitment_id: UUID) -> InvestmentView | None:
        found = self._investments(t.investment_commitments.c.id == commitment_id)
        return found[0] if found else None

    def investments_of(self, investor_id: UUID) -> list[InvestmentView]:
        return self._investments(t.investment_commitments.c.investor_id == investor_id)
