"""What pages and the API read about pilots' impact: each indicator with its values (oldest
first) and their evidence, a city's pilots' indicators together, and the approved benefit
reports' total; and keeping a value's evidence (outside the log) under its report id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from domain.crowdfunding.impact import HIGHER, met


@dataclass(frozen=True)
class ImpactValueView:
    report_id: UUID
    measured_on: date
    value: Decimal
    evidence: str
    links: list[str]


@dataclass(frozen=True)
class IndicatorView:
    project_id: UUID
    number: int
    name: str
    unit: str
    target: Decimal
    direction: str
    negatives_allowed: bool
    money_benefit: bool
    values: list[ImpactValueView] = field(default_factory=list)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER

    @property
    def latest(self) -> ImpactValueView | None:
        return self.values[-1] if self.values else None

    @property
    def on_target(self) -> bool | None:
        """Whether the latest value meets the target; None before any value."""
        latest = self.latest
        return None if latest is None else met(self, latest.value)  # type: ignore[arg-type]

    @property
    def realised(self) -> Decimal:
        """A money benefit's values added up (its benefits realised so far)."""
        return sum((v.value for v in self.values), Decimal(0))


@dataclass(frozen=True)
class PilotImpactView:
    project_id: UUID
    title: str
    status: str
    indicators: list[IndicatorView]


def _indicator(row: Any, values: list[ImpactValueView]) -> IndicatorView:
    return IndicatorView(row.project_id, row.number, row.name, row.unit, Decimal(row.target),
                         row.direction, row.negatives_allowed, row.money_benefit, values)


class ImpactQueries:
    """Mixed into ReadModelQueries."""

    engine: sa.Engine
    _all: Callable[..., list[Any]]  # ReadModelQueries's: run a statement on the read engine

    def _indicators_where(self, condition: Any) -> list[IndicatorView]:
        i, v, ev = t.impact_indicators.c, t.impact_values.c, t.impact_evidence.c
        rows = self._all(sa.select(t.impact_indicators).where(condition)
                         .order_by(i.project_id, i.number))
        if not rows:
            return []
        values = self._all(
            sa.select(v.project_id, v.indicator, v.report_id, v.measured_on, v.value,
                      ev.text, ev.links)
            .select_from(t.impact_values.outerjoin(t.impact_evidence,
                                                   ev.report_id == v.report_id))
            .where(v.project_id.in_({r.project_id for r in rows}))
            .order_by(v.measured_on)
        )
        by_indicator: dict[tuple[UUID, int], list[ImpactValueView]] = {}
        for r in values:
            by_indicator.setdefault((r.project_id, r.indicator), []).append(ImpactValueView(
                r.report_id, r.measured_on, Decimal(r.value), r.text or "", list(r.links or [])))
        return [_indicator(r, by_indicator.get((r.project_id, r.number), [])) for r in rows]

    def indicators_of(self, project_id: UUID) -> list[IndicatorView]:
        return self._indicators_where(t.impact_indicators.c.project_id == project_id)

    def city_impact(self, city_id: UUID) -> list[PilotImpactView]:
        """Each of the city's pilots that has indicators, with them (by title)."""
        indicators = self._indicators_where(t.impact_indicators.c.city_id == city_id)
        if not indicators:
            return []
        p = t.projects.c
        pilots = self._all(sa.select(p.id, p.title, p.status)
                           .where(p.id.in_({i.project_id for i in indicators}))
                           .order_by(p.title))
        return [PilotImpactView(r.id, r.title, r.status,
                                [i for i in indicators if i.project_id == r.id])
                for r in pilots]

    def approved_benefits(self, project_id: UUID) -> int:
        """The approved benefit reports' amounts added up, in the pilot's minor units."""
        r = t.benefit_reports.c
        rows = self._all(sa.select(sa.func.coalesce(sa.func.sum(r.amount), 0))
                         .where(r.project_id == project_id, r.status == "approved"))
        return int(rows[0][0]) if rows else 0

    def keep_evidence(self, report_id: UUID, text: str, links: list[str]) -> None:
        """A reported value's evidence, under the id its event names (never in the log)."""
        with self.engine.begin() as conn:
            conn.execute(t.impact_evidence.insert().values(
                report_id=report_id, text=text, links=list(links)))
