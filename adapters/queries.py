"""What pages and the API read: the SQL read models, never the event store."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from domain.money import Money


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CityView:
    id: UUID
    name: str
    country: str
    currency: str
    timezone: str


@dataclass(frozen=True)
class BudgetLineView:
    label: str
    amount: Money
    required: bool


@dataclass(frozen=True)
class ProjectView:
    id: UUID
    city_id: UUID
    city_name: str
    area: str
    theme: str
    title: str
    summary: str
    proposer: str
    currency: str
    minimum: Money
    optimum: Money
    raised: Money
    backers: int
    pledge_count: int
    budget_lines: tuple[BudgetLineView, ...]
    funding_model: str
    status: str
    opens_at: datetime
    closes_at: datetime
    timezone: str = "UTC"  # the city's IANA zone: campaign times are shown in it
    pending: Money | None = None  # failed payments still inside their fix window
    settled: bool = False
    payout: Money | None = None
    delivery_owner_id: UUID | None = None  # the proposer account that runs its delivery

    @property
    def percent_of_minimum(self) -> int:
        return _percent(self.raised, self.minimum)

    @property
    def percent_of_optimum(self) -> int:
        return _percent(self.raised, self.optimum)

    def days_left(self, now: datetime) -> int:
        """Whole days until the campaign closes, rounded up; 0 once it has closed."""
        seconds = (self.closes_at - now).total_seconds()
        return max(0, math.ceil(seconds / 86400))

    def is_taking_pledges(self, now: datetime) -> bool:
        return self.status == "open" and self.opens_at <= now < self.closes_at


def _percent(part: Money, whole: Money) -> int:
    return (part.minor * 100) // whole.minor if whole.minor else 0


@dataclass(frozen=True)
class PledgeView:
    id: UUID
    project_id: UUID
    project_title: str
    citizen_id: UUID
    amount: Money
    status: str
    payment_method: str
    made_at: datetime
    project_status: str
    closes_at: datetime
    funding_model: str = "all_or_nothing"
    timezone: str = "UTC"  # the project's city zone
    fix_by: datetime | None = None  # a failed payment can be fixed until then
    failure: str | None = None
    updated_at: datetime | None = None  # when its status last changed (e.g. when it was charged)


def _project(row: Any) -> ProjectView:
    currency = row.currency
    return ProjectView(
        id=row.id, city_id=row.city_id, city_name=row.city_name, area=row.area,
        theme=row.theme, title=row.title, summary=row.summary, proposer=row.proposer,
        currency=currency, minimum=Money(row.minimum, currency),
        optimum=Money(row.optimum, currency), raised=Money(row.raised, currency),
        backers=row.backers, pledge_count=row.pledge_count,
        budget_lines=tuple(
            BudgetLineView(line["label"], Money(line["amount"], currency), line["required"])
            for line in row.budget_lines
        ),
        funding_model=row.funding_model, status=row.status,
        opens_at=_aware(row.opens_at), closes_at=_aware(row.closes_at),
        timezone=row.timezone or "UTC",
        pending=Money(row.pending or 0, currency),
        settled=bool(row.settled),
        payout=Money(row.payout, currency) if row.payout is not None else None,
        delivery_owner_id=row.delivery_owner_id,
    )


def _with_city_zone(query: Any) -> Any:
    """Adds the city's time zone to a query over projects (a primary-key join)."""
    return query.add_columns(t.cities.c.timezone).outerjoin(
        t.cities, t.cities.c.id == t.projects.c.city_id
    )


class ReadModelQueries:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def _all(self, query: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(query).all())

    # -- cities ----------------------------------------------------------------------------

    def cities(self) -> list[CityView]:
        rows = self._all(sa.select(t.cities).order_by(t.cities.c.name))
        return [CityView(r.id, r.name, r.country, r.currency, r.timezone) for r in rows]

    def city(self, city_id: UUID) -> CityView | None:
        rows = self._all(sa.select(t.cities).where(t.cities.c.id == city_id))
        return CityView(*rows[0][:5]) if rows else None

    def city_named(self, name: str) -> CityView | None:
        rows = self._all(
            sa.select(t.cities).where(sa.func.lower(t.cities.c.name) == (name or "").lower())
        )
        return CityView(*rows[0][:5]) if rows else None

    # -- projects --------------------------------------------------------------------------

    def themes(self) -> list[str]:
        return [r[0] for r in self._all(
            sa.select(t.projects.c.theme).distinct().order_by(t.projects.c.theme)
        )]

    def projects(
        self,
        *,
        city_id: UUID | None = None,
        theme: str | None = None,
        status: str | None = None,
        include_drafts: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ProjectView]:
        query = _with_city_zone(sa.select(t.projects))
        if city_id is not None:
            query = query.where(t.projects.c.city_id == city_id)
        if theme:
            query = query.where(t.projects.c.theme == theme)
        if status:
            query = query.where(t.projects.c.status == status)
        elif not include_drafts:
            query = query.where(t.projects.c.status != "draft")
        query = query.order_by(
            # Campaigns still taking pledges first, closing soonest; then the rest.
            sa.case((t.projects.c.status == "open", 0), else_=1),
            t.projects.c.closes_at, t.projects.c.id,
        ).limit(limit).offset(offset)
        return [_project(r) for r in self._all(query)]

    def project(self, project_id: UUID) -> ProjectView | None:
        rows = self._all(
            _with_city_zone(sa.select(t.projects)).where(t.projects.c.id == project_id)
        )
        return _project(rows[0]) if rows else None

    def projects_delivered_by(self, account_id: UUID) -> list[ProjectView]:
        """The projects whose delivery this (proposer) account owns, soonest closing first."""
        query = (
            _with_city_zone(sa.select(t.projects))
            .where(t.projects.c.delivery_owner_id == account_id)
            .order_by(t.projects.c.closes_at, t.projects.c.id)
        )
        return [_project(r) for r in self._all(query)]

    def milestones(self, project_id: UUID) -> list[MilestoneView]:
        return milestones(self.engine, project_id)

    def updates(self, project_id: UUID) -> list[UpdateView]:
        return updates(self.engine, project_id)

    def totals(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            live = conn.execute(
                sa.select(sa.func.count()).select_from(t.projects)
                .where(t.projects.c.status == "open")
            ).scalar_one()
            pledges = conn.execute(
                sa.select(sa.func.count()).select_from(t.pledges)
                .where(t.pledges.c.status == "authorised")
            ).scalar_one()
            cities = conn.execute(sa.select(sa.func.count()).select_from(t.cities)).scalar_one()
        return {"open_projects": live, "live_pledges": pledges, "cities": cities}

    # -- pledges ---------------------------------------------------------------------------

    def _pledges(self, *conditions: Any) -> list[PledgeView]:
        query = (
            sa.select(t.pledges, t.projects.c.title, t.projects.c.status.label("project_status"),
                      t.projects.c.closes_at, t.projects.c.funding_model, t.cities.c.timezone)
            .join(t.projects, t.projects.c.id == t.pledges.c.project_id)
            .outerjoin(t.cities, t.cities.c.id == t.projects.c.city_id)
            .where(*conditions)
            .order_by(t.pledges.c.made_at.desc())
        )
        return [
            PledgeView(
                id=r.id, project_id=r.project_id, project_title=r.title, citizen_id=r.citizen_id,
                amount=Money(r.amount, r.currency), status=r.status,
                payment_method=r.payment_method, made_at=_aware(r.made_at),
                project_status=r.project_status, closes_at=_aware(r.closes_at),
                funding_model=r.funding_model, timezone=r.timezone or "UTC",
                fix_by=_aware(r.fix_by) if r.fix_by else None, failure=r.failure,
                updated_at=_aware(r.updated_at),
            )
            for r in self._all(query)
        ]

    def pledges_of_project(self, project_id: UUID) -> list[PledgeView]:
        return self._pledges(t.pledges.c.project_id == project_id)

    def pledges_of(self, citizen_id: UUID) -> list[PledgeView]:
        return self._pledges(t.pledges.c.citizen_id == citizen_id)

    def pledge(self, pledge_id: UUID) -> PledgeView | None:
        found = self._pledges(t.pledges.c.id == pledge_id)
        return found[0] if found else None


@dataclass(frozen=True)
class MilestoneView:
    number: int
    title: str
    due: datetime
    completed_at: datetime | None


@dataclass(frozen=True)
class UpdateView:
    title: str
    body: str
    posted_at: datetime


def milestones(engine: sa.Engine, project_id: UUID) -> list[MilestoneView]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.milestones).where(t.milestones.c.project_id == project_id)
            .order_by(t.milestones.c.number)
        ).all()
    return [
        MilestoneView(r.number, r.title, _aware(r.due),
                      _aware(r.completed_at) if r.completed_at else None)
        for r in rows
    ]


def updates(engine: sa.Engine, project_id: UUID) -> list[UpdateView]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.updates).where(t.updates.c.project_id == project_id)
            .order_by(t.updates.c.id.desc())
        ).all()
    return [UpdateView(r.title, r.body, _aware(r.posted_at)) for r in rows]
