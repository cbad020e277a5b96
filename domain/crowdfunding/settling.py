"""Closing, settling and cancelling campaigns, and what happens to pledges after the close."""

from __future__ import annotations

from uuid import UUID

from domain.crowdfunding.funding_partners import FundingPartners
from domain.crowdfunding.pledge import AUTHORISED, CHARGED, PAYMENT_FAILED, Pledge
from domain.crowdfunding.pledging import PAYMENT_METHOD
from domain.crowdfunding.project import CANCELLED, DELIVERING, FUNDED, OPEN, UNFUNDED, Project
from domain.crowdfunding.settlement import SettlementReport
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    InvalidTransition,
    NotFound,
    NotPermitted,
    PaymentDeclined,
)
from domain.kernel.money import Money, total
from domain.kernel.payments import SAVED_CARD, idempotency_key


class Settling(FundingPartners):
    """Closing, settling and cancelling campaigns, and what the card processor reports later;
    matching funds' money follows through FundingPartners."""

    # -- closing, settling, cancelling -----------------------------------------------------

    def close_campaign_early(self, project_id: UUID) -> SettlementReport:
        """A city officer closes a campaign whose optimum is reached, then it settles."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        raised = self._total(self._pledges(project, AUTHORISED), project.currency)
        matched = (self.matched_on(project) + self.co_funded_on(project)
                   + self.invested_on(project))
        project.start_closing(self.clock.now(), early=True, raised=raised + matched)
        self.save(project)
        return self.settle(project_id)

    def settle(self, project_id: UUID) -> SettlementReport:
        """Close a due campaign and settle every pledge it counted. Safe to run again at any
        point: each step is recorded, and payment calls repeat with the same keys."""
        report = SettlementReport(project_id)
        project = self.get_project(project_id)
        now = self.clock.now()
        if project.status == OPEN:
            if not project.is_due_to_close(now):
                return report
            if not project.closing:
                project.start_closing(now)
                self.save(project)
            # Intake is stopped, so the index now holds every pledge this campaign will have.
            counted = self._pledges(project, AUTHORISED)
            # The crowd's money plus what the matching funds hold for this project and what the
            # city's departments committed to it decides it (commitments stop at ClosingStarted).
            report.outcome = project.decide(
                raised=self._total(counted, project.currency),
                matched=self.matched_on(project),
                committed=self.co_funded_on(project),
                invested=self.invested_on(project),
                pledge_ids=[p.id for p in counted],
            )
            self.save(project)
        if project.settled or project.status not in (FUNDED, UNFUNDED, CANCELLED):
            return report
        if project.status == CANCELLED:
            pledges = self._pledges(project, AUTHORISED, PAYMENT_FAILED, CHARGED)
        else:
            pledges = [self.get_pledge(pledge_id) for pledge_id in project.counted_pledges]
        for pledge in pledges:
            self._settle_pledge(project, pledge, report)
        self._finish_settlement(project)
        return report

    def _settle_pledge(self, project: Project, pledge: Pledge, report: SettlementReport) -> None:
        if project.status == FUNDED and pledge.status == AUTHORISED:
            if self._charge(pledge):
                report.charged += 1
            else:
                report.failed += 1
        elif project.status in (UNFUNDED, CANCELLED) and pledge.status in (
            AUTHORISED, PAYMENT_FAILED
        ):
            pledge.release()
            self._follow_pledge(
                pledge, release=f"the project was {project.status}", project=project
            )
            self.payments.release(
                reference=pledge.payment_reference or "",
                idempotency_key=idempotency_key(pledge.id, "release"),
            )
            report.released += 1
        elif project.status == CANCELLED and pledge.status == CHARGED:
            reference = self.payments.refund(
                charge_reference=pledge.charge_reference,
                amount=pledge.amount,
                idempotency_key=idempotency_key(pledge.id, "refund"),
            )
            pledge.refunded(reference=reference)
            self._follow_pledge(pledge, release="the pledge was refunded", project=project)
            report.refunded += 1
        else:
            report.skipped += 1

    def _charge(self, pledge: Pledge) -> bool:
        attempt = getattr(pledge, "failed_attempts", 0) + 1
        result = self.payments.charge(
            pledge_id=pledge.id,
            reference=pledge.payment_reference or "",
            amount=pledge.amount,
            idempotency_key=idempotency_key(pledge.id, f"charge-{attempt}"),
        )
        if result.succeeded:
            pledge.charge_succeeded(reference=result.reference or "")
            self._follow_pledge(pledge, commit=True)
        else:
            pledge.charge_failed(
                outcome=result.outcome, message=result.message, now=self.clock.now()
            )
            self.save(pledge)
        if result.succeeded:
            self._owe_late_charge(pledge)
        return result.succeeded

    def _owe_late_charge(self, pledge: Pledge) -> None:
        """A charge that goes through after settlement is owed to the delivery owner too."""
        project = self.get_project(pledge.project_id)
        if project.settled and project.status in (FUNDED, DELIVERING):
            owed = pledge.amount + self.committed_on(project, pledge_id=pledge.id)
            project.record_payout(amount=owed, to=project.proposer)
            self.save(project)

    def _finish_settlement(self, project: Project) -> None:
        pledges = [self.get_pledge(pledge_id) for pledge_id in project.counted_pledges]
        charged = self._total([p for p in pledges if p.status == CHARGED], project.currency)
        failed = sum(1 for p in pledges if p.status == PAYMENT_FAILED)
        if not project.settled:
            self._settle_grants(project)
            self._settle_commitments(project)
            self._settle_investments(project)
        project.complete_settlement(charged=charged, failed=failed)
        if project.status == FUNDED:
            # Owed to the delivery owner: what was charged plus the matches it brought in and
            # the departments' commitments drawn for it (the sandbox takes no fees).
            owed = charged + self.committed_on(project) + self.drawn_on(project)
            project.record_payout(amount=owed, to=project.proposer)
        self.save(project)

    def cancel_project(self, project_id: UUID, *, reason: str) -> SettlementReport:
        """The city cancels: holds released, saved cards forgotten, charged money refunded."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        project.cancel(reason=reason)
        self.save(project)
        return self.settle(project_id)

    def change_pledge_card(
        self, pledge_id: UUID, *, citizen_id: UUID, payment_method: str
    ) -> bool:
        """A citizen whose charge failed gives a new card; it is charged at once.
        Returns whether the charge went through."""
        actor = current_actor()
        if actor.account_id != str(citizen_id):
            raise NotPermitted("Only the citizen who made a pledge can change its card")
        pledge = self.get_pledge(pledge_id)
        now = self.clock.now()
        if pledge.citizen_id != citizen_id:
            raise NotFound(f"No pledge with id {pledge_id}")
        if not pledge.can_be_fixed(now):
            raise InvalidTransition("This pledge's card can no longer be changed")
        payment_method = (payment_method or "").strip()
        if not PAYMENT_METHOD.match(payment_method):
            raise PaymentDeclined("Choose a payment method")
        attempt = getattr(pledge, "failed_attempts", 0)
        authorisation = self.payments.authorise(
            pledge_id=pledge.id,
            amount=pledge.amount,
            payment_method=payment_method,
            hold=False,
            idempotency_key=idempotency_key(pledge.id, f"card-{attempt}"),
        )
        pledge.change_payment_method(
            by=citizen_id, payment_method=payment_method, reference=authorisation.reference,
            kind=SAVED_CARD, now=now,
        )
        self.save(pledge)
        return self._charge(pledge)

    def retry_charge(self, pledge_id: UUID) -> bool | None:
        """Try a failed pledge's card again if its retry is due. None when nothing was tried."""
        pledge = self.get_pledge(pledge_id)
        if not pledge.is_due_for_retry(self.clock.now()):
            return None
        return self._charge(pledge)

    def drop_unpaid(self, pledge_id: UUID) -> bool:
        """A failed payment whose fix window has passed is dropped. Returns whether it was."""
        pledge = self.get_pledge(pledge_id)
        if pledge.status != PAYMENT_FAILED or self.clock.now() < pledge.fix_by:
            return False
        pledge.drop(self.clock.now())
        self._follow_pledge(pledge, release="the payment failed and was not fixed in time")
        self.payments.release(
            reference=pledge.payment_reference or "",
            idempotency_key=idempotency_key(pledge.id, "release"),
        )
        return True

    def _pledges(self, project: Project, *statuses: str) -> list[Pledge]:
        pledges = [self.get_pledge(i) for i in self.pledge_index.pledges_of(project.id)]
        return [p for p in pledges if p.status in statuses]

    @staticmethod
    def _total(pledges: list[Pledge], currency: str) -> Money:
        return total([p.amount for p in pledges], currency)

    # -- what the card processor tells us later --------------------------------------------

    def confirm_charge(self, pledge_id: UUID, *, reference: str) -> bool:
        """The processor reports a payment for this pledge succeeded (e.g. the citizen
        authenticated it themselves). Records it once; returns whether anything changed."""
        pledge = self.get_pledge(pledge_id)
        project = self.get_project(pledge.project_id)
        if pledge.status != PAYMENT_FAILED or project.status not in (FUNDED, DELIVERING):
            return False
        pledge.charge_succeeded(reference=reference)
        self._follow_pledge(pledge, commit=True)
        self._owe_late_charge(pledge)
        return True

