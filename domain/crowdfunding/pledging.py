"""Pledging: a citizen's promise, secured with the card processor, recorded against the project
as it stands."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.cities.city import City
from domain.crowdfunding.funding_partners import FundingPartners
from domain.crowdfunding.pledge import Pledge, new_pledge_id
from domain.crowdfunding.project import Project
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    DECIDE_AGAIN,
    ConcurrentChange,
    DomainError,
    NotPermitted,
    OutcomeUnknown,
    PaymentDeclined,
)
from domain.kernel.money import Money
from domain.kernel.payments import Authorisation, authorisation_key, idempotency_key

PAYMENT_METHOD = re.compile(r"^[A-Za-z0-9_]{1,80}$")
# Projects (and cities) kept as read for pledging (each re-checked when a pledge is saved).
PLEDGE_PROJECT_CACHE = 1024
# How often a pledge that storage failed to record (and says it did not) is tried again at once.
STORAGE_RETRIES = 2


def _carrying(authorisation: Authorisation) -> dict[str, Any]:
    """The save's share of the authorisation: what the gateway left it to write."""
    if authorisation.with_pledge is None:
        return {}
    return {"along": [authorisation.with_pledge]}


class Pledging(FundingPartners):
    """Pledging's use cases; matching funds add to pledges through FundingPartners."""

    # -- pledges ---------------------------------------------------------------------------

    def make_pledge(
        self, *, project_id: UUID, citizen_id: UUID, amount: Money, payment_method: str,
        pledge_id: UUID | None = None, execution: int = 0,
    ) -> UUID:
        """Make a pledge (see `record_pledge`); returns its id."""
        return self.record_pledge(
            project_id=project_id, citizen_id=citizen_id, amount=amount,
            payment_method=payment_method, pledge_id=pledge_id, execution=execution,
        ).id

    def record_pledge(
        self, *, project_id: UUID, citizen_id: UUID, amount: Money, payment_method: str,
        pledge_id: UUID | None = None, execution: int = 0,
    ) -> Pledge:
        """Authorise the payment first, then record the pledge and its authorisation at once.

        A declined card records nothing. The gateway call carries a key derived from the new
        pledge id, so a retry of the same call cannot place a second hold. The pledge is saved
        on condition that the project is still as it was checked; if the project changed in the
        meantime it is read again and checked again. Each eligible matching fund reserves its
        match in the same save; a fund that changed in between is read again and decides again.

        A request that may be retried names its pledge (`pledge_id_for_request`): a pledge
        already recorded under that id is answered as made, never made twice. `execution`
        counts how often such a request was run again after an earlier run was lost, so each
        run authorises under its own key (an earlier run's hold may have been released).

        The answer is exact: a pledge is reported made only if it was recorded, and refused
        only if it was not; a hold placed for a pledge that was not recorded is released. When
        storage fails so that the outcome cannot be learned, OutcomeUnknown is raised and the
        hold is kept for a retry (or for `release_orphaned_authorisations`).
        """
        if current_actor().role != "citizen":
            raise NotPermitted("Only citizens can pledge")
        if current_actor().account_id != str(citizen_id):
            raise NotPermitted("A citizen can only pledge in their own name")
        payment_method = (payment_method or "").strip()
        if pledge_id is None:
            pledge_id = new_pledge_id()
        elif execution > 0 and self._pledge_recorded(pledge_id, citizen_id):
            # A run of this request was lost before; it may have recorded the pledge. (A first
            # run finds one only if the key was used long ago: its save then finds it.)
            return self.get_pledge(pledge_id)
        placed: str | None = None  # the hold or saved card placed for this pledge, if any
        fresh = False
        storage_failures = 0
        for attempt in range(DECIDE_AGAIN):
            try:
                project = self._project_to_pledge_to(project_id, fresh=fresh)
                pledge = self._pledge_checked_against(
                    project, pledge_id, citizen_id, amount, payment_method, fresh=fresh
                )
                city = self._city_to_pledge_in(project.city_id, fresh=fresh)
                # A pledge saved on its own carries the gateway's own record of the hold, if
                # the gateway left it to the save (one transaction, not two); one that waits
                # its turn for matching funds is saved with others, and the hold goes first.
                alone = not city.matching_funds
                authorisation = self._authorise(pledge, project, execution,
                                                saved_with_pledge=alone)
                placed = authorisation.reference
                checks = {project.id: project.version, city.id: city.version}
                if alone:
                    self._save_or_conflict(pledge, **self._checks(checks),
                                           **_carrying(authorisation))
                else:
                    self._save_pledge_with_matches(
                        pledge, project, city.matching_funds, unchanged=checks
                    )
                return pledge
            except ConcurrentChange:
                self._forget_for_pledging(project_id)
                if self._pledge_outcome(pledge_id):  # recorded, though the save said otherwise
                    return self.get_pledge(pledge_id)
                if attempt + 1 < DECIDE_AGAIN:
                    fresh = True
                    continue
                self._release_unrecorded(pledge_id, placed, execution)
                raise
            except DomainError:
                self._release_unrecorded(pledge_id, placed, execution)
                raise
            except Exception as error:
                self._forget_for_pledging(project_id)
                recorded = self._pledge_outcome(pledge_id)
                if recorded:
                    return self.get_pledge(pledge_id)
                if recorded is None:
                    raise OutcomeUnknown(
                        "We could not confirm whether your pledge was recorded. Try again with "
                        "the same request: it will not be recorded twice."
                    ) from error
                storage_failures += 1
                if storage_failures <= STORAGE_RETRIES and attempt + 1 < DECIDE_AGAIN:
                    # Not recorded, and storage answers again (a connection had died): try
                    # again at once. The same key authorises, so the hold is the same one.
                    fresh = True
                    continue
                self._release_unrecorded(pledge_id, placed, execution)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _pledge_checked_against(
        self, project: Project, pledge_id: UUID, citizen_id: UUID, amount: Money,
        payment_method: str, *, fresh: bool,
    ) -> Pledge:
        """A new pledge, checked against the project. A refusal decided on the copy this
        process keeps is decided again on the project as recorded now before it is answered:
        the kept copy may predate the campaign's opening."""
        try:
            return self._new_pledge(project, pledge_id, citizen_id, amount, payment_method)
        except DomainError:
            if fresh or not self._keeps_for_pledging():
                raise
            self._forget_for_pledging(project.id)
            project = self._project_to_pledge_to(project.id, fresh=True)
            return self._new_pledge(project, pledge_id, citizen_id, amount, payment_method)

    def _new_pledge(
        self, project: Project, pledge_id: UUID, citizen_id: UUID, amount: Money,
        payment_method: str,
    ) -> Pledge:
        pledge = Pledge.make(
            pledge_id=pledge_id,
            project=project,
            citizen_id=citizen_id,
            amount=amount,
            payment_method=payment_method,
            now=self.clock.now(),
        )
        if not PAYMENT_METHOD.match(payment_method):
            raise PaymentDeclined("Choose a payment method")
        return pledge

    def _authorise(self, pledge: Pledge, project: Project, execution: int, *,
                   saved_with_pledge: bool = False) -> Authorisation:
        """Place a hold, or save the card, for the pledge."""
        now = self.clock.now()
        hold = (project.closes_at - now).total_seconds() <= self.hold_max_days * 86400
        authorisation = self.payments.authorise(
            pledge_id=pledge.id,
            amount=pledge.amount,
            payment_method=pledge.payment_method,
            hold=hold and self.hold_max_days > 0,
            idempotency_key=authorisation_key(pledge.id, execution),
            saved_with_pledge=saved_with_pledge,
        )
        pledge.authorised(payment_reference=authorisation.reference, kind=authorisation.kind)
        return authorisation

    def _pledge_recorded(self, pledge_id: UUID, citizen_id: UUID) -> bool:
        """Whether a retried request's pledge is already in the log (it must be the caller's)."""
        if not self.recorder.select_events(pledge_id, limit=1):
            return False
        if self.get_pledge(pledge_id).citizen_id != citizen_id:
            raise NotPermitted("A citizen can only pledge in their own name")
        return True

    def _pledge_outcome(self, pledge_id: UUID) -> bool | None:
        """Whether the pledge is in the log, asked afresh; None if storage cannot say."""
        try:
            return bool(self.recorder.select_events(pledge_id, limit=1))
        except Exception:
            return None

    def pledge_target(self, project_id: UUID) -> tuple[Project, City]:
        """The project and its city as this process last read them for pledging: what a pledge's
        answer is written from, without a trip to the read models."""
        project = self._project_to_pledge_to(project_id, fresh=False)
        return project, self._city_to_pledge_in(project.city_id, fresh=False)

    def _forget_for_pledging(self, project_id: UUID) -> None:
        project = self._pledge_projects.pop(project_id, None)
        if project is not None:
            self._pledge_cities.pop(project.city_id, None)

    def _keeps_for_pledging(self) -> bool:
        return self.checks_unchanged

    def _city_to_pledge_in(self, city_id: UUID, *, fresh: bool) -> City:
        """The city (and so its list of matching funds) as last read for pledging."""
        return self._kept_for_pledging(self._pledge_cities, city_id, self.get_city, fresh=fresh)

    def _project_to_pledge_to(self, project_id: UUID, *, fresh: bool) -> Project:
        return self._kept_for_pledging(
            self._pledge_projects, project_id, self.get_project, fresh=fresh
        )

    def _kept_for_pledging(
        self, kept: dict[UUID, Any], aggregate_id: UUID, read: Callable[[UUID], Any], *,
        fresh: bool,
    ) -> Any:
        """An aggregate as last read for pledging. Reused only where the recorder re-checks its
        version when the pledge is saved; otherwise read every time."""
        if not self._keeps_for_pledging():
            return read(aggregate_id)
        aggregate = None if fresh else kept.get(aggregate_id)
        if aggregate is None:
            aggregate = read(aggregate_id)
            if len(kept) >= PLEDGE_PROJECT_CACHE:
                kept.clear()
            kept[aggregate_id] = aggregate
        return aggregate

    def _release_unrecorded(self, pledge_id: UUID, reference: str | None, execution: int) -> None:
        """A pledge that was not recorded must not leave a hold behind. If the processor cannot
        be reached now, `release_orphaned_authorisations` releases it later."""
        if not reference:
            return
        with suppress(Exception):
            self.payments.release(
                reference=reference,
                idempotency_key=idempotency_key(pledge_id, f"release-unrecorded-{execution}"),
            )

    def release_orphaned_authorisations(self, created_from: datetime, created_to: datetime
                                        ) -> list[str]:
        """Release every hold or saved card placed between the two moments that no recorded
        pledge stands on: left by a process killed between the processor's answer and the
        save, or by a save whose outcome could not be learned. Returns their references.

        Run it for authorisations older than any request can live, so none is still about to
        be recorded."""
        released = []
        for placed in self.payments.open_authorisations(created_from, created_to):
            events = self.recorder.select_events(placed.pledge_id, limit=1)
            if events:
                pledge = self.get_pledge(placed.pledge_id)
                if pledge.payment_reference == placed.reference:
                    continue
            self.payments.release(
                reference=placed.reference,
                idempotency_key=f"civicfund-orphan-{placed.reference}-release",
            )
            released.append(placed.reference)
        return released

    def cancel_pledge(self, pledge_id: UUID, *, citizen_id: UUID) -> None:
        actor = current_actor()
        if not actor.is_admin and actor.account_id != str(citizen_id):
            raise NotPermitted("Only the citizen who made a pledge can cancel it")
        pledge = self.get_pledge(pledge_id)
        project = self.get_project(pledge.project_id)
        pledge.cancel(by=citizen_id, project=project, now=self.clock.now())
        self._follow_pledge(pledge, release="the pledge was cancelled", project=project)
        # The hold is released after the cancellation is recorded; the key makes a retry safe.
        self.payments.release(
            reference=pledge.payment_reference or "",
            idempotency_key=idempotency_key(pledge.id, "release"),
        )

