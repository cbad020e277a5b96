"""A citizen's yearly statement of their pledges, usable as a donation record: every pledge made,
charged or refunded in a calendar year, and per currency what was actually paid that year (what
was charged in it minus what was refunded in it). Years are read in each pilot's city zone, as
the citizen's receipts show their dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.kernel.money import Money


@dataclass(frozen=True)
class PledgeRecord:
    """One pledge as the statement reads it: when it was made, charged and refunded."""

    pledge_id: UUID
    project_id: UUID
    project_title: str
    amount: Money
    status: str
    made_at: datetime
    charged_at: datetime | None
    refunded_at: datetime | None
    timezone: str = "UTC"

    def local_date(self, moment: datetime | None) -> date | None:
        return moment.astimezone(ZoneInfo(self.timezone)).date() if moment else None

    @property
    def made_on(self) -> date:
        return self.local_date(self.made_at)

    @property
    def charged_on(self) -> date | None:
        return self.local_date(self.charged_at)

    @property
    def refunded_on(self) -> date | None:
        return self.local_date(self.refunded_at)

    def paid_in(self, year: int) -> Money:
        """What this pledge paid in the year: charged in it, less refunded in it."""
        minor = 0
        if self.charged_on and self.charged_on.year == year:
            minor += self.amount.minor
        if self.refunded_on and self.refunded_on.year == year:
            minor -= self.amount.minor
        return Money(minor, self.amount.currency)

    def touches(self, year: int) -> bool:
        return any(day is not None and day.year == year
                   for day in (self.made_on, self.charged_on, self.refunded_on))


@dataclass(frozen=True)
class PledgeStatement:
    year: int
    lines: tuple[PledgeRecord, ...]

    @property
    def currencies(self) -> list[str]:
        return sorted({line.amount.currency for line in self.lines})

    def paid(self) -> list[Money]:
        """Per currency (never mixed), what was paid in the year, in currency order."""
        return [
            sum((line.paid_in(self.year) for line in self.lines
                 if line.amount.currency == currency), Money.zero(currency))
            for currency in self.currencies
        ]


def pledge_statement(year: int, pledges: list[PledgeRecord]) -> PledgeStatement:
    """The year's statement: the pledges it touches, oldest first."""
    lines = sorted((p for p in pledges if p.touches(year)),
                   key=lambda p: (p.made_at, str(p.pledge_id)))
    return PledgeStatement(year, tuple(lines))
