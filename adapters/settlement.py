"""Settlement from the outside: which pledges a project has, which campaigns are due, and the
rounds the worker (and `civicfund settle`) run."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.follower import ProjectionFollower
from domain.application import Civicfund
from domain.context import SYSTEM, acting_as, new_correlation_id
from domain.errors import DomainError
from domain.settlement import SettlementReport

log = logging.getLogger(__name__)


class ReadModelPledgeIndex:
    """A project's pledges from rm_pledges, caught up with the log first so none is missing."""

    def __init__(self, engine: sa.Engine, projections: ProjectionFollower | None = None):
        self.engine = engine
        self.projections = projections

    def pledges_of(self, project_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.pledges.c.id).where(t.pledges.c.project_id == project_id)
                .order_by(t.pledges.c.made_at, t.pledges.c.id)
            ).scalars())

    def projects_in(self, city_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.projects.c.id).where(t.projects.c.city_id == city_id)
                .order_by(t.projects.c.drafted_at, t.projects.c.id)
            ).scalars())

    def pledges_by(self, citizen_id: UUID) -> list[UUID]:
        if self.projections is not None:
            self.projections.catch_up()
        with self.engine.connect() as conn:
            return list(conn.execute(
                sa.select(t.pledges.c.id).where(t.pledges.c.citizen_id == citizen_id)
                .order_by(t.pledges.c.made_at, t.pledges.c.id)
            ).scalars())

    def cities(self) -> list[UUID]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(t.cities.c.id).order_by(t.cities.c.name)).scalars())


def due_projects(engine: sa.Engine, now: datetime) -> list[UUID]:
    """Open campaigns past their deadline, and decided or cancelled ones not yet settled."""
    p = t.projects.c
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(p.id).where(
                ((p.status == "open") & (p.closes_at <= now))
                | (p.status.in_(("funded", "unfunded", "cancelled")) & ~p.settled)
            ).order_by(p.closes_at)
        ).scalars())


def failed_payments(engine: sa.Engine) -> list[tuple[UUID, datetime]]:
    """Pledges whose charge failed, with the end of their fix window."""
    with engine.connect() as conn:
        return [(row.id, row.fix_by) for row in conn.execute(
            sa.select(t.pledges.c.id, t.pledges.c.fix_by)
            .where(t.pledges.c.status == "payment_failed")
        )]


def settle_due(
    app: Civicfund, engine: sa.Engine, projections: ProjectionFollower,
    project_id: UUID | None = None,
) -> list[SettlementReport]:
    """One round: close matching funds whose window has ended, settle due campaigns (or the one
    named) and drop payments past their window."""
    projections.catch_up()
    # Funds first: a quadratic round shares its pool at its end, in time for the campaigns
    # deciding now to count their share.
    with acting_as(SYSTEM, new_correlation_id("close-funds")):
        try:
            app.close_due_matching_funds()
        except DomainError as error:
            log.warning("could not close the due matching funds: %s", error.message)
    projections.catch_up()
    now = app.clock.now()
    targets = [project_id] if project_id else due_projects(engine, now)
    reports = []
    for target in targets:
        with acting_as(SYSTEM, new_correlation_id("settle")):
            try:
                reports.append(app.settle(target))
            except DomainError as error:
                log.warning("could not settle %s: %s", target, error.message)
        projections.catch_up()
    for pledge_id, _fix_by in failed_payments(engine):
        # The pledge decides: retry the card when a retry is due, drop it once the window ends.
        with acting_as(SYSTEM, new_correlation_id("retry")):
            app.retry_charge(pledge_id)
            app.drop_unpaid(pledge_id)
    projections.catch_up()
    return reports
