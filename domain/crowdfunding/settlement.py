"""What settling a campaign needs from outside the aggregates, and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from eventsourcing.application import Application

from domain.cities.city import City
from domain.crowdfunding.pledge import Pledge
from domain.crowdfunding.project import Project


class PledgeIndex(Protocol):
    def pledges_of(self, project_id: UUID) -> list[UUID]:
        """Every pledge of the project recorded in the log so far, whatever its state."""
        ...

    def projects_in(self, city_id: UUID) -> list[UUID]:
        """Every project of the city recorded so far (a quadratic round shares among them)."""
        ...

    def pledges_by(self, citizen_id: UUID) -> list[UUID]:
        """Every pledge the account made, whatever its state (an erasure goes through them)."""
        ...

    def cities(self) -> list[UUID]:
        ...


class LogPledgeIndex:
    """Finds a project's pledges by reading the whole log: exact, and fine for the small logs
    of tests kept in memory; the platform uses the read model instead."""

    def __init__(self, app: Application):
        self.app = app

    def pledges_of(self, project_id: UUID) -> list[UUID]:
        return [
            e.originator_id for e in self._events(Pledge.Made)
            if e.project_id == project_id
        ]

    def projects_in(self, city_id: UUID) -> list[UUID]:
        return [
            e.originator_id for e in self._events(Project.Drafted)
            if e.city_id == city_id
        ]

    def pledges_by(self, citizen_id: UUID) -> list[UUID]:
        return [
            e.originator_id for e in self._events(Pledge.Made)
            if e.citizen_id == citizen_id
        ]

    def cities(self) -> list[UUID]:
        return [e.originator_id for e in self._events(City.Added)]

    def _events(self, event_class: type) -> list:
        topic = f"{event_class.__module__}:{event_class.__qualname__}"
        found = []
        position = 0
        while True:
            batch = self.app.recorder.select_notifications(
                start=position + 1, limit=1000, topics=(topic,)
            )
            found += [self.app.mapper.to_domain_event(n) for n in batch]
            if len(batch) < 1000:
                return found
            position = batch[-1].id


@dataclass
class SettlementReport:
    project_id: UUID
    outcome: str = ""
    charged: int = 0
    failed: int = 0
    released: int = 0
    refunded: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return bool(self.outcome or self.charged or self.failed or self.released or self.refunded)
