"""Time is a port so deadlines can be tested."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

# A start or due time typed a moment ago still counts as now (a form filled in on the hour, or
# left open a while); anything earlier is in the past and refused.
PAST_GRACE = timedelta(hours=1)


def in_the_past(moment: datetime, now: datetime) -> bool:
    """Whether a start or due time lies in the past, beyond the grace for "now"."""
    return moment < now - PAST_GRACE


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to (tests and demos)."""

    def __init__(self, start: datetime):
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now = self._now + timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self._now = moment
