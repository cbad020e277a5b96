"""Read models of benefit-sharing agreements: rm_agreements, rm_agreement_versions,
rm_agreement_signatures, rm_benefit_reports and rm_distribution_payments (the money is the
ledger's; a payment row says which report, tier, party or investor and version it came from)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from adapters import tables as t
from domain.investment.agreement import (
    APPROVED,
    CITY_PARTY,
    FUND_PARTY,
    PENDING,
    PROPOSER_PARTY,
    REJECTED,
    Agreement,
    BenefitReport,
)

Handler = Callable[[Connection, Any], None]


class AgreementModels:
    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            Agreement.DrawnUp: self.drawn_up,
            Agreement.Signed: self.signed,
            Agreement.Amended: self.amended,
            Agreement.Distributed: self.distributed,
            BenefitReport.Reported: self.reported,
            BenefitReport.Approved: self._decided(APPROVED),
            BenefitReport.Rejected: self._decided(REJECTED),
        }

    @staticmethod
    def _project(conn: Connection, agreement_id: UUID) -> Any:
        a = t.agreements.c
        return conn.execute(
            t.agreements.select().with_only_columns(a.project_id, a.currency)
            .where(a.agreement_id == agreement_id)
        ).one()

    def drawn_up(self, conn: Connection, e: Agreement.DrawnUp) -> None:
        parties = [CITY_PARTY, PROPOSER_PARTY] + (
            [FUND_PARTY] if e.community_fund_id is not None else [])
        conn.execute(t.agreements.insert().values(
            project_id=e.project_id, agreement_id=e.originator_id, city_id=e.city_id,
            offer_id=e.offer_id, currency=e.currency, community_fund_id=e.community_fund_id,
            parties=parties, drawn_up_at=e.timestamp,
        ))
        conn.execute(t.agreement_versions.insert().values(
            project_id=e.project_id, number=1, terms=e.terms, effective_on=None,
            proposed_at=e.timestamp,
        ))

    def signed(self, conn: Connection, e: Agreement.Signed) -> None:
        project_id = self._project(conn, e.originator_id).project_id
        conn.execute(t.agreement_signatures.insert().values(
            project_id=project_id, number=e.version, party=e.party,
            account_id=UUID(e.account_id), signed_at=e.timestamp,
        ))
        if e.effective_on is not None:
            v = t.agreement_versions.c
            conn.execute(
                t.agreement_versions.update()
                .where(v.project_id == project_id, v.number == e.version)
                .values(effective_on=date.fromisoformat(e.effective_on))
            )

    def amended(self, conn: Connection, e: Agreement.Amended) -> None:
        project_id = self._project(conn, e.originator_id).project_id
        conn.execute(t.agreement_versions.insert().values(
            project_id=project_id, number=e.number, terms=e.terms, effective_on=None,
            proposed_at=e.timestamp,
        ))

    def distributed(self, conn: Connection, e: Agreement.Distributed) -> None:
        found = self._project(conn, e.originator_id)
        rows = [dict(report_id=UUID(e.report_id), line=line, project_id=found.project_id,
                     version=e.version, tier=p["tier"], party=p["party"],
                     investor_id=UUID(p["investor"]) if p["investor"] else None,
                     amount=p["amount"], currency=found.currency, distributed_at=e.timestamp)
                for line, p in enumerate(e.payments, start=1)]
        if rows:
            conn.execute(t.distribution_payments.insert(), rows)

    def reported(self, conn: Connection, e: BenefitReport.Reported) -> None:
        conn.execute(t.benefit_reports.insert().values(
            id=e.originator_id, project_id=e.project_id, city_id=e.city_id,
            reporter_id=e.reporter_id, period_start=date.fromisoformat(e.period_start),
            period_end=date.fromisoformat(e.period_end), amount=e.amount, currency=e.currency,
            category=e.category, evidence=e.evidence, links=list(e.links), status=PENDING,
            decided_by=None, reason="", reported_at=e.timestamp, decided_at=None,
        ))

    @staticmethod
    def _decided(status: str) -> Handler:
        def handler(conn: Connection, e: Any) -> None:
            r = t.benefit_reports.c
            conn.execute(
                t.benefit_reports.update().where(r.id == e.originator_id)
                .values(status=status, decided_by=e.officer_id,
                        reason=getattr(e, "reason", ""), decided_at=e.timestamp)
            )
        return handler
