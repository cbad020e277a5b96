"""What pages and the API read about benefit-sharing agreements: the agreement of a pilot with
its versions and signatures (public), its benefit reports and their distributions' payments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from domain.kernel.money import Money


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SignatureView:
    party: str
    account_id: UUID
    signed_at: datetime


@dataclass(frozen=True)
class VersionView:
    number: int
    terms: dict[str, Any]
    effective_on: date | None
    proposed_at: datetime
    signatures: list[SignatureView]


@dataclass(frozen=True)
class AgreementView:
    project_id: UUID
    agreement_id: UUID
    city_id: UUID
    offer_id: UUID
    currency: str
    community_fund_id: UUID | None
    parties: list[str]
    versions: list[VersionView]

    @property
    def in_effect(self) -> VersionView | None:
        signed = [v for v in self.versions if v.effective_on is not None]
        return signed[-1] if signed else None

    @property
    def latest(self) -> VersionView:
        return self.versions[-1]

    def missing(self, version: VersionView) -> list[str]:
        signed = {s.party for s in version.signatures}
        return [p for p in self.parties if p not in signed]


@dataclass(frozen=True)
class PaymentView:
    tier: int
    party: str
    investor_id: UUID | None
    amount: Money
    version: int


@dataclass(frozen=True)
class BenefitReportView:
    id: UUID
    project_id: UUID
    project_title: str
    city_id: UUID
    reporter_id: UUID
    period_start: date
    period_end: date
    amount: Money
    category: str
    evidence: str
    links: list[str]
    status: str
    decided_by: UUID | None
    reason: str
    reported_at: datetime
    decided_at: datetime | None
    payments: list[PaymentView] = field(default_factory=list)


class AgreementQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]  # ReadModelQueries's: run a statement on the read engine

    def agreement(self, project_id: UUID) -> AgreementView | None:
        a, v, s = t.agreements.c, t.agreement_versions.c, t.agreement_signatures.c
        found = self._all(sa.select(t.agreements).where(a.project_id == project_id))
        if not found:
            return None
        row = found[0]
        signatures: dict[int, list[SignatureView]] = {}
        for r in self._all(sa.select(t.agreement_signatures)
                           .where(s.project_id == project_id)
                           .order_by(s.number, s.signed_at, s.party)):
            signatures.setdefault(r.number, []).append(
                SignatureView(r.party, r.account_id, _aware(r.signed_at)))
        versions = [
            VersionView(r.number, r.terms, r.effective_on, _aware(r.proposed_at),
                        signatures.get(r.number, []))
            for r in self._all(sa.select(t.agreement_versions)
                               .where(v.project_id == project_id).order_by(v.number))
        ]
        return AgreementView(row.project_id, row.agreement_id, row.city_id, row.offer_id,
                             row.currency, row.community_fund_id, list(row.parties), versions)

    def _benefit_reports(self, *conditions: Any) -> list[BenefitReportView]:
        r, p, d = t.benefit_reports.c, t.projects.c, t.distribution_payments.c
        rows = self._all(
            sa.select(t.benefit_reports, p.title.label("project_title"))
            .join(t.projects, p.id == r.project_id)
            .where(*conditions).order_by(r.period_start, r.id))
        if not rows:
            return []
        payments: dict[UUID, list[PaymentView]] = {}
        for pay in self._all(sa.select(t.distribution_payments)
                             .where(d.report_id.in_([x.id for x in rows]))
                             .order_by(d.report_id, d.line)):
            payments.setdefault(pay.report_id, []).append(PaymentView(
                pay.tier, pay.party, pay.investor_id, Money(int(pay.amount), pay.currency),
                pay.version))
        return [
            BenefitReportView(
                id=x.id, project_id=x.project_id, project_title=x.project_title,
                city_id=x.city_id, reporter_id=x.reporter_id, period_start=x.period_start,
                period_end=x.period_end, amount=Money(int(x.amount), x.currency),
                category=x.category, evidence=x.evidence, links=list(x.links or []),
                status=x.status, decided_by=x.decided_by, reason=x.reason or "",
                reported_at=_aware(x.reported_at), decided_at=_aware(x.decided_at),
                payments=payments.get(x.id, []))
            for x in rows
        ]

    def benefit_reports_of(self, project_id: UUID) -> list[BenefitReportView]:
        return self._benefit_reports(t.benefit_reports.c.project_id == project_id)

    def benefit_report(self, report_id: UUID) -> BenefitReportView | None:
        found = self._benefit_reports(t.benefit_reports.c.id == report_id)
        return found[0] if found else None

    def pending_benefit_reports(self, city_id: UUID | None) -> list[BenefitReportView]:
        """Reports awaiting a decision, of one city (every city's for None)."""
        r = t.benefit_reports.c
        conditions = [r.status == "pending"]
        if city_id is not None:
            conditions.append(r.city_id == city_id)
        return self._benefit_reports(*conditions)
