"""What a citizen's yearly pledge statement reads: their pledges (rm_pledges) with when each was
charged and refunded, as the ledger recorded those events (ledger_postings on the citizen's
`paid` account, stamped with the event's time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from domain.crowdfunding.pledge_statements import PledgeRecord, PledgeStatement, pledge_statement

CHARGED, REFUNDED = "Pledge.Charged", "Pledge.Refunded"


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class PledgeStatementQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]
    pledges_of: Callable[[UUID], list[Any]]

    def pledge_records(self, citizen_id: UUID, pledges: list[Any] | None = None
                       ) -> list[PledgeRecord]:
        """The citizen's pledges as the statement reads them (`pledges`: their PledgeViews,
        when the caller has them already)."""
        p = t.ledger_postings.c
        moments = self._all(
            sa.select(p.pledge_id, p.event, sa.func.min(p.recorded_at).label("at"))
            .where(p.owner == "citizen", p.owner_id == citizen_id, p.bucket == "paid",
                   p.event.in_((CHARGED, REFUNDED)), p.pledge_id.is_not(None))
            .group_by(p.pledge_id, p.event))
        when = {(r.pledge_id, r.event): _aware(r.at) for r in moments}
        return [
            PledgeRecord(
                pledge_id=pledge.id, project_id=pledge.project_id,
                project_title=pledge.project_title, amount=pledge.amount, status=pledge.status,
                made_at=pledge.made_at, charged_at=when.get((pledge.id, CHARGED)),
                refunded_at=when.get((pledge.id, REFUNDED)), timezone=pledge.timezone,
            )
            for pledge in (self.pledges_of(citizen_id) if pledges is None else pledges)
        ]

    def pledge_statement(self, citizen_id: UUID, year: int) -> PledgeStatement:
        return pledge_statement(year, self.pledge_records(citizen_id))

    def pledge_statement_years(self, citizen_id: UUID, pledges: list[Any] | None = None
                               ) -> list[int]:
        """The years the citizen's pledges were made, charged or refunded in, latest first."""
        return sorted({day.year for record in self.pledge_records(citizen_id, pledges)
                       for day in (record.made_on, record.charged_on, record.refunded_on)
                       if day is not None}, reverse=True)
