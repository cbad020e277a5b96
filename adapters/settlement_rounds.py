"""The settlement rounds the worker (and `civicfund settle`) run: which campaigns are due, which
failed payments to retry or drop, and settling them."""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.follower import ProjectionFollower
from domain.application import Civicfund
from domain.crowdfunding.settlement import SettlementReport
from domain.kernel.context import SYSTEM, acting_as, new_correlation_id
from domain.kernel.errors import DomainError

log = logging.getLogger(__name__)


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
            if app.close_due_matching_funds():
                projections.catch_up()
        except DomainError as error:
            log.warning("could not close the due matching funds: %s", error.message)
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
    failed = failed_payments(engine)
    for pledge_id, _fix_by in failed:
        # The pledge decides: retry the card when a retry is due, drop it once the window ends.
        with acting_as(SYSTEM, new_correlation_id("retry")):
            app.retry_charge(pledge_id)
            app.drop_unpaid(pledge_id)
    if failed:
        projections.catch_up()
    return reports
