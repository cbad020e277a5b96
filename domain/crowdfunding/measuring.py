"""Measuring a funded pilot's impact: its delivery owner or its city's officers define the
indicators and report the values measured (domain/crowdfunding/impact.py holds the rules)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from copy import deepcopy
from datetime import date
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError

from domain.crowdfunding.delivering import Delivering
from domain.crowdfunding.impact import MEASURED_STATUSES, PilotImpact
from domain.crowdfunding.project import Project
from domain.kernel.errors import ConcurrentChange, InvalidTransition


class Measuring(Delivering):
    """Delivering, plus the pilot's impact indicators and their measured values."""

    def impact_of(self, project_id: UUID) -> PilotImpact | None:
        try:
            found = self.repository.get(PilotImpact.create_id(project_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, PilotImpact) else None

    def _measured(self, project_id: UUID, change: Callable[[PilotImpact], object]
                  ) -> tuple[Project, PilotImpact]:
        project = self._deliver(project_id)
        if project.status not in MEASURED_STATUSES:
            raise InvalidTransition(f"Impact is measured once a pilot is funded; this one is "
                                    f"{project.status}")
        impact = self.impact_of(project_id)
        if impact is None:
            started = PilotImpact(project_id=project.id, city_id=project.city_id,
                                  currency=project.currency)
            change(deepcopy(started))  # bad input is refused before anything is recorded
            # Started on its own first: two first indicators at once would otherwise both start
            # it, and the second could not be decided again on top of the first.
            with suppress(ConcurrentChange):
                self._save_or_conflict(started)
            impact = self.impact_of(project_id)
        if impact is None:  # pragma: no cover - saved just now, by this call or another
            raise ConcurrentChange("Please try again")
        return project, impact

    def funded_on(self, project: Project) -> date:
        """The day (in the city's time zone) the funded campaign closed: its deadline, or the
        day it started closing when it closed early."""
        timezone = ZoneInfo(self.get_city(project.city_id).timezone)
        closed = project.closes_at
        if getattr(project, "closed_early", False):
            for stored in self.repository.event_store.get(project.id):
                if isinstance(stored, Project.ClosingStarted):
                    closed = min(closed, stored.timestamp)
        return closed.astimezone(timezone).date()

    def define_indicator(self, project_id: UUID, *, name: object, unit: object,
                         target: object, direction: object, negatives_allowed: object = False,
                         money_benefit: object = False) -> int:
        def define(impact: PilotImpact) -> int:
            return impact.define(name=name, unit=unit, target=target, direction=direction,
                                 negatives_allowed=negatives_allowed,
                                 money_benefit=money_benefit)

        return self._decide_on(lambda: self._measured(project_id, define)[1], define)

    def report_indicator_value(self, project_id: UUID, *, indicator: object, on: object,
                               value: object, unit: object = None) -> UUID:
        """Records the value; returns the report's id, under which the caller keeps its
        evidence (outside the log). Two reports at once are decided one after the other."""
        project = self._deliver(project_id)
        timezone = ZoneInfo(self.get_city(project.city_id).timezone)
        report_id = uuid4()

        def report(impact: PilotImpact) -> UUID:
            impact.report(report_id=report_id, indicator=indicator, on=on, value=value,
                          unit=unit, funded_on=self.funded_on(self.get_project(project_id)),
                          today=self.clock.now().astimezone(timezone).date())
            return report_id

        return self._decide_on(lambda: self._measured(project_id, report)[1], report)
