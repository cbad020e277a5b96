"""The civicfund application: every use case, recorded in one ordered event log."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.account import Account
from domain.city import City
from domain.clock import Clock, SystemClock
from domain.context import current_actor
from domain.errors import (
    CityAlreadyExists,
    ConcurrentChange,
    DomainError,
    InvalidCity,
    InvalidProject,
    InvalidTransition,
    NotFound,
    NotPermitted,
    PaymentDeclined,
)
from domain.money import Money, total
from domain.payments import SAVED_CARD, PaymentGateway, idempotency_key
from domain.pledge import AUTHORISED, CHARGED, PAYMENT_FAILED, Pledge, new_pledge_id
from domain.project import CANCELLED, DELIVERING, FUNDED, OPEN, UNFUNDED, BudgetLine, Project
from domain.settlement import LogPledgeIndex, PledgeIndex, SettlementReport
from domain.transcodings import TRANSCODINGS

PAYMENT_METHOD = re.compile(r"^[A-Za-z0-9_]{1,80}$")

# Campaigns closing sooner than this get a card hold at pledge time; longer ones save the card.
DEFAULT_HOLD_MAX_DAYS = 6
# Projects kept as read for pledging (each re-checked when a pledge is saved).
PLEDGE_PROJECT_CACHE = 1024


class Civicfund(Application[UUID]):
    name = "civicfund"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        payments: PaymentGateway,
        clock: Clock | None = None,
        hold_max_days: int = DEFAULT_HOLD_MAX_DAYS,
        pledge_index: PledgeIndex | None = None,
    ) -> None:
        super().__init__(env)
        self.payments = payments
        self.clock = clock or SystemClock()
        self.hold_max_days = hold_max_days
        self._pledge_projects: dict[UUID, Project] = {}
        self.pledge_index: PledgeIndex = pledge_index or LogPledgeIndex(self)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    # -- loading ---------------------------------------------------------------------------

    def _get(self, cls: type, aggregate_id: UUID, what: str) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"No {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"No {what} with id {aggregate_id}")
        return aggregate

    def get_city(self, city_id: UUID) -> City:
        return self._get(City, city_id, "city")

    def get_project(self, project_id: UUID) -> Project:
        return self._get(Project, project_id, "project")

    def get_pledge(self, pledge_id: UUID) -> Pledge:
        return self._get(Pledge, pledge_id, "pledge")

    def get_account(self, account_id: UUID) -> Account:
        return self._get(Account, account_id, "account")

    # -- permissions -----------------------------------------------------------------------

    def _require_admin(self) -> None:
        if not current_actor().is_admin:
            raise NotPermitted("Only an administrator can do this")

    def _require_officer_of(self, city_id: UUID) -> None:
        actor = current_actor()
        if actor.is_admin:
            return
        if actor.role != "city":
            raise NotPermitted("Only a city officer can manage projects")
        account = self.get_account(UUID(actor.account_id))
        if account.role != "city" or account.city_id != city_id:
            raise NotPermitted("Only officers of this project's city can manage it")

    # -- cities and accounts ---------------------------------------------------------------

    def add_city(self, name: str, *, currency: str, country: str, timezone: str) -> UUID:
        self._require_admin()
        city = City.add(name=name, country=country, currency=currency, timezone=timezone)
        try:
            self.save(city)
        except IntegrityError:
            raise CityAlreadyExists(f"A city called {city.name} already exists") from None
        return city.id

    def register_account(self, role: str, city_id: UUID | None = None) -> UUID:
        if city_id is not None:
            self.get_city(city_id)
        account = Account.register(role=role, city_id=city_id)
        self.save(account)
        return account.id

    def change_account_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        self._require_admin()
        if city_id is not None:
            self.get_city(city_id)
        account = self.get_account(account_id)
        account.change_role(role, city_id)
        self.save(account)

    # -- projects --------------------------------------------------------------------------

    def draft_project(
        self,
        *,
        city_id: UUID,
        area: str,
        theme: str,
        title: str,
        summary: str,
        proposer: str,
        budget_lines: list[BudgetLine],
        funding_model: str,
        opens_at: datetime,
        closes_at: datetime,
        currency: str | None = None,
    ) -> UUID:
        try:
            city = self.get_city(city_id)
        except NotFound:
            raise InvalidCity("That city does not exist", field="city") from None
        self._require_officer_of(city.id)
        project = Project.draft(
            city_id=city.id,
            city_currency=city.currency,
            currency=currency or city.currency,
            area=area,
            theme=theme,
            title=title,
            summary=summary,
            proposer=proposer,
            budget_lines=budget_lines,
            funding_model=funding_model,
            opens_at=opens_at,
            closes_at=closes_at,
        )
        self.save(project)
        return project.id

    def open_campaign(self, project_id: UUID) -> None:
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        project.open_campaign(self.clock.now())
        self.save(project)

    # -- pledges ---------------------------------------------------------------------------

    def make_pledge(
        self, *, project_id: UUID, citizen_id: UUID, amount: Money, payment_method: str
    ) -> UUID:
        """Authorise the payment first, then record the pledge and its authorisation at once.

        A declined card records nothing. The gateway call carries a key derived from the new
        pledge id, so a retry of the same call cannot place a second hold. The pledge is saved
        on condition that the project is still as it was checked; if the project changed in the
        meantime it is read again and checked again, once.
        """
        if current_actor().role != "citizen":
            raise NotPermitted("Only citizens can pledge")
        if current_actor().account_id != str(citizen_id):
            raise NotPermitted("A citizen can only pledge in their own name")
        payment_method = (payment_method or "").strip()
        pledge_id = new_pledge_id()
        placed: str | None = None  # the hold or saved card placed for this pledge, if any
        for attempt in range(2):
            project = self._project_to_pledge_to(project_id, fresh=attempt > 0)
            try:
                pledge = self._authorised_pledge(
                    pledge_id, project, citizen_id, amount, payment_method
                )
                placed = pledge.payment_reference
                self.save(pledge, **self._unchanged(project))
                return pledge.id
            except ConcurrentChange:
                self._pledge_projects.pop(project_id, None)
                if attempt == 0:
                    continue
                self._release_unrecorded(pledge_id, placed)
                raise
            except DomainError:
                self._release_unrecorded(pledge_id, placed)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _project_to_pledge_to(self, project_id: UUID, *, fresh: bool) -> Project:
        """The project as last read for pledging. Reused only where the recorder re-checks its
        version when the pledge is saved; otherwise read every time."""
        if not getattr(self.recorder, "checks_unchanged_since", False):
            return self.get_project(project_id)
        project = None if fresh else self._pledge_projects.get(project_id)
        if project is None:
            project = self.get_project(project_id)
            if len(self._pledge_projects) >= PLEDGE_PROJECT_CACHE:
                self._pledge_projects.clear()
            self._pledge_projects[project_id] = project
        return project

    def _unchanged(self, *aggregates: Any) -> dict[str, Any]:
        if not getattr(self.recorder, "checks_unchanged_since", False):
            return {}
        return {"unchanged_since": {a.id: a.version for a in aggregates}}

    def _authorised_pledge(
        self, pledge_id: UUID, project: Project, citizen_id: UUID, amount: Money,
        payment_method: str,
    ) -> Pledge:
        now = self.clock.now()
        pledge = Pledge.make(
            pledge_id=pledge_id,
            project=project,
            citizen_id=citizen_id,
            amount=amount,
            payment_method=payment_method,
            now=now,
        )
        if not PAYMENT_METHOD.match(payment_method):
            raise PaymentDeclined("Choose a payment method")
        hold = (project.closes_at - now).total_seconds() <= self.hold_max_days * 86400
        authorisation = self.payments.authorise(
            pledge_id=pledge_id,
            amount=amount,
            payment_method=payment_method,
            hold=hold and self.hold_max_days > 0,
            idempotency_key=idempotency_key(pledge_id, "authorise"),
        )
        pledge.authorised(payment_reference=authorisation.reference, kind=authorisation.kind)
        return pledge

    def _release_unrecorded(self, pledge_id: UUID, reference: str | None) -> None:
        """A pledge that was not recorded must not leave a hold behind."""
        if reference:
            self.payments.release(
                reference=reference, idempotency_key=idempotency_key(pledge_id, "release")
            )

    def cancel_pledge(self, pledge_id: UUID, *, citizen_id: UUID) -> None:
        actor = current_actor()
        if not actor.is_admin and actor.account_id != str(citizen_id):
            raise NotPermitted("Only the citizen who made a pledge can cancel it")
        pledge = self.get_pledge(pledge_id)
        project = self.get_project(pledge.project_id)
        pledge.cancel(by=citizen_id, project=project, now=self.clock.now())
        self.save(pledge)
        # The hold is released after the cancellation is recorded; the key makes a retry safe.
        self.payments.release(
            reference=pledge.payment_reference or "",
            idempotency_key=idempotency_key(pledge.id, "release"),
        )

    # -- closing, settling, cancelling -----------------------------------------------------

    def close_campaign_early(self, project_id: UUID) -> SettlementReport:
        """A city officer closes a campaign whose optimum is reached, then it settles."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        raised = self._total(self._pledges(project, AUTHORISED), project.currency)
        project.start_closing(self.clock.now(), early=True, raised=raised)
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
            report.outcome = project.decide(
                raised=self._total(counted, project.currency), pledge_ids=[p.id for p in counted]
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
            self.save(pledge)
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
            self.save(pledge)
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
            project.record_payout(amount=pledge.amount, to=project.proposer)
            self.save(project)

    def _finish_settlement(self, project: Project) -> None:
        pledges = [self.get_pledge(pledge_id) for pledge_id in project.counted_pledges]
        charged = self._total([p for p in pledges if p.status == CHARGED], project.currency)
        failed = sum(1 for p in pledges if p.status == PAYMENT_FAILED)
        project.complete_settlement(charged=charged, failed=failed)
        if project.status == FUNDED:
            # Owed to the delivery owner: what was charged (the sandbox takes no fees).
            project.record_payout(amount=charged, to=project.proposer)
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
        self.save(pledge)
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

    # -- delivery --------------------------------------------------------------------------

    def _manage(self, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        return project

    def _deliver(self, project_id: UUID) -> Project:
        """A project whose delivery the actor runs: an officer of its city, an admin, or the
        proposer account the city made its delivery owner."""
        project = self.get_project(project_id)
        actor = current_actor()
        if actor.role != "proposer":
            self._require_officer_of(project.city_id)
            return project
        if project.delivery_owner_id is None or actor.account_id != str(
            project.delivery_owner_id
        ):
            raise NotPermitted("Only this project's delivery owner or its city's officers can "
                               "do this")
        if self.get_account(project.delivery_owner_id).role != "proposer":
            raise NotPermitted("This account no longer holds the proposer role")
        return project

    def assign_delivery_owner(self, project_id: UUID, account_id: UUID) -> None:
        """An officer makes a proposer's account the owner of the project's delivery."""
        project = self._manage(project_id)
        try:
            account = self.get_account(account_id)
        except NotFound:
            raise InvalidProject("There is no account with that id", field="account") from None
        if account.role != "proposer":
            raise InvalidProject("Only a proposer's account can own a project's delivery",
                                 field="account")
        project.assign_delivery_owner(account.id)
        self.save(project)

    def start_delivery(self, project_id: UUID) -> None:
        project = self._manage(project_id)
        project.start_delivery()
        self.save(project)

    def plan_milestone(self, project_id: UUID, *, title: str, due: datetime) -> None:
        project = self._deliver(project_id)
        project.plan_milestone(title=title, due=due)
        self.save(project)

    def complete_milestone(self, project_id: UUID, number: int) -> None:
        project = self._deliver(project_id)
        project.complete_milestone(number, now=self.clock.now())
        self.save(project)

    def post_update(self, project_id: UUID, *, title: str, body: str) -> None:
        project = self._deliver(project_id)
        project.post_update(title=title, body=body)
        self.save(project)

    def complete_project(self, project_id: UUID) -> None:
        project = self._manage(project_id)
        project.complete()
        self.save(project)

    # -- what the card processor tells us later --------------------------------------------

    def confirm_charge(self, pledge_id: UUID, *, reference: str) -> bool:
        """The processor reports a payment for this pledge succeeded (e.g. the citizen
        authenticated it themselves). Records it once; returns whether anything changed."""
        pledge = self.get_pledge(pledge_id)
        project = self.get_project(pledge.project_id)
        if pledge.status != PAYMENT_FAILED or project.status not in (FUNDED, DELIVERING):
            return False
        pledge.charge_succeeded(reference=reference)
        self.save(pledge)
        self._owe_late_charge(pledge)
        return True
