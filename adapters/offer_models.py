"""Read models of investment offers: rm_offers, rm_investment_commitments and
rm_appropriateness (kinds, terms, windows, states; the money an offer holds is the ledger's
balance of its offer accounts, a commitment's own amount is its own)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Connection

from adapters import tables as t
from domain.investment.offer import (
    COMMITTED,
    PAID_IN,
    RELEASED,
    TO_PAY_IN,
    UNPAID,
    WITHDRAWN,
    Appropriateness,
    Offer,
)

Handler = Callable[[Connection, Any], None]


class OfferModels:
    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            Offer.Added: self.added,
            Offer.Committed: self.committed,
            Offer.Withdrawn: self._state(WITHDRAWN),
            Offer.Released: self._state(RELEASED),
            Offer.CalledToPayIn: self._state(TO_PAY_IN),
            Offer.PaidIn: self.paid_in,
            Offer.PayInFailed: self.pay_in_failed,
            Offer.PayInAbandoned: self._state(UNPAID),
            Offer.PaymentMethodChanged: self.method_changed,
            Appropriateness.Passed: self.passed,
        }

    def added(self, conn: Connection, e: Offer.Added) -> None:
        conn.execute(t.offers.insert().values(
            id=e.originator_id, project_id=e.project_id, city_id=e.city_id, kind=e.kind,
            currency=e.currency, target=e.target, minimum=e.minimum, maximum=e.maximum,
            min_ticket=e.min_ticket, opens_at=e.opens_at, closes_at=e.closes_at,
            terms=e.terms, added_at=e.timestamp,
        ))

    def committed(self, conn: Connection, e: Offer.Committed) -> None:
        offer = conn.execute(
            t.offers.select().with_only_columns(t.offers.c.currency, t.offers.c.project_id)
            .where(t.offers.c.id == e.originator_id)
        ).one()
        conn.execute(t.investment_commitments.insert().values(
            id=e.commitment_id, offer_id=e.originator_id, project_id=offer.project_id,
            investor_id=e.investor_id, amount=e.amount, currency=offer.currency,
            state=COMMITTED, committed_at=e.timestamp, updated_at=e.timestamp,
        ))

    def passed(self, conn: Connection, e: Appropriateness.Passed) -> None:
        conn.execute(t.appropriateness.insert().values(account_id=e.account_id,
                                                       passed_at=e.timestamp))

    def paid_in(self, conn: Connection, e: Offer.PaidIn) -> None:
        c = t.investment_commitments.c
        conn.execute(t.investment_commitments.update().where(c.id == e.commitment_id).values(
            state=PAID_IN, paid_on=date.fromisoformat(e.paid_on), failure="", retry_at=None,
            updated_at=e.timestamp))

    def pay_in_failed(self, conn: Connection, e: Offer.PayInFailed) -> None:
        c = t.investment_commitments.c
        conn.execute(t.investment_commitments.update().where(c.id == e.commitment_id).values(
            attempts=e.attempt, failure=e.message, retry_at=e.retry_at, updated_at=e.timestamp))

    def method_changed(self, conn: Connection, e: Offer.PaymentMethodChanged) -> None:
        c = t.investment_commitments.c
        conn.execute(t.investment_commitments.update().where(c.id == e.commitment_id).values(
            retry_at=None, updated_at=e.timestamp))

    @staticmethod
    def _state(state: str) -> Handler:
        def handler(conn: Connection, e: Any) -> None:
            c = t.investment_commitments.c
            conn.execute(
                t.investment_commitments.update().where(c.id == e.commitment_id)
                .values(state=state, updated_at=e.timestamp)
            )
        return handler
