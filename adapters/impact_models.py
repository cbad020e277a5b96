"""Read models of pilots' impact: rm_impact_indicators and rm_impact_values (the evidence of each
value is kept outside the log, in impact_evidence, by adapters/impact_queries.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Connection

from adapters import tables as t
from domain.crowdfunding.impact import PilotImpact

Handler = Callable[[Connection, Any], None]


class ImpactModels:
    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            PilotImpact.IndicatorDefined: self.defined,
            PilotImpact.ValueReported: self.reported,
        }

    def defined(self, conn: Connection, e: PilotImpact.IndicatorDefined) -> None:
        conn.execute(t.impact_indicators.insert().values(
            project_id=e.project_id, number=e.number, city_id=e.city_id, name=e.name,
            unit=e.unit, target=e.target, direction=e.direction,
            negatives_allowed=e.negatives_allowed, money_benefit=e.money_benefit,
            defined_at=e.timestamp,
        ))

    def reported(self, conn: Connection, e: PilotImpact.ValueReported) -> None:
        conn.execute(t.impact_values.insert().values(
            report_id=UUID(e.report_id), project_id=e.project_id, indicator=e.indicator,
            measured_on=date.fromisoformat(e.on), value=e.value, reported_at=e.timestamp,
        ))
