"""What pages and the API read about departments: their budget lines with the ledger's figures,
their commitments, and each department's share of a pilot's capital stack."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import among
from domain.kernel.money import Money

LINE = "budget-line"
HELD_BUCKETS = ("committed", "drawn")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def committed_on(project_id: Any) -> Any:
    """What departments hold for a project (committed and drawn), as a column of the outer
    query."""
    b = t.ledger_balances.c
    return (
        sa.select(sa.func.coalesce(sa.func.sum(b.balance), 0))
        .where(b.owner == LINE, b.project_id == project_id, among(b.bucket, HELD_BUCKETS))
        .scalar_subquery()
    )


@dataclass(frozen=True)
class LineView:
    id: UUID
    department_id: UUID
    name: str
    fiscal_year: int
    amount: Money  # what the budget put in
    committed: Money  # held for pilots not yet decided
    drawn: Money  # paid to pilots
    available: Money


@dataclass(frozen=True)
class DepartmentView:
    id: UUID
    city_id: UUID
    city_name: str
    name: str
    currency: str
    lines: tuple[LineView, ...]

    @property
    def amount(self) -> Money:
        return sum((line.amount for line in self.lines), Money.zero(self.currency))

    @property
    def available(self) -> Money:
        return sum((line.available for line in self.lines), Money.zero(self.currency))

    @property
    def held(self) -> Money:
        return sum((line.committed + line.drawn for line in self.lines),
                   Money.zero(self.currency))


@dataclass(frozen=True)
class CommitmentView:
    id: UUID
    department_id: UUID
    department_name: str
    city_id: UUID
    line_id: UUID
    line_name: str
    fiscal_year: int
    project_id: UUID
    project_title: str
    amount: Money
    conditional: bool
    state: str
    committed_at: datetime


@dataclass(frozen=True)
class DepartmentShare:
    department_id: UUID
    name: str
    amount: Money


class DepartmentQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]  # ReadModelQueries's: run a statement on the read engine

    def departments(self, city_id: UUID | None = None) -> list[DepartmentView]:
        d = t.departments.c
        query = (sa.select(t.departments, t.cities.c.name.label("city_name"))
                 .join(t.cities, t.cities.c.id == d.city_id)
                 .order_by(t.cities.c.name, d.name))
        if city_id is not None:
            query = query.where(d.city_id == city_id)
        rows = self._all(query)
        return self._with_lines(rows)

    def department(self, department_id: UUID) -> DepartmentView | None:
        d = t.departments.c
        rows = self._all(
            sa.select(t.departments, t.cities.c.name.label("city_name"))
            .join(t.cities, t.cities.c.id == d.city_id).where(d.id == department_id)
        )
        found = self._with_lines(rows)
        return found[0] if found else None

    def _with_lines(self, rows: list[Any]) -> list[DepartmentView]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        lines_by_department: dict[UUID, list[Any]] = defaultdict(list)
        l = t.department_budget_lines.c  # noqa: E741
        line_rows = self._all(
            sa.select(t.department_budget_lines).where(l.department_id.in_(ids))
            .order_by(l.fiscal_year.desc(), l.name)
        )
        b = t.ledger_balances.c
        balances: dict[UUID, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        if line_rows:
            for r in self._all(
                sa.select(b.owner_id, b.bucket, sa.func.sum(b.balance).label("balance"))
                .where(b.owner == LINE, b.owner_id.in_([r.id for r in line_rows]))
                .group_by(b.owner_id, b.bucket)
            ):
                balances[r.owner_id][r.bucket] = int(r.balance)
        for r in line_rows:
            lines_by_department[r.department_id].append(r)
        views = []
        for row in rows:
            lines = []
            for r in lines_by_department[row.id]:
                figures = balances[r.id]

                def money(minor: int, currency: str = row.currency) -> Money:
                    return Money(minor, currency)

                lines.append(LineView(
                    id=r.id, department_id=row.id, name=r.name, fiscal_year=r.fiscal_year,
                    amount=money(-figures["budget"]), committed=money(figures["committed"]),
                    drawn=money(figures["drawn"]), available=money(figures["available"]),
                ))
            views.append(DepartmentView(
                id=row.id, city_id=row.city_id, city_name=row.city_name, name=row.name,
                currency=row.currency, lines=tuple(lines),
            ))
        return views

    def budget_line_currency(self, line_id: UUID) -> str | None:
        l, d = t.department_budget_lines.c, t.departments.c  # noqa: E741
        rows = self._all(sa.select(d.currency).join(t.departments, d.id == l.department_id)
                         .where(l.id == line_id))
        return rows[0].currency if rows else None

    def _commitments(self, *conditions: Any) -> list[CommitmentView]:
        c, d, l = t.commitments.c, t.departments.c, t.department_budget_lines.c  # noqa: E741
        query = (
            sa.select(t.commitments, d.name.label("department_name"), d.city_id,
                      l.name.label("line_name"), l.fiscal_year,
                      t.projects.c.title.label("project_title"))
            .join(t.departments, d.id == c.department_id)
            .join(t.department_budget_lines, l.id == c.line_id)
            .join(t.projects, t.projects.c.id == c.project_id)
            .where(*conditions)
            .order_by(c.committed_at, c.id)
        )
        return [
            CommitmentView(
                id=r.id, department_id=r.department_id, department_name=r.department_name,
                city_id=r.city_id, line_id=r.line_id, line_name=r.line_name,
                fiscal_year=r.fiscal_year, project_id=r.project_id,
                project_title=r.project_title, amount=Money(int(r.amount), r.currency),
                conditional=bool(r.conditional), state=r.state,
                committed_at=_aware(r.committed_at),
            )
            for r in self._all(query)
        ]

    def commitment(self, commitment_id: UUID) -> CommitmentView | None:
        found = self._commitments(t.commitments.c.id == commitment_id)
        return found[0] if found else None

    def commitments_of_department(self, department_id: UUID) -> list[CommitmentView]:
        return self._commitments(t.commitments.c.department_id == department_id)

    def commitments_to(self, project_id: UUID) -> list[CommitmentView]:
        return self._commitments(t.commitments.c.project_id == project_id)

    def department_shares(self, project_id: UUID) -> list[DepartmentShare]:
        """What each department holds for the pilot (committed and drawn), largest first;
        departments holding nothing are left out."""
        b, l, d = t.ledger_balances.c, t.department_budget_lines.c, t.departments.c  # noqa: E741
        amount = sa.func.sum(b.balance)
        query = (
            sa.select(d.id, d.name, d.currency, amount.label("amount"))
            .select_from(t.ledger_balances)
            .join(t.department_budget_lines, l.id == b.owner_id)
            .join(t.departments, d.id == l.department_id)
            .where(b.owner == LINE, b.project_id == project_id, among(b.bucket, HELD_BUCKETS))
            .group_by(d.id, d.name, d.currency)
        )
        shares = [DepartmentShare(r.id, r.name, Money(int(r.amount), r.currency))
                  for r in self._all(query) if r.amount]
        return sorted(shares, key=lambda s: (-s.amount.minor, s.name))
