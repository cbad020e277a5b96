"""Read models of departments: rm_departments, rm_department_budget_lines and rm_commitments
(names, fiscal years and states; every amount shown is the ledger's balance of a budget-line
account, except a commitment's own amount)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from adapters import tables as t
from domain.procurement.departments import (
    COMMITTED,
    DRAWN,
    RELEASED,
    WITHDRAWN,
    Department,
)

Handler = Callable[[Connection, Any], None]


class DepartmentModels:
    def __init__(self) -> None:
        self.handlers: dict[type, Handler] = {
            Department.Created: self.created,
            Department.BudgetLineAdded: self.line_added,
            Department.Committed: self.committed,
            Department.Withdrawn: self._state(WITHDRAWN),
            Department.Drawn: self._state(DRAWN),
            Department.Released: self._state(RELEASED),
        }

    def created(self, conn: Connection, e: Department.Created) -> None:
        conn.execute(t.departments.insert().values(
            id=e.originator_id, city_id=e.city_id, name=e.name, currency=e.currency,
            created_at=e.timestamp,
        ))

    def line_added(self, conn: Connection, e: Department.BudgetLineAdded) -> None:
        conn.execute(t.department_budget_lines.insert().values(
            id=e.line_id, department_id=e.originator_id, name=e.name,
            fiscal_year=e.fiscal_year, added_at=e.timestamp,
        ))

    def committed(self, conn: Connection, e: Department.Committed) -> None:
        currency = conn.execute(
            t.departments.select().with_only_columns(t.departments.c.currency)
            .where(t.departments.c.id == e.originator_id)
        ).scalar_one()
        conn.execute(t.commitments.insert().values(
            id=e.commitment_id, department_id=e.originator_id, line_id=e.line_id,
            project_id=e.project_id, amount=e.amount, currency=currency,
            conditional=e.conditional, state=COMMITTED, committed_at=e.timestamp,
            updated_at=e.timestamp,
        ))

    @staticmethod
    def _state(state: str) -> Handler:
        def handler(conn: Connection, e: Any) -> None:
            conn.execute(
                t.commitments.update().where(t.commitments.c.id == e.commitment_id)
                .values(state=state, updated_at=e.timestamp)
            )
        return handler
