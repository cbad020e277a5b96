"""What every use case of the Civicfund application may use: its collaborators (the payment
processor, the clock, the pledge index), loading aggregates, permissions, and saving on
condition that what a decision rested on is unchanged.

Each area's use cases are a class deriving from this one (crowdfunding's Pledging, Settling and
Delivering; matching's Matching; accounts' Erasing); `Civicfund` (domain/application.py) is all
of them over one event store. Where one area needs another, it names what it needs in a class of
its own (e.g. crowdfunding's FundingPartners) which the other area implements.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ExitStack
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from domain.accounts.account import Account
from domain.cities.city import City
from domain.crowdfunding.pledge import Pledge
from domain.crowdfunding.project import Project
from domain.crowdfunding.settlement import PledgeIndex
from domain.kernel.clock import Clock
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    DECIDE_AGAIN,
    ConcurrentChange,
    InvalidCity,
    NotFound,
    NotPermitted,
)
from domain.kernel.payments import PaymentGateway
from domain.kernel.ports import ChecksUnchanged, DecidesExclusively

# The highest log position this context's commands recorded (read-your-writes: a reader waits
# for the read models to reach it).
T = TypeVar("T")

_written: ContextVar[int] = ContextVar("civicfund_written_position", default=0)


def written_position() -> int:
    return _written.get()


def forget_written_position() -> None:
    _written.set(0)


class CivicfundCore(Application[UUID]):
    payments: PaymentGateway
    clock: Clock
    hold_max_days: int  # campaigns closing within this many days get a card hold
    pledge_index: PledgeIndex

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

    def _city_managed_by_actor(self, city_id: UUID) -> City:
        """The city named in a city officer's command; refused if it does not exist or the
        actor is not one of its officers."""
        try:
            city = self.get_city(city_id)
        except NotFound:
            raise InvalidCity("That city does not exist", field="city") from None
        self._require_officer_of(city.id)
        return city

    def _require_officer_of(self, city_id: UUID) -> None:
        actor = current_actor()
        if actor.is_admin:
            return
        if actor.role != "city":
            raise NotPermitted("Only a city officer can manage projects")
        account = self.get_account(UUID(actor.account_id))
        if account.role != "city" or account.city_id != city_id:
            raise NotPermitted("Only officers of this project's city can manage it")

    # -- saving ----------------------------------------------------------------------------

    # The highest log position this process recorded (its readers catch up to it first).
    highest_written = 0
    _written_guard = threading.Lock()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        recordings = super().save(*objs, **kwargs)
        if recordings:
            newest = max(r.notification.id for r in recordings)
            if newest > _written.get():
                _written.set(newest)
            with self._written_guard:
                self.highest_written = max(self.highest_written, newest)
        return recordings

    @property
    def checks_unchanged(self) -> bool:
        """Whether the event store can record on condition that other aggregates are
        unchanged (so a copy kept between commands is checked when it is used)."""
        return isinstance(self.recorder, ChecksUnchanged)

    def _checks(self, versions: dict[UUID, int]) -> dict[str, Any]:
        if not versions or not self.checks_unchanged:
            return {}
        return {"unchanged_since": versions}

    def _decide_on(self, aggregate: Callable[[], Any], change: Callable[[Any], T], *,
                   unchanged: Callable[[], Any] | None = None) -> T:
        """Decide on one aggregate as recorded and save the outcome (on condition that the
        aggregate `unchanged` returns, if any, is unchanged); decide again if another process
        changed either. Where the event store can, the aggregate's turn is exclusive."""
        for attempt in range(DECIDE_AGAIN):
            with ExitStack() as stack:
                decided = aggregate()
                if isinstance(self.recorder, DecidesExclusively):
                    recorded = stack.enter_context(self.recorder.exclusive(
                        [decided.id], after={decided.id: decided.version}
                    ))
                    for stored in recorded:
                        self.mapper.to_domain_event(stored).mutate(decided)
                checks: dict[UUID, int] = {}
                if unchanged is not None:
                    other = unchanged()
                    checks = {other.id: other.version}
                result = change(decided)
                try:
                    self._save_or_conflict(decided, **self._checks(checks))
                except ConcurrentChange:
                    if attempt + 1 < DECIDE_AGAIN:
                        continue
                    raise
                return result
        raise NotFound("unreachable")  # pragma: no cover

    def _save_or_conflict(self, *objs: Any, **kwargs: Any) -> None:
        try:
            self.save(*objs, **kwargs)
        except IntegrityError:
            raise ConcurrentChange(
                "Something this change depends on was changed at the same time; please try again"
            ) from None
