"""Benefit sharing's use cases: drawing up a funded pilot's agreement from its benefit-share
offer, the parties signing it, amending it, and benefit reports (reported, approved or rejected
by a different officer of the city, and distributed through the agreement's waterfall).

Who represents a party (see domain/investment/agreement.py):
- the city: an officer (role `city`) of the pilot's city, not an administrator;
- the proposer: the pilot's delivery owner account at the time of signing;
- the community fund (only when the offer names a matching fund): an administrator, or an
  officer of the matching fund's city.
A benefit is reported by the delivery owner or an officer of the pilot's city; it is approved
or rejected by an officer of the pilot's city who did not report it.

When the agreement names a community fund (a matching fund), the community fund's share of each
distribution tops that fund's pool up (`MatchingFund.ToppedUpByBenefits`), recorded in the same
transaction as the approval and the distribution: benefits from one pilot fund the next ones. If
the fund has closed (or is missing), the share stays on the pilot's community-fund account.
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.crowdfunding.project import COMPLETED, DELIVERING, FUNDED, Project
from domain.investment.agreement import (
    CITY_PARTY,
    FUND_PARTY,
    PROPOSER_PARTY,
    Agreement,
    BenefitReport,
    InvalidAgreement,
    NotAParty,
)
from domain.investment.offer import BENEFIT_SHARE, CALLED, Offer, OfferBook
from domain.kernel.context import current_actor
from domain.kernel.errors import ConcurrentChange, NotFound, NotPermitted
from domain.kernel.money import Money
from domain.matching.keeping import FUND_ATTEMPTS, FundKeeping

SHARING_STATUSES = (FUNDED, DELIVERING, COMPLETED)


class Sharing(FundKeeping):
    # -- reading ---------------------------------------------------------------------------

    def get_agreement(self, project_id: UUID) -> Agreement:
        return self._get(Agreement, Agreement.create_id(project_id), "agreement")

    def get_benefit_report(self, report_id: UUID) -> BenefitReport:
        return self._get(BenefitReport, report_id, "benefit report")

    def benefit_reports_of(self, project_id: UUID) -> list[BenefitReport]:
        try:
            agreement = self.repository.get(Agreement.create_id(project_id))
        except AggregateNotFoundError:  # no agreement: no reports
            return []
        return [self.get_benefit_report(i) for i in agreement.reports]

    # -- the agreement ---------------------------------------------------------------------

    def _share_offer(self, project: Project) -> Offer:
        try:
            book = self.repository.get(OfferBook.create_id(project.id))
        except AggregateNotFoundError:  # no offers at all
            book = None
        for offer_id in book.offers if book else []:
            offer = self._get(Offer, offer_id, "offer")
            if offer.kind == BENEFIT_SHARE and offer.held(*CALLED) > 0:
                return offer
        raise InvalidAgreement("This pilot has no funded benefit-share offer: there is no "
                               "agreement to draw up")

    def _drawn_up(self, project_id: UUID) -> Agreement:
        """The pilot's agreement, drawn up (not yet saved) from its offer if there is none."""
        try:
            return self.get_agreement(project_id)
        except NotFound:
            pass
        project = self.get_project(project_id)
        if project.status not in SHARING_STATUSES:
            raise InvalidAgreement("A benefit-sharing agreement is drawn up once the pilot is "
                                   f"funded; this one is {project.status}")
        offer = self._share_offer(project)
        terms = offer.terms["agreement"]
        fund = terms.get("community_fund_id")
        paid_in = [(c.investor_id, c.amount) for c in offer.commitments.values()
                   if c.state in CALLED]
        return Agreement.draw_up(project_id=project.id, city_id=project.city_id,
                                 offer_id=offer.id, currency=offer.currency,
                                 community_fund_id=UUID(fund) if fund else None,
                                 terms=terms, paid_in=paid_in)

    def draw_up_agreement(self, project_id: UUID) -> UUID:
        """An officer of the pilot's city draws up its agreement (signing also does)."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        agreement = self._drawn_up(project_id)
        if not self._recorded(agreement.id):
            self._save_or_conflict(agreement)
        return agreement.id

    def _recorded(self, aggregate_id: UUID) -> bool:
        try:
            self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _represents(self, agreement: Agreement, party: object) -> UUID:
        """The acting account, if it represents `party`; else refused."""
        actor = current_actor()
        if party not in agreement.parties:
            raise NotAParty(f"This agreement's parties are {', '.join(agreement.parties)}")
        account = None
        if actor.role not in ("admin", "system"):
            try:
                account = self.get_account(UUID(actor.account_id))
            except (NotFound, ValueError):
                raise NotAParty("Your account represents no party of this agreement") from None
        if party == CITY_PARTY:
            if account is None or account.role != "city" or (
                    account.city_id != agreement.city_id):
                raise NotAParty("Only an officer of the pilot's city signs for the city")
        elif party == PROPOSER_PARTY:
            project = self.get_project(agreement.project_id)
            if account is None or project.delivery_owner_id != account.id:
                raise NotAParty("Only the pilot's delivery owner signs for the proposer")
        elif party == FUND_PARTY and account is not None:
            try:
                fund_city = getattr(self.repository.get(agreement.community_fund_id),
                                    "city_id", None)
            except AggregateNotFoundError:  # the named fund is not recorded
                fund_city = None
            if account.role != "city" or fund_city is None or account.city_id != fund_city:
                raise NotAParty("Only an administrator or an officer of the matching "
                                "fund's city signs for the community fund")
        if account is None:  # an administrator (or the system)
            admin_id = _as_uuid(actor.account_id)
            if party != FUND_PARTY or actor.role != "admin" or admin_id is None:
                raise NotAParty("Only an administrator's own account signs for the "
                                "community fund")
            return admin_id
        return account.id

    def sign_agreement(self, project_id: UUID, *, party: object, version: object) -> bool:
        """The acting account signs the newest version for `party`; returns whether the version
        took effect with this signature."""
        agreement = self._drawn_up(project_id)
        signer = self._represents(agreement, party)
        took_effect = agreement.sign(party=str(party), version=version, account_id=signer,
                                     today=self.clock.now().date())
        self._save_or_conflict(agreement)
        return took_effect

    def amend_agreement(self, project_id: UUID, *, terms: object) -> int:
        """An officer of the pilot's city proposes new terms: a new version, unsigned."""
        agreement = self.get_agreement(project_id)
        self._require_officer_of(agreement.city_id)
        number = agreement.amend(terms)
        self._save_or_conflict(agreement)
        return number

    # -- benefit reports -------------------------------------------------------------------

    def report_benefit(self, project_id: UUID, *, period_start: object, period_end: object,
                       amount: object, category: object, evidence: object,
                       links: object = None) -> UUID:
        agreement = self.get_agreement(project_id)
        project = self.get_project(project_id)
        actor = current_actor()
        reporter = _as_uuid(actor.account_id)
        if reporter is None or (project.delivery_owner_id != reporter and not (
                actor.role == "city" and self._officer_of(reporter, project.city_id))):
            raise NotPermitted("Only the pilot's delivery owner or an officer of its city "
                               "reports its benefits")
        report = BenefitReport.report(
            project_id=project.id, city_id=project.city_id, reporter_id=reporter,
            currency=agreement.currency, period_start=period_start, period_end=period_end,
            amount=amount, category=category, evidence=evidence, links=links)
        agreement.file_report(report.id, report.period_start, report.period_end)
        self._save_or_conflict(report, agreement)
        return report.id

    def _officer_of(self, account_id: UUID, city_id: UUID) -> bool:
        try:
            account = self.get_account(account_id)
        except NotFound:
            return False
        return account.role == "city" and account.city_id == city_id

    def _deciding_officer(self, report: BenefitReport) -> UUID:
        actor = current_actor()
        officer = _as_uuid(actor.account_id)
        if actor.role != "city" or officer is None or not self._officer_of(officer,
                                                                          report.city_id):
            raise NotPermitted("Only an officer of the pilot's city approves or rejects its "
                               "benefit reports")
        return officer

    def approve_benefit_report(self, report_id: UUID) -> list[dict[str, Any]]:
        """A different officer approves; the benefit is distributed at once through the
        version in effect. Returns the payments."""
        for attempt in range(FUND_ATTEMPTS):
            report = self.get_benefit_report(report_id)
            officer = self._deciding_officer(report)
            agreement = self.get_agreement(report.project_id)
            report.decide(approve=True, officer_id=officer)
            payments = agreement.distribute_report(report, self.clock.now().date())
            share = sum(p["amount"] for p in payments if p["party"] == FUND_PARTY)
            fund_id = agreement.community_fund_id
            if share == 0 or fund_id is None or not self._fund_recorded(fund_id):
                self._save_or_conflict(report, agreement)
                return payments
            try:
                self._approve_with_top_up(report, agreement, fund_id, share)
            except ConcurrentChange:
                if attempt + 1 < FUND_ATTEMPTS:
                    continue
                raise
            return payments
        raise NotFound("unreachable")  # pragma: no cover

    def _fund_recorded(self, fund_id: UUID) -> bool:
        try:
            self._fund_now(fund_id)  # this process's copy, caught up: no full replay
        except NotFound:
            return False
        return True

    def _approve_with_top_up(self, report: BenefitReport, agreement: Agreement,
                             fund_id: UUID, share: int) -> None:
        """Save the approval and distribution with the community fund's top-up, deciding on
        the fund as it stands (its lock held)."""
        with ExitStack() as stack:
            stack.enter_context(self._fund_lock(fund_id))
            [fund] = self._caught_up([fund_id], stack)
            try:
                if fund.takes_benefits(agreement.currency):
                    fund.top_up_from_benefits(money_of(agreement, share),
                                              project_id=agreement.project_id,
                                              report_id=report.id)
                self._save_or_conflict(report, agreement, *fund.proposed)
            except BaseException:
                fund.discard()
                raise
            fund.accept()

    def reject_benefit_report(self, report_id: UUID, *, reason: str = "") -> None:
        report = self.get_benefit_report(report_id)
        officer = self._deciding_officer(report)
        agreement = self.get_agreement(report.project_id)
        report.decide(approve=False, officer_id=officer, reason=reason)
        agreement.forget_report(report.id)
        self._save_or_conflict(report, agreement)


def _as_uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def money_of(agreement: Agreement, minor: int) -> Money:
    return Money(minor, agreement.currency)


def period(text: object) -> date:
    """A period bound as the API writes it (ISO date), or what the domain refuses."""
    if isinstance(text, str):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return text  # type: ignore[return-value]
