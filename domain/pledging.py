"""Pledging: a citizen's promise, secured with the card processor, recorded against the project
as it stands."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.city import City
from domain.context import current_actor
from domain.errors import (
    ConcurrentChange,
    DomainError,
    NotPermitted,
    PaymentDeclined,
)
from domain.fund_keeping import FUND_ATTEMPTS
from domain.money import Money
from domain.payments import idempotency_key
from domain.pledge import Pledge, new_pledge_id
from domain.project import Project

PAYMENT_METHOD = re.compile(r"^[A-Za-z0-9_]{1,80}$")
# Projects (and cities) kept as read for pledging (each re-checked when a pledge is saved).
PLEDGE_PROJECT_CACHE = 1024


class Pledging:
    """Use cases of the Civicfund application (a mixin: `self` is the application)."""

    # -- pledges ---------------------------------------------------------------------------

    def make_pledge(
        self, *, project_id: UUID, citizen_id: UUID, amount: Money, payment_method: str
    ) -> UUID:
        """Authorise the payment first, then record the pledge and its authorisation at once.

        A declined card records nothing. The gateway call carries a key derived from the new
        pledge id, so a retry of the same call cannot place a second hold. The pledge is saved
        on condition that the project is still as it was checked; if the project changed in the
        meantime it is read again and checked again. Each eligible matching fund reserves its
        match in the same save; a fund that changed in between is read again and decides again.
        """
        if current_actor().role != "citizen":
            raise NotPermitted("Only citizens can pledge")
        if current_actor().account_id != str(citizen_id):
            raise NotPermitted("A citizen can only pledge in their own name")
        payment_method = (payment_method or "").strip()
        pledge_id = new_pledge_id()
        placed: str | None = None  # the hold or saved card placed for this pledge, if any
        for attempt in range(FUND_ATTEMPTS):
            fresh = attempt > 0
            project = self._project_to_pledge_to(project_id, fresh=fresh)
            try:
                city = self._city_to_pledge_in(project.city_id, fresh=fresh)
                pledge = self._authorised_pledge(
                    pledge_id, project, citizen_id, amount, payment_method
                )
                placed = pledge.payment_reference
                checks = {project.id: project.version, city.id: city.version}
                if city.matching_funds:
                    self._save_pledge_with_matches(
                        pledge, project, city.matching_funds, unchanged=checks
                    )
                else:
                    self._save_or_conflict(pledge, **self._checks(checks))
                return pledge.id
            except ConcurrentChange:
                self._pledge_projects.pop(project_id, None)
                self._pledge_cities.pop(project.city_id, None)
                if attempt + 1 < FUND_ATTEMPTS:
                    continue
                self._release_unrecorded(pledge_id, placed)
                raise
            except DomainError:
                self._release_unrecorded(pledge_id, placed)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

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
        if not getattr(self.recorder, "checks_unchanged_since", False):
            return read(aggregate_id)
        aggregate = None if fresh else kept.get(aggregate_id)
        if aggregate is None:
            aggregate = read(aggregate_id)
            if len(kept) >= PLEDGE_PROJECT_CACHE:
                kept.clear()
            kept[aggregate_id] = aggregate
        return aggregate

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
        self._follow_pledge(pledge, release="the pledge was cancelled", project=project)
        # The hold is released after the cancellation is recorded; the key makes a retry safe.
        self.payments.release(
            reference=pledge.payment_reference or "",
            idempotency_key=idempotency_key(pledge.id, "release"),
        )

