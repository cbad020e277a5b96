"""Erasing a person, end to end.

A request is kept first (who asked, the reason's category, an administrator's free-text note),
then the domain erases: live pledges are cancelled through the real use case and
`Account.Erased` is recorded, unless a pledge is still being settled, in which case the request
waits and the worker tries again each round. Once the log says the account is erased, the
platform forgets the person, in one transaction: the `accounts` row keeps its id and role but
loses name, email and password hash; their display name and API tokens are deleted; their
mail in the outbox loses its subjects and bodies. Sessions end because an erased account no
longer loads.

The log keeps every event (no personal data is in it) and every figure stays as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from adapters import tables as t
from adapters.accounts import tombstone_email
from adapters.conversation_texts import scrub_conversation
from adapters.follower import ProjectionFollower
from adapters.mail import scrub_mail
from adapters.profiles import forget_profile
from adapters.queries import PledgeView, ReadModelQueries
from domain.application import Civicfund
from domain.kernel.context import SYSTEM, Actor, acting_as, current_actor, new_correlation_id
from domain.kernel.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureRequest:
    account_id: UUID
    requested_at: datetime
    requested_by: str  # the account id of whoever asked: the person, or an administrator
    requested_by_role: str
    reason: str  # a category of domain.accounts.account.ERASURE_REASONS, as the log records it
    note: str | None  # an administrator's words; never in the log
    erased_at: datetime | None

    @property
    def waiting(self) -> bool:
        return self.erased_at is None


@dataclass
class ErasureOutcome:
    """What a request came to: erased now, or waiting for the pledges being settled."""

    account_id: UUID
    erased: bool
    cancelled: list[PledgeView] = field(default_factory=list)
    waiting_for: list[PledgeView] = field(default_factory=list)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _request(row: sa.Row) -> ErasureRequest:
    return ErasureRequest(
        row.account_id, _aware(row.requested_at), row.requested_by, row.requested_by_role,
        row.reason, row.note, _aware(row.erased_at),
    )


def forget_person(conn: Connection, account_id: UUID, now: datetime) -> None:
    """Everything the platform holds about the person, outside the log, in one transaction."""
    conn.execute(
        t.accounts.update().where(t.accounts.c.id == account_id).values(
            name="", email=tombstone_email(account_id), password_hash="", erased_at=now,
        )
    )
    conn.execute(t.api_tokens.delete().where(t.api_tokens.c.account_id == account_id))
    scrub_mail(conn, account_id, now)
    scrub_conversation(conn, account_id)
    forget_profile(conn, account_id)


class Erasures:
    def __init__(self, engine: sa.Engine, app: Civicfund, projections: ProjectionFollower,
                 read: ReadModelQueries):
        self.engine = engine
        self.app = app
        self.projections = projections
        self.read = read

    # -- reading -------------------------------------------------------------------------------

    def request_of(self, account_id: UUID) -> ErasureRequest | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.account_erasures).where(t.account_erasures.c.account_id == account_id)
            ).first()
        return _request(row) if row else None

    def requests(self) -> dict[UUID, ErasureRequest]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.account_erasures)).all()
        return {row.account_id: _request(row) for row in rows}

    def waiting_for(self, account_id: UUID) -> list[PledgeView]:
        """The person's pledges an erasure would wait for: being settled, not cancellable."""
        now = self.app.clock.now()
        return [
            pledge for pledge in self.read.pledges_of(account_id)
            if pledge.status == "payment_failed" or (
                pledge.status == "authorised"
                and not (pledge.project_status == "open" and now < pledge.closes_at)
            )
        ]

    # -- erasing -------------------------------------------------------------------------------

    def request(self, account_id: UUID, *, reason: str, note: str | None = None
                ) -> ErasureOutcome:
        """Erase the account now if its pledges allow, else keep the request waiting. Run as
        the person or an administrator (the domain checks who may). A request already waiting
        stands as it was asked (reason and requester); asking again only tries it now."""
        actor = current_actor()
        earlier = self.request_of(account_id)
        if earlier is not None:
            reason, requested_by = earlier.reason, earlier.requested_by
        else:
            requested_by = actor.account_id
        inserted = earlier is None and self._keep_request(
            account_id, actor, reason, (note or "").strip() or None
        )
        try:
            return self._carry_out(account_id, reason=reason, requested_by=requested_by)
        except DomainError:
            if inserted:
                self._drop_request(account_id)
            raise

    def carry_out_waiting(self) -> list[ErasureOutcome]:
        """The worker's round: finish every erasure whose pledges have been settled since."""
        done = []
        for request in self.requests().values():
            if not request.waiting:
                continue
            with acting_as(SYSTEM, new_correlation_id("erase")):
                try:
                    outcome = self._carry_out(request.account_id, reason=request.reason,
                                              requested_by=request.requested_by)
                except DomainError as error:
                    log.warning("could not erase %s: %s", request.account_id, error.message)
                    continue
            if outcome.erased:
                done.append(outcome)
        return done

    def _carry_out(self, account_id: UUID, *, reason: str, requested_by: str) -> ErasureOutcome:
        try:
            erasure = self.app.erase_account(account_id, reason=reason,
                                             requested_by=requested_by)
        finally:
            self.projections.catch_up()
        outcome = ErasureOutcome(
            account_id, erasure.erased,
            cancelled=[p for p in map(self.read.pledge, erasure.cancelled) if p is not None],
            waiting_for=[p for p in (self.read.pledge(w.id) for w in erasure.waiting_for)
                         if p is not None],
        )
        if erasure.erased:
            now = datetime.now(UTC)
            with self.engine.begin() as conn:
                forget_person(conn, account_id, now)
                conn.execute(
                    t.account_erasures.update()
                    .where(t.account_erasures.c.account_id == account_id)
                    .values(erased_at=now)
                )
        return outcome

    def _keep_request(self, account_id: UUID, actor: Actor, reason: str,
                      note: str | None) -> bool:
        """Record who asked and why, once; returns whether this call recorded it."""
        try:
            with self.engine.begin() as conn:
                conn.execute(t.account_erasures.insert().values(
                    account_id=account_id, requested_at=datetime.now(UTC),
                    requested_by=actor.account_id, requested_by_role=actor.role,
                    reason=reason[:30], note=note, erased_at=None,
                ))
        except sa.exc.IntegrityError:  # asked twice at once: the first request stands
            return False
        return True

    def _drop_request(self, account_id: UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.account_erasures.delete()
                .where(t.account_erasures.c.account_id == account_id)
                .where(t.account_erasures.c.erased_at.is_(None))
            )
