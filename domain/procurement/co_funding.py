"""Departmental co-funding: a city's departments set up budget lines and commit money from them
to the city's pilots; the commitments count in the funding decision and follow its outcome.

The rules:
- Only officers of the department's city manage it and commit from it, and only to pilots of
  that city, in the city's currency, before the pilot's campaign closes (a commitment is saved
  on condition that the pilot is unchanged, so it cannot slip in after closing started).
- A budget line is never over-committed: a commitment is decided on the department as recorded,
  with the department's events locked against other processes where the event store can
  (`exclusive`, as matching funds do) and a version check otherwise; a decision that lost a race
  is taken again on the newer version.
- At the decision both kinds count. Funded: every commitment is drawn (it pays, and is part of
  the payout). Unfunded: conditional commitments are released to their line; firm ones are drawn
  all the same (firm money is spent on the pilot whatever the crowd does). Cancelled: every
  commitment, held or drawn, goes back to its line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from domain.crowdfunding.funding_partners import FundingPartners
from domain.crowdfunding.project import CANCELLED, DRAFT, FUNDED, OPEN, Project
from domain.kernel.errors import (
    CurrencyMismatch,
    InvalidTransition,
)
from domain.kernel.money import Money
from domain.procurement.departments import COMMITTED, DRAWN, Department, InvalidDepartment

T = TypeVar("T")


class CoFunding(FundingPartners):
    """Departments' use cases, and the departmental part of what crowdfunding asks of its
    funding partners."""

    # -- reading ---------------------------------------------------------------------------

    def get_department(self, department_id: UUID) -> Department:
        return self._get(Department, department_id, "department")

    def departments_of(self, city_id: UUID) -> list[Department]:
        return [self.get_department(i) for i in getattr(self.get_city(city_id), "departments", [])]

    def co_funded_on(self, project: Project) -> Money:
        minor = sum(d.held_for(project.id) for d in self.departments_of(project.city_id))
        return Money(minor, project.currency)

    def drawn_on(self, project: Project) -> Money:
        minor = sum(d.held_for(project.id, DRAWN) for d in self.departments_of(project.city_id))
        return Money(minor, project.currency)

    # -- the officers' commands ------------------------------------------------------------

    def create_department(self, *, city_id: UUID, name: Any) -> UUID:
        city = self._city_managed_by_actor(city_id)
        department = Department.create(city_id=city.id, city_currency=city.currency, name=name)
        if any(d.name.casefold() == department.name.casefold()
               for d in self.departments_of(city.id)):
            raise InvalidDepartment(f"{city.name} already has a department called "
                                    f"{department.name}", field="name")
        city.add_department(department.id)
        self._save_or_conflict(department, city)
        return department.id

    def add_budget_line(self, department_id: UUID, *, name: Any, fiscal_year: Any,
                        amount: Money) -> UUID:
        department = self.get_department(department_id)
        self._require_officer_of(department.city_id)
        return self._change_department(
            department_id,
            lambda d: d.add_budget_line(name=name, fiscal_year=fiscal_year, amount=amount),
        )

    def commit_to_project(self, project_id: UUID, *, budget_line_id: UUID, amount: Money,
                          conditional: bool) -> UUID:
        """A department commits money from one of its lines to a pilot of its city."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        department = self._department_with_line(project.city_id, budget_line_id)
        if project.currency != department.currency:
            raise CurrencyMismatch(
                f"This pilot raises {project.currency}; the department's budget is in "
                f"{department.currency}"
            )

        def commit(d: Department) -> UUID:
            return d.commit(line_id=budget_line_id, project_id=project_id, amount=amount,
                            conditional=conditional)

        return self._change_department(department.id, commit, project_id=project_id)

    def withdraw_commitment(self, department_id: UUID, commitment_id: UUID) -> None:
        """The department takes a commitment back before the pilot's campaign closes."""
        department = self.get_department(department_id)
        self._require_officer_of(department.city_id)
        commitment = department.commitment(commitment_id)
        self._change_department(
            department_id, lambda d: d.withdraw(commitment_id), project_id=commitment.project_id
        )

    # -- following the pilot's outcome -----------------------------------------------------

    def _settle_commitments(self, project: Project) -> None:
        funded = project.status == FUNDED
        cancelled = project.status == CANCELLED
        why = f"the project was {project.status}"

        def follow(d: Department) -> None:
            for c in d.commitments_to(project.id):
                if cancelled or (not funded and c.conditional):
                    d.release(c.id, why=why)
                elif c.state == COMMITTED:
                    d.draw(c.id)

        for department in self.departments_of(project.city_id):
            if department.commitments_to(project.id):
                self._change_department(department.id, follow)

    # -- the machinery ---------------------------------------------------------------------

    def _department_with_line(self, city_id: UUID, line_id: UUID) -> Department:
        for department in self.departments_of(city_id):
            if line_id in department.lines:
                return department
        raise InvalidDepartment("No department of this pilot's city has that budget line",
                                field="budget_line_id")

    def _project_takes_commitments(self, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        if project.status not in (DRAFT, OPEN) or project.closing or (
            project.status == OPEN and self.clock.now() >= project.closes_at
        ):
            raise InvalidTransition(
                "Commitments change only before the pilot's campaign closes; this one is "
                + ("closing" if project.closing or project.status == OPEN else project.status)
            )
        return project

    def _change_department(self, department_id: UUID, change: Callable[[Department], T], *,
                           project_id: UUID | None = None) -> T:
        """Decide on the department as recorded and save the outcome (on condition that the
        pilot, if any, is unchanged); decide again if another process changed either."""
        return self._decide_on(
            lambda: self.get_department(department_id), change,
            unchanged=None if project_id is None else (
                lambda: self._project_takes_commitments(project_id)
            ),
        )
