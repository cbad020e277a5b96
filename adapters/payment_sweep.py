"""The worker's sweep for card holds and saved cards that no recorded pledge stands on.

They are rare but possible: a web process killed between the card processor's answer and the
save, or a save whose outcome could not be learned. The sweep looks at each authorisation once,
when it is older than any request can live (GRACE), and releases those the log does not hold.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from adapters import tables as t
from domain.application import Civicfund
from domain.kernel.context import SYSTEM, acting_as, new_correlation_id

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=2)  # a request runs for at most 30 s (gunicorn's timeout)
FIRST_LOOK_BACK = timedelta(days=7)  # card holds last about a week
NAME = "orphaned-authorisations"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sweep_orphaned_authorisations(
    app: Civicfund, engine: sa.Engine, *, now: datetime | None = None,
    grace: timedelta = GRACE,
) -> list[str]:
    """Release the orphaned authorisations placed since the last sweep (and at least `grace`
    ago). Returns their references."""
    now = now or datetime.now(UTC)
    until = now - grace
    s = t.sweep_positions.c
    with engine.connect() as conn:
        swept_to = conn.execute(sa.select(s.swept_to).where(s.name == NAME)).scalar()
    since = _aware(swept_to) if swept_to is not None else until - FIRST_LOOK_BACK
    if until <= since:
        return []
    with acting_as(SYSTEM, new_correlation_id("sweep")):
        released = app.release_orphaned_authorisations(since, until)
    with engine.begin() as conn:
        moved = conn.execute(t.sweep_positions.update().where(s.name == NAME)
                             .values(swept_to=until))
        if moved.rowcount == 0:
            conn.execute(t.sweep_positions.insert().values(name=NAME, swept_to=until))
    for reference in released:
        log.warning("released %s: no recorded pledge stands on it", reference)
    return released
