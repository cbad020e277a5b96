"""What pages and the API read: the SQL read models, never the event store."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from adapters import tables as t
from adapters.agreement_queries import AgreementQueries
from adapters.conversation_queries import (
    BackerWall,
    ConversationQueries,
    backer_wall_columns,
    backer_wall_of,
)
from adapters.department_queries import DepartmentQueries, committed_on
from adapters.impact_queries import ImpactQueries
from adapters.offer_queries import OfferQueries, invested_on
from adapters.picture_queries import (
    OwnerPictures,
    PictureQueries,
    pictures_column,
    pictures_of_json,
)
from adapters.pledge_statement_queries import PledgeStatementQueries
from adapters.portfolio_queries import PortfolioQueries
from adapters.procurement_queries import ProcurementQueries, award_columns
from adapters.search import matching
from adapters.statement_queries import StatementQueries
from adapters.storage import Prepared, read_all
from adapters.storage import among as _among
from domain.crowdfunding.project import takes_pledges
from domain.kernel.money import Money
from domain.matching.rules import Rules

# A pledge still waiting for its outcome: authorised, or a failed payment the citizen may fix.
LIVE_PLEDGE_STATUSES = ("authorised", "payment_failed")

# How lists of pilots can be sorted (the pages and the API take these names).
ENDING_SOON, MOST_BACKED, NEWEST, CLOSEST_TO_MINIMUM = (
    "ending_soon", "most_backed", "newest", "closest_to_minimum")
SORTS = (ENDING_SOON, MOST_BACKED, NEWEST, CLOSEST_TO_MINIMUM)


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
    country: str = ""  # the city's country: its pages speak the city's language by default
    pending: Money | None = None  # failed payments still inside their fix window
    settled: bool = False
    payout: Money | None = None
    delivery_owner_id: UUID | None = None  # the proposer account that runs its delivery
    matched: Money | None = None  # what matching funds hold for it: reserved and committed
    committed: Money | None = None  # what the city's departments committed (held and drawn)
    departments: tuple = ()  # each department's share (DepartmentShare), when it has any
    invested: Money | None = None  # investors' commitments in offers that reached their minimum
    suggested: tuple[Money, ...] = ()  # the amounts its city suggests on the pledge form

    def __post_init__(self) -> None:
        if self.matched is None:
            object.__setattr__(self, "matched", Money(0, self.currency))
        if self.committed is None:
            object.__setattr__(self, "committed", Money(0, self.currency))
        if self.invested is None:
            object.__setattr__(self, "invested", Money(0, self.currency))

    @property
    def total(self) -> Money:
        """The crowd's money plus the matches plus the departments' commitments plus what
        investors committed to offers that reached their minimum: what the funding decision
        counts."""
        return self.raised + self.matched + self.committed + self.invested

    @property
    def capital_stack(self) -> dict[str, Any]:
        return {"crowd": self.raised, "matched": self.matched, "committed": self.committed,
                "departments": list(self.departments), "investors": self.invested}

    @property
    def percent_of_minimum(self) -> int:
        return _percent(self.raised, self.minimum)

    @property
    def percent_of_optimum(self) -> int:
        return _percent(self.raised, self.optimum)

    def is_taking_pledges(self, now: datetime) -> bool:
        return takes_pledges(self.status, self.opens_at, self.closes_at, now)


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
    matched: Money | None = None  # what matching funds add to it (reserved or committed)

    def __post_init__(self) -> None:
        if self.matched is None:
            object.__setattr__(self, "matched", Money(0, self.amount.currency))


def _project(row: Any) -> ProjectView:
    currency = row.currency
    return ProjectView(
        id=row.id, city_id=row.city_id, city_name=row.city_name, area=row.area,
        theme=row.theme, title=row.title, summary=row.summary, proposer=row.proposer,
        currency=currency, minimum=Money(row.minimum, currency),
        optimum=Money(row.optimum, currency), raised=Money(int(row.raised), currency),
        backers=row.backers, pledge_count=row.pledge_count,
        budget_lines=tuple(
            BudgetLineView(line["label"], Money(line["amount"], currency), line["required"])
            for line in row.budget_lines
        ),
        funding_model=row.funding_model, status=row.status,
        opens_at=_aware(row.opens_at), closes_at=_aware(row.closes_at),
        timezone=row.timezone or "UTC",
        country=getattr(row, "country", None) or "",
        pending=Money(int(row.pending or 0), currency),
        settled=bool(row.settled),
        payout=Money(int(row.payout), currency) if row.payout is not None else None,
        delivery_owner_id=row.delivery_owner_id,
        matched=Money(int(row.matched or 0), currency),
        committed=Money(int(getattr(row, "committed", 0) or 0), currency),
        invested=Money(int(getattr(row, "invested", 0) or 0), currency),
        suggested=tuple(Money(int(minor), currency)
                        for minor in (getattr(row, "suggested_amounts", None) or ())),
    )


def _with_city_zone(query: Any) -> Any:
    """Adds the city's time zone and country to a query over projects (a primary-key join)."""
    return query.add_columns(t.cities.c.timezone, t.cities.c.country).outerjoin(
        t.cities, t.cities.c.id == t.projects.c.city_id
    )


# -- money figures, read from the ledger's balances -------------------------------------------

def _balance(owner_id: Any, *buckets: str, owner: str = "project", default: int | None = 0
             ) -> Any:
    """The sum of an owner's accounts in these buckets, as a column of the outer query."""
    b = t.ledger_balances.c
    total = sa.func.sum(b.balance)
    if default is not None:
        total = sa.func.coalesce(total, default)
    return (
        sa.select(total).where(b.owner == owner, b.owner_id == owner_id, _among(b.bucket, buckets))
        .scalar_subquery()
    )


def _matched_on(project_id: Any) -> Any:
    """What every fund holds for a project: its reserved and committed matches and grants."""
    b = t.ledger_balances.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
        .where(b.owner == "fund", b.project_id == project_id,
               _among(b.bucket, ("reserved", "committed")))
        .scalar_subquery()
    )


def _matched_to(pledge_id: Any) -> Any:
    """What the funds hold for one pledge: its match's postings into and out of reserved and
    committed money."""
    p = t.ledger_postings.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(p.amount), 0))
        .where(p.pledge_id == pledge_id, p.owner == "fund",
               _among(p.bucket, ("reserved", "committed")))
        .scalar_subquery()
    )


def _projects_query() -> Any:
    """rm_projects with the city's zone and the project's money from the ledger."""
    p = t.projects.c
    return _with_city_zone(sa.select(
        t.projects,
        _balance(p.id, "pledged", "charged").label("raised"),
        _balance(p.id, "pending").label("pending"),
        _balance(p.id, "payout", default=None).label("payout"),
        _matched_on(p.id).label("matched"),
        committed_on(p.id).label("committed"),
        invested_on(p.id).label("invested"),
    ))


# Built once: each request only binds its parameters.
_PROJECT_ID = sa.bindparam("project_id")
_PROJECT_BY_ID = _projects_query().where(t.projects.c.id == _PROJECT_ID)
_PROJECT_BY_ID_RUN = Prepared(_PROJECT_BY_ID)  # the API's project
_MILESTONES = (sa.select(t.milestones).where(t.milestones.c.project_id == _PROJECT_ID)
               .order_by(t.milestones.c.number))
_UPDATES = (sa.select(t.updates).where(t.updates.c.project_id == _PROJECT_ID)
            .order_by(t.updates.c.id.desc()))


def _rows_as_json(table: sa.Table, columns: tuple[str, ...], order: Any) -> Any:
    """A correlated subquery: the project's rows of `table` as one JSON array of objects, in
    `order` (PostgreSQL: the page's lists come back with the project in one round trip)."""
    c = table.c
    pairs: list[Any] = []
    for name in columns:
        pairs += [sa.literal_column(f"'{name}'"), c[name]]
    rows = sa.func.json_agg(aggregate_order_by(sa.func.json_build_object(*pairs), order))
    return (sa.select(sa.func.coalesce(rows, sa.text("'[]'::json")))
            .where(c.project_id == t.projects.c.id).correlate_except(table).scalar_subquery())


def _json_list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else json.loads(value)


def _moment(text: str | None) -> datetime | None:
    return _aware(datetime.fromisoformat(text)) if text else None


class ReadModelQueries(DepartmentQueries, ProcurementQueries, OfferQueries, AgreementQueries,
                       PortfolioQueries, StatementQueries, ConversationQueries,
                       ImpactQueries, PictureQueries, PledgeStatementQueries):
    def __init__(self, engine: sa.Engine):
        self.engine = engine
        # Embedded SQLite has no round trips to save: it reads the lists one by one.
        self._one_statement_pages = engine.dialect.name == "postgresql"

    def _all(self, query: Any, params: dict[str, Any] | None = None) -> list[Any]:
        return read_all(self.engine, query, params)

    def database_snapshot(self) -> str | None:
        """On PostgreSQL, which transactions a read now sees ("xmin:xmax:in-progress"): the
        same text means the same data in every table. None elsewhere."""
        if not self._one_statement_pages:
            return None
        return _SNAPSHOT_RUN.rows(self.engine)[0][0]

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
        area: str | None = None,
        search: str | None = None,
        sort: str = ENDING_SOON,
        include_drafts: bool = False,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ProjectView]:
        """Pilots by city, theme, status, area and the words of a search (all combined), in
        one of the SORTS."""
        query = _filtered(_projects_query(), self.engine.dialect.name, city_id=city_id,
                          theme=theme, status=status, area=area, search=search,
                          include_drafts=include_drafts)
        query = query.order_by(*_ORDER[sort]()).limit(limit).offset(offset)
        return [self._with_departments(_project(r)) for r in self._all(query)]

    def area_totals(self, city_id: UUID, area: str) -> AreaTotals:
        """What one neighbourhood's public pilots raised together, by currency: the crowd's
        pledges and everything counted towards funding (matches, commitments, investors)."""
        listed = _filtered(_projects_query(), self.engine.dialect.name, city_id=city_id,
                           area=area).subquery()
        rows = self._all(
            sa.select(listed.c.currency, sa.func.count().label("pilots"),
                      sa.func.sum(listed.c.backers).label("backers"),
                      sa.func.sum(listed.c.raised).label("raised"),
                      sa.func.sum(listed.c.raised + listed.c.matched + listed.c.committed
                                  + listed.c.invested).label("total"))
            .group_by(listed.c.currency).order_by(listed.c.currency)
        )
        return AreaTotals(
            pilots=sum(int(r.pilots) for r in rows),
            backers=sum(int(r.backers or 0) for r in rows),
            raised=tuple(Money(int(r.raised or 0), r.currency) for r in rows),
            total=tuple(Money(int(r.total or 0), r.currency) for r in rows),
        )

    def area_named(self, city_id: UUID, area: str) -> str | None:
        """The area as its pilots spell it (any case in the address), if a public pilot is
        in it."""
        p = t.projects.c
        rows = self._all(
            sa.select(p.area).where(p.city_id == city_id, p.status != "draft",
                                    sa.func.lower(p.area) == area.lower())
            .order_by(p.area).limit(1)
        )
        return rows[0][0] if rows else None

    def project(self, project_id: UUID) -> ProjectView | None:
        rows = _PROJECT_BY_ID_RUN.rows(self.engine, {"project_id": project_id})
        return self._with_departments(_project(rows[0])) if rows else None

    def _with_departments(self, project: ProjectView) -> ProjectView:
        """The departments' shares, read only for a project they co-fund."""
        if not project.committed or not project.committed.minor:
            return project
        return replace(project, departments=tuple(self.department_shares(project.id)))

    def project_page(self, project_id: UUID) -> ProjectPage | None:
        """A project with its milestones, updates and city's funds (on PostgreSQL in one
        statement)."""
        if not self._one_statement_pages:
            project = self.project(project_id)
            if project is None:
                return None
            call_id, cba = self.project_cost_benefit(project_id)
            return ProjectPage(project, self.milestones(project_id), self.updates(project_id),
                               self.project_funds(project_id, project.city_id), call_id, cba)
        rows = _PROJECT_PAGE_PG_RUN.rows(self.engine, {"project_id": project_id})
        if not rows:
            return None
        row = rows[0]
        return ProjectPage(
            project=self._with_departments(_project(row)),
            milestones=[
                MilestoneView(m["number"], m["title"], _moment(m["due"]),
                              _moment(m["completed_at"]))
                for m in _json_list(row.milestones_json)
            ],
            updates=[UpdateView(u["title"], u["body"], _moment(u["posted_at"]))
                     for u in _json_list(row.updates_json)],
            funds=[_project_fund_from_json(f) for f in _json_list(row.funds_json)],
            call_id=row.awarded_in_call,
            cost_benefit=(row.cost_benefit_json if not isinstance(row.cost_benefit_json, str)
                          else json.loads(row.cost_benefit_json)),
            has_offers=row.has_offers,
            has_agreement=row.has_agreement,
            has_comments=row.has_comments,
            has_indicators=row.has_indicators,
            backer_wall=backer_wall_of(row.wall_names, row.wall_backers),
            pictures=pictures_of_json(_json_list(row.pictures_json)),
        )

    def projects_delivered_by(self, account_id: UUID) -> list[ProjectView]:
        """The projects whose delivery this (proposer) account owns, soonest closing first."""
        query = (
            _projects_query()
            .where(t.projects.c.delivery_owner_id == account_id)
            .order_by(t.projects.c.closes_at, t.projects.c.id)
        )
        return [_project(r) for r in self._all(query)]

    def milestones(self, project_id: UUID) -> list[MilestoneView]:
        return [
            MilestoneView(r.number, r.title, _aware(r.due),
                          _aware(r.completed_at) if r.completed_at else None)
            for r in self._all(_MILESTONES, {"project_id": project_id})
        ]

    def updates(self, project_id: UUID) -> list[UpdateView]:
        return [UpdateView(r.title, r.body, _aware(r.posted_at))
                for r in self._all(_UPDATES, {"project_id": project_id})]

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
                      t.projects.c.closes_at, t.projects.c.funding_model, t.cities.c.timezone,
                      _matched_to(t.pledges.c.id).label("matched"))
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
                updated_at=_aware(r.updated_at), matched=Money(int(r.matched or 0), r.currency),
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

    def has_pledges(self, citizen_id: UUID) -> bool:
        """Whether the account ever pledged (whatever its role is now)."""
        rows = self._all(
            sa.select(t.pledges.c.id).where(t.pledges.c.citizen_id == citizen_id).limit(1)
        )
        return bool(rows)

    def live_pledge_counts(self) -> dict[UUID, int]:
        """Pledges not yet charged or let go (authorised, or a failed payment still fixable),
        by account."""
        p = t.pledges.c
        rows = self._all(
            sa.select(p.citizen_id, sa.func.count())
            .where(p.status.in_(LIVE_PLEDGE_STATUSES)).group_by(p.citizen_id)
        )
        return {row[0]: row[1] for row in rows}

    # -- matching funds ----------------------------------------------------------------------

    def matching_funds(self, city_id: UUID | None = None) -> list[FundView]:
        """Funds by city name, then in the order they apply to the city's pilots."""
        query = _funds_query()
        if city_id is not None:
            query = query.where(t.matching_funds.c.city_id == city_id)
        return [_fund(r) for r in self._all(query)]

    def matching_fund(self, fund_id: UUID) -> FundView | None:
        rows = self._all(_funds_query().where(t.matching_funds.c.id == fund_id))
        return _fund(rows[0]) if rows else None

    def fund_benefit_top_ups(self, fund_id: UUID) -> list[BenefitTopUpView]:
        """Each pilot whose benefits topped the fund up, with the total, largest first."""
        p, q = t.ledger_postings.c, t.ledger_postings.alias("into_fund").c
        into_fund = sa.select(q.position).where(
            q.owner == "fund", q.owner_id == fund_id, q.bucket == "available",
            q.event == TOPPED_UP_BY_BENEFITS)
        total = sa.func.sum(-p.amount)
        rows = self._all(
            sa.select(p.owner_id.label("project_id"), t.projects.c.title, p.currency,
                      total.label("amount"), sa.func.count().label("times"),
                      sa.func.max(p.recorded_at).label("latest"))
            .join(t.projects, t.projects.c.id == p.owner_id)
            .where(p.position.in_(into_fund), p.owner == "project",
                   p.bucket == "communityfund")
            .group_by(p.owner_id, t.projects.c.title, p.currency)
            .order_by(total.desc(), t.projects.c.title)
        )
        return [BenefitTopUpView(r.project_id, r.title, Money(int(r.amount), r.currency),
                                 int(r.times), r.latest) for r in rows]

    def fund_rule_versions(self, fund_id: UUID) -> list[RuleVersionView]:
        currency = self._all(
            sa.select(t.matching_funds.c.currency).where(t.matching_funds.c.id == fund_id)
        )
        if not currency:
            return []
        v = t.fund_rule_versions.c
        rows = self._all(
            sa.select(t.fund_rule_versions).where(v.fund_id == fund_id).order_by(v.version)
        )
        return [
            RuleVersionView(
                version=r.version, rules=r.rules,
                rules_text=Rules.from_dict(r.rules).describe(currency[0][0]),
                effective_from=_aware(r.effective_from), amended_at=_aware(r.amended_at),
            )
            for r in rows
        ]

    def fund_projects(self, fund_id: UUID) -> list[FundProjectView]:
        """What the fund holds for each project (reserved, committed), most first."""
        b, m = t.ledger_balances.c, t.matches.c
        reserved = sa.func.sum(sa.case((b.bucket == "reserved", b.balance), else_=0))
        committed = sa.func.sum(sa.case((b.bucket == "committed", b.balance), else_=0))
        live = (
            sa.select(sa.func.count()).where(m.fund_id == fund_id, m.project_id == b.project_id,
                                             m.state != "released")
            .scalar_subquery()
        )
        query = (
            sa.select(b.project_id, t.projects.c.title, b.currency,
                      reserved.label("reserved"), committed.label("committed"),
                      live.label("matches"))
            .join(t.projects, t.projects.c.id == b.project_id)
            .where(b.owner == "fund", b.owner_id == fund_id,
                   _among(b.bucket, ("reserved", "committed")))
            .group_by(b.project_id, t.projects.c.title, b.currency)
            .having(sa.func.sum(b.balance) != 0)
            .order_by((reserved + committed).desc(), t.projects.c.title)
        )
        return [
            FundProjectView(
                project_id=r.project_id, title=r.title,
                reserved=Money(int(r.reserved or 0), r.currency),
                committed=Money(int(r.committed or 0), r.currency), matches=r.matches,
            )
            for r in self._all(query)
        ]

    def project_funds(self, project_id: UUID, city_id: UUID) -> list[ProjectFund]:
        """The city's funds in the order they apply, each with what it holds for the project:
        one query for the capital stack and the funds that match pledges."""
        return [_project_fund(r) for r in
                self._all(_PROJECT_FUNDS, {"project_id": project_id, "city_id": city_id})]

    def capital_stack(self, project_id: UUID) -> list[StackPart]:
        """What each fund holds for the project (reserved and committed), in the order the
        funds apply; funds holding nothing are left out."""
        b, f = t.ledger_balances.c, t.matching_funds.c
        amount = sa.func.sum(b.balance)
        query = (
            sa.select(f.id, f.name, f.currency, f.position, amount.label("amount"))
            .join(t.matching_funds, f.id == b.owner_id)
            .where(b.owner == "fund", b.project_id == project_id,
                   _among(b.bucket, ("reserved", "committed")))
            .group_by(f.id, f.name, f.currency, f.position, f.created_at)
            .order_by(sa.func.coalesce(f.position, _LAST), f.created_at, f.id)
        )
        return [
            StackPart(r.id, r.name, Money(int(r.amount), r.currency))
            for r in self._all(query) if r.amount
        ]


def _open_first() -> Any:
    return sa.case((t.projects.c.status == "open", 0), else_=1)


def _raised() -> Any:
    return _balance(t.projects.c.id, "pledged", "charged")


def _closest_to_minimum() -> tuple:
    """Open campaigns first; among them those still short of their minimum, nearest to it
    first; pilots past their minimum after them."""
    p = t.projects.c
    raised = _raised()
    share = sa.cast(raised, sa.Float) / sa.func.nullif(p.minimum, 0)
    return (_open_first(), sa.case((raised >= p.minimum, 1), else_=0), share.desc(),
            p.closes_at, p.id)


_ORDER = {
    # Campaigns still taking pledges first, closing soonest; then the rest.
    ENDING_SOON: lambda: (_open_first(), t.projects.c.closes_at, t.projects.c.id),
    MOST_BACKED: lambda: (t.projects.c.backers.desc(), _raised().desc(), t.projects.c.id),
    NEWEST: lambda: (t.projects.c.opens_at.desc(), t.projects.c.drafted_at.desc(),
                     t.projects.c.id),
    CLOSEST_TO_MINIMUM: _closest_to_minimum,
}


def _filtered(query: Any, dialect: str, *, city_id: UUID | None = None,
              theme: str | None = None, status: str | None = None, area: str | None = None,
              search: str | None = None, include_drafts: bool = False) -> Any:
    p = t.projects.c
    if city_id is not None:
        query = query.where(p.city_id == city_id)
    if theme:
        query = query.where(p.theme == theme)
    if area:
        query = query.where(sa.func.lower(p.area) == area.lower())
    if status:
        query = query.where(p.status == status)
    elif not include_drafts:
        query = query.where(p.status != "draft")
    found = matching(dialect, search) if search else None
    if found is not None:
        query = query.where(found)
    return query


@dataclass(frozen=True)
class AreaTotals:
    pilots: int
    backers: int  # summed over its pilots (one person backing two pilots counts twice)
    raised: tuple[Money, ...]  # the crowd's pledges, one sum per currency
    total: tuple[Money, ...]  # with matches, departments' commitments and investors


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


# -- matching funds ---------------------------------------------------------------------------

_LAST = 2**31 - 1  # a fund not yet placed in its city's list sorts after the placed ones


@dataclass(frozen=True)
class BenefitTopUpView:
    project_id: UUID
    project_title: str
    amount: Money
    times: int  # distributions that topped the fund up
    latest: datetime


@dataclass(frozen=True)
class FundView:
    id: UUID
    city_id: UUID
    city_name: str
    name: str
    sponsor: str
    currency: str
    pool: Money
    committed: Money
    reserved: Money
    returned: Money
    available: Money
    status: str  # open or closed
    opens_at: datetime
    closes_at: datetime
    themes: tuple[str, ...]  # empty: any theme
    areas: tuple[str, ...]  # empty: any area
    rule_version: int  # the latest published version
    rules: dict[str, Any]  # that version, as Rules.as_dict() writes it (amounts in minor units)
    rules_text: str
    created_at: datetime
    kind: str
    position: int | None = None  # its place among the city's funds: they apply in this order
    calls: tuple[str, ...] = ()  # the calls whose pilots it matches; empty: any pilot


@dataclass(frozen=True)
class RuleVersionView:
    version: int
    rules: dict[str, Any]
    rules_text: str
    effective_from: datetime
    amended_at: datetime


@dataclass(frozen=True)
class FundProjectView:
    project_id: UUID
    title: str
    reserved: Money
    committed: Money
    matches: int  # live matches (and grants) on the project


@dataclass(frozen=True)
class ProjectFund:
    """A fund of the project's city as the project's page shows it: what it holds for the
    project, and what decides whether it matches pledges to it."""

    id: UUID
    city_id: UUID
    name: str
    sponsor: str
    currency: str
    status: str
    closes_at: datetime
    themes: tuple[str, ...]
    areas: tuple[str, ...]
    rules_text: str
    held: Money  # reserved and committed for the project
    calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class StackPart:
    fund_id: UUID
    fund_name: str
    amount: Money


TOPPED_UP_BY_BENEFITS = "MatchingFund.ToppedUpByBenefits"


def _topped_up_by_benefits(fund_id: Any) -> Any:
    """What pilots' benefit-sharing agreements put into the fund's pool (the sponsor's part is
    the sponsor account's balance)."""
    p = t.ledger_postings.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(p.amount), 0))
        .where(p.owner == "fund", p.owner_id == fund_id, p.bucket == "available",
               p.event == TOPPED_UP_BY_BENEFITS)
        .scalar_subquery()
    )


def _funds_query() -> Any:
    f = t.matching_funds.c
    return (
        sa.select(
            t.matching_funds, t.cities.c.name.label("city_name"),
            (-_balance(f.id, "sponsor", owner="fund") + _topped_up_by_benefits(f.id)
             ).label("pool"),
            _balance(f.id, "available", owner="fund").label("available"),
            _balance(f.id, "reserved", owner="fund").label("reserved"),
            _balance(f.id, "committed", owner="fund").label("committed"),
            _balance(f.id, "returned", owner="fund").label("returned"),
        )
        .join(t.cities, t.cities.c.id == f.city_id)
        .order_by(t.cities.c.name, sa.func.coalesce(f.position, _LAST), f.created_at, f.id)
    )


def _fund(row: Any) -> FundView:
    def money(minor: Any) -> Money:
        return Money(int(minor or 0), row.currency)

    return FundView(
        id=row.id, city_id=row.city_id, city_name=row.city_name, name=row.name,
        sponsor=row.sponsor, currency=row.currency, pool=money(row.pool),
        committed=money(row.committed), reserved=money(row.reserved),
        returned=money(row.returned), available=money(row.available), status=row.status,
        opens_at=_aware(row.opens_at), closes_at=_aware(row.closes_at),
        themes=tuple(row.themes or ()), areas=tuple(row.areas or ()),
        rule_version=row.rule_version, rules=dict(row.rules),
        rules_text=Rules.from_dict(row.rules).describe(row.currency),
        created_at=_aware(row.created_at), kind=row.kind, position=row.position,
        calls=tuple(row.calls or ()),
    )


def _project_funds_query() -> Any:
    f, b = t.matching_funds.c, t.ledger_balances.c
    held = (
        sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
        .where(b.owner == "fund", b.owner_id == f.id, b.project_id == _PROJECT_ID,
               _among(b.bucket, ("reserved", "committed")))
        .scalar_subquery()
    )
    return (
        sa.select(f.id, f.city_id, f.name, f.sponsor, f.currency, f.status, f.closes_at,
                  f.themes, f.areas, f.calls, f.rules, held.label("held"))
        .where(f.city_id == sa.bindparam("city_id"))
        .order_by(sa.func.coalesce(f.position, _LAST), f.created_at, f.id)
    )


_PROJECT_FUNDS = _project_funds_query()


def _funds_as_json() -> Any:
    """The project's city's funds, as `project_funds` reads them, as one JSON array."""
    f, b = t.matching_funds.c, t.ledger_balances.c
    p = t.projects.c
    held = (
        sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
        .where(b.owner == "fund", b.owner_id == f.id, b.project_id == p.id,
               _among(b.bucket, ("reserved", "committed")))
        # The fund and the project both come from the enclosing queries.
        .correlate_except(t.ledger_balances)
        .scalar_subquery()
    )
    pairs: list[Any] = []
    for name, value in (("id", f.id), ("city_id", f.city_id), ("name", f.name),
                        ("sponsor", f.sponsor), ("currency", f.currency), ("status", f.status),
                        ("closes_at", f.closes_at), ("themes", f.themes), ("areas", f.areas),
                        ("calls", f.calls), ("rules", f.rules), ("held", held)):
        pairs += [sa.literal_column(f"'{name}'"), value]
    rows = sa.func.json_agg(aggregate_order_by(
        sa.func.json_build_object(*pairs),
        sa.func.coalesce(f.position, _LAST), f.created_at, f.id,
    ))
    return (sa.select(sa.func.coalesce(rows, sa.text("'[]'::json")))
            .where(f.city_id == p.city_id).correlate_except(t.matching_funds).scalar_subquery())


# PostgreSQL: a pilot's page in one round trip.
_PROJECT_PAGE_PG = _PROJECT_BY_ID.add_columns(
    _rows_as_json(t.milestones, ("number", "title", "due", "completed_at"),
                  t.milestones.c.number).label("milestones_json"),
    _rows_as_json(t.updates, ("title", "body", "posted_at"),
                  t.updates.c.id.desc()).label("updates_json"),
    _funds_as_json().label("funds_json"),
    *award_columns(),
    sa.exists().where(t.offers.c.project_id == t.projects.c.id).label("has_offers"),
    sa.exists().where(t.agreements.c.project_id == t.projects.c.id).label("has_agreement"),
    sa.exists().where(t.comments.c.project_id == t.projects.c.id).label("has_comments"),
    sa.exists().where(t.impact_indicators.c.project_id == t.projects.c.id)
    .label("has_indicators"),
    *backer_wall_columns(t.projects.c.id),
    pictures_column(t.projects.c.id),
)
_PROJECT_PAGE_PG_RUN = Prepared(_PROJECT_PAGE_PG)
_SNAPSHOT_RUN = Prepared(sa.select(sa.cast(sa.func.pg_current_snapshot(), sa.Text)))


def _project_fund(r: Any) -> ProjectFund:
    return ProjectFund(
        id=r.id, city_id=r.city_id, name=r.name, sponsor=r.sponsor, currency=r.currency,
        status=r.status, closes_at=_aware(r.closes_at), themes=tuple(r.themes or ()),
        areas=tuple(r.areas or ()), rules_text=Rules.from_dict(r.rules).describe(r.currency),
        held=Money(int(r.held), r.currency), calls=tuple(getattr(r, "calls", None) or ()),
    )


def _project_fund_from_json(r: dict[str, Any]) -> ProjectFund:
    return _project_fund(SimpleNamespace(
        **{**r, "id": UUID(r["id"]), "city_id": UUID(r["city_id"]),
           "closes_at": datetime.fromisoformat(r["closes_at"])}
    ))


@dataclass(frozen=True)
class ProjectPage:
    """What a pilot's page shows of the read models."""

    project: ProjectView
    milestones: list[MilestoneView]
    updates: list[UpdateView]
    funds: list[ProjectFund]  # the city's funds in the order they apply, with what they hold
    # For a pilot an award made: its call and its cost-benefit analysis (plain data).
    call_id: UUID | None = None
    cost_benefit: dict[str, Any] | None = None
    # Whether the pilot has investment offers, and a benefit-sharing agreement: where the page's
    # statement says it has none, the page does not look for them.
    has_offers: bool = True
    has_agreement: bool = True
    # Likewise for its conversation and impact indicators; its backer wall when already read.
    has_comments: bool = True
    has_indicators: bool = True
    backer_wall: BackerWall | None = None
    pictures: OwnerPictures | None = None  # when the page's statement read them
