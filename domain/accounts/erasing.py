"""Erasing a person: their live pledges are cancelled through the real use case first; pledges
already being settled (a campaign closing, a failed card still fixable) make the erasure wait.
Charged pledges stay as they are: the money moved. The log keeps every event; the person's data
(outside the log) is removed by the adapters once `Account.Erased` is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.accounts.account import ERASURE_REASONS, OWN_REQUEST, InvalidErasure
from domain.crowdfunding.pledge import AUTHORISED, PAYMENT_FAILED, Pledge
from domain.crowdfunding.pledging import Pledging
from domain.kernel.context import current_actor
from domain.kernel.errors import NotPermitted


@dataclass
class Erasure:
    """What an erasure did: `erased`, or what it waits for; the pledges it cancelled."""

    account_id: UUID
    erased: bool = False
    cancelled: list[UUID] = field(default_factory=list)
    # Pledges that cannot be cancelled any more and are not settled yet.
    waiting_for: list[Pledge] = field(default_factory=list)


class Erasing(Pledging):
    """Erasing a person: their live pledges are cancelled first (through pledging)."""

    def erase_account(self, account_id: UUID, *, reason: str, requested_by: str) -> Erasure:
        """Cancel the person's live pledges, then record `Account.Erased` unless a pledge is
        still being settled. Safe to run again: the worker does, for erasures that wait."""
        if reason not in ERASURE_REASONS:
            raise InvalidErasure(f"Reason must be one of {', '.join(ERASURE_REASONS)}")
        actor = current_actor()
        own = actor.account_id == str(account_id)
        if not own and not actor.is_admin:
            raise NotPermitted("Only the person themselves or an administrator erases an account")
        if own and actor.role == "admin":
            raise NotPermitted("An administrator's account is erased by another administrator")
        if (reason == OWN_REQUEST) != (requested_by == str(account_id)):
            raise NotPermitted("Only the person themselves asks for their own erasure")
        account = self.get_account(account_id)
        erasure = Erasure(account_id)
        now = self.clock.now()
        for pledge_id in self.pledge_index.pledges_by(account_id):
            pledge = self.get_pledge(pledge_id)
            if pledge.status not in (AUTHORISED, PAYMENT_FAILED):
                continue  # charged (the money moved), or already let go
            if pledge.status == AUTHORISED and self._cancellable(pledge, now):
                self.cancel_pledge(pledge.id, citizen_id=pledge.citizen_id)
                erasure.cancelled.append(pledge.id)
            else:
                # Being settled: charged, released or dropped soon, whatever happens next.
                erasure.waiting_for.append(pledge)
        if erasure.waiting_for:
            return erasure
        account.erase(reason=reason, requested_by=requested_by)
        self.save(account)
        erasure.erased = True
        return erasure

    def _cancellable(self, pledge: Pledge, now: datetime) -> bool:
        return self.get_project(pledge.project_id).is_taking_pledges(now)
