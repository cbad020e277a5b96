"""Read models of investment money: rm_issued_bonds, rm_bond_payouts, rm_distribution_payouts
and rm_investment_cash_flows (every investor's cash flows per holding, each naming the event's
position in the log and why it happened: the commitment paid in, the schedule line, or the
benefit report, tier and agreement version). The amounts are the ledger's as well; these rows
say when and why."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy import Connection

from adapters import tables as t
from domain.investment.agreement import Agreement, investor_amounts
from domain.investment.issued_bond import IssuedBond
from domain.investment.offer import Offer
from domain.investment.payouts import FAILED, OWED, PAID

PAID_IN, INTEREST, CAPITAL, DISTRIBUTION = "paid_in", "interest", "capital", "distribution"
KINDS = (PAID_IN, INTEREST, CAPITAL, DISTRIBUTION)


class PortfolioModels:
    def apply(self, conn: Connection, event: Any, position: int) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, conn, event, position)

    def _flow(self, conn: Connection, position: int, seq: int, **row: Any) -> None:
        conn.execute(t.investment_cash_flows.insert().values(position=position, seq=seq, **row))

    def paid_in(self, conn: Connection, e: Offer.PaidIn, position: int) -> None:
        c = t.investment_commitments.c
        row = conn.execute(sa.select(c.investor_id, c.project_id, c.currency)
                           .where(c.id == e.commitment_id)).one()
        self._flow(conn, position, 0, investor_id=row.investor_id, offer_id=e.originator_id,
                   project_id=row.project_id, on=date.fromisoformat(e.paid_on),
                   amount=-e.amount, currency=row.currency, kind=PAID_IN, tier=None,
                   reason=f"Paid in commitment {e.commitment_id}")

    def issued(self, conn: Connection, e: IssuedBond.Issued, position: int) -> None:
        conn.execute(t.issued_bonds.insert().values(
            offer_id=e.offer_id, bond_id=e.originator_id, project_id=e.project_id,
            city_id=e.city_id, currency=e.currency,
            issue_date=date.fromisoformat(e.issue_date), terms=e.terms, holdings=e.holdings))

    def _offer_of(self, conn: Connection, bond_id: UUID) -> Any:
        b = t.issued_bonds.c
        return conn.execute(sa.select(b.offer_id, b.project_id, b.currency).where(
            b.bond_id == bond_id)).one()

    def fell_due(self, conn: Connection, e: IssuedBond.LineFellDue, position: int) -> None:
        bond = self._offer_of(conn, e.originator_id)
        for investor, interest, capital in e.shares:
            conn.execute(t.bond_payouts.insert().values(
                offer_id=bond.offer_id, line=e.number, investor_id=UUID(investor),
                due_date=date.fromisoformat(e.due_date), interest=interest, capital=capital,
                currency=bond.currency, state=OWED, attempts=0, failure="", retry_at=None,
                reference=None, updated_at=e.timestamp))

    def _payout(self, conn: Connection, bond_id: UUID, line: int, investor: str,
                **values: Any) -> Any:
        bond = self._offer_of(conn, bond_id)
        p = t.bond_payouts.c
        conn.execute(t.bond_payouts.update().where(
            p.offer_id == bond.offer_id, p.line == line, p.investor_id == UUID(investor)
        ).values(**values))
        return bond

    def paid_out(self, conn: Connection, e: IssuedBond.PaidOut, position: int) -> None:
        bond = self._payout(conn, e.originator_id, e.line, e.investor, state=PAID,
                            reference=e.reference, failure="", retry_at=None,
                            updated_at=e.timestamp)
        due = conn.execute(sa.select(t.bond_payouts.c.due_date).where(
            t.bond_payouts.c.offer_id == bond.offer_id, t.bond_payouts.c.line == e.line,
            t.bond_payouts.c.investor_id == UUID(e.investor))).scalar_one()
        for seq, (kind, amount) in enumerate(((INTEREST, e.interest), (CAPITAL, e.capital))):
            if amount:
                self._flow(conn, position, seq, investor_id=UUID(e.investor),
                           offer_id=bond.offer_id, project_id=bond.project_id,
                           on=date.fromisoformat(e.paid_on), amount=amount,
                           currency=bond.currency, kind=kind, tier=None,
                           reason=f"Schedule line {e.line} due {due.isoformat()}: {kind}")

    def payout_failed(self, conn: Connection, e: IssuedBond.PayoutFailed, position: int) -> None:
        self._payout(conn, e.originator_id, e.line, e.investor, state=FAILED,
                     attempts=e.attempt, failure=e.message, retry_at=e.retry_at,
                     updated_at=e.timestamp)

    def distributed(self, conn: Connection, e: Agreement.Distributed, position: int) -> None:
        a = t.agreements.c
        agreement = conn.execute(sa.select(a.project_id, a.offer_id, a.currency)
                                 .where(a.agreement_id == e.originator_id)).one()
        # Distributions recorded before they carried their day are dated by their timestamp.
        on = (date.fromisoformat(e.distributed_on) if getattr(e, "distributed_on", None)
              else e.timestamp.date())
        if getattr(e, "pays_out", False):
            # Owed until paid out: the cash flows are the payout's (dated when it is paid).
            tiers: dict[str, list[list[int]]] = {}
            for p in e.payments:
                if p["investor"] is not None and p["amount"]:
                    tiers.setdefault(str(p["investor"]), []).append([p["tier"], p["amount"]])
            rows = [dict(report_id=UUID(e.report_id), investor_id=UUID(investor),
                         offer_id=agreement.offer_id, project_id=agreement.project_id,
                         version=e.version, tiers=tiers[investor], amount=amount,
                         currency=agreement.currency, distributed_on=on, state=OWED,
                         attempts=0, failure="", retry_at=None, reference=None,
                         updated_at=e.timestamp)
                    for investor, amount in investor_amounts(e.payments).items()]
            if rows:
                conn.execute(t.distribution_payouts.insert(), rows)
            return
        for seq, payment in enumerate(e.payments):
            if payment["investor"] is None or not payment["amount"]:
                continue
            self._flow(conn, position, seq, investor_id=UUID(str(payment["investor"])),
                       offer_id=agreement.offer_id, project_id=agreement.project_id,
                       on=on, amount=payment["amount"],
                       currency=agreement.currency, kind=DISTRIBUTION, tier=payment["tier"],
                       reason=_distribution_reason(e.report_id, payment["tier"], e.version))

    def _distribution_payout(self, conn: Connection, report_id: str, investor: str,
                             **values: Any) -> Any:
        d = t.distribution_payouts.c
        where = (d.report_id == UUID(report_id), d.investor_id == UUID(investor))
        conn.execute(t.distribution_payouts.update().where(*where).values(**values))
        return conn.execute(sa.select(t.distribution_payouts).where(*where)).one()

    def distribution_paid_out(self, conn: Connection, e: Agreement.DistributionPaidOut,
                              position: int) -> None:
        row = self._distribution_payout(conn, e.report_id, e.investor, state=PAID,
                                        reference=e.reference, failure="", retry_at=None,
                                        updated_at=e.timestamp)
        for seq, (tier, amount) in enumerate(row.tiers):
            self._flow(conn, position, seq, investor_id=row.investor_id, offer_id=row.offer_id,
                       project_id=row.project_id, on=date.fromisoformat(e.paid_on),
                       amount=amount, currency=row.currency, kind=DISTRIBUTION, tier=tier,
                       reason=_distribution_reason(e.report_id, tier, row.version))

    def distribution_payout_failed(self, conn: Connection,
                                   e: Agreement.DistributionPayoutFailed, position: int) -> None:
        self._distribution_payout(conn, e.report_id, e.investor, state=FAILED,
                                  attempts=e.attempt, failure=e.message, retry_at=e.retry_at,
                                  updated_at=e.timestamp)

    _handlers = {
        Offer.PaidIn: paid_in,
        IssuedBond.Issued: issued,
        IssuedBond.LineFellDue: fell_due,
        IssuedBond.PaidOut: paid_out,
        IssuedBond.PayoutFailed: payout_failed,
        Agreement.Distributed: distributed,
        Agreement.DistributionPaidOut: distribution_paid_out,
        Agreement.DistributionPayoutFailed: distribution_payout_failed,
    }


def _distribution_reason(report_id: str, tier: int, version: int) -> str:
    return f"Benefit report {report_id}, tier {tier}, agreement version {version}"

