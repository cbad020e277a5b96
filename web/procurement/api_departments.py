"""Departments and their commitments: anyone reads a city's departments, their budget lines
(with what is committed, drawn and available) and the commitments to a pilot; a city's officers
create departments, add budget lines and commit money to their city's pilots, or withdraw a
commitment before the pilot's campaign closes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for

from adapters.department_queries import CommitmentView, DepartmentView
from domain.kernel.errors import CurrencyMismatch, InvalidCity
from domain.kernel.money import Money
from web.api import bp
from web.api.http import caller, forbidden, json_body, not_found, query_args, require_caller
from web.api.schemas import one
from web.crowdfunding.api.projects import MANAGERS, manages_city, visible_project
from web.procurement.api_department_schemas import (
    BudgetLineCreateSchema,
    CommitmentCreateSchema,
    CommitmentListSchema,
    CommitmentSchema,
    DepartmentCreateSchema,
    DepartmentFilterSchema,
    DepartmentListSchema,
    DepartmentSchema,
)
from web.services import command, platform


def department_json(department: DepartmentView) -> dict[str, Any]:
    return one(DepartmentSchema).dump(department)


def commitment_json(commitment: CommitmentView) -> dict[str, Any]:
    return one(CommitmentSchema).dump(commitment)


def _department(department_id: UUID) -> DepartmentView:
    found = platform().read.department(department_id)
    if found is None:
        raise not_found("department")
    return found


def _in_currency(wanted: dict, currency: str) -> Money:
    """The amount in the department's currency; a request naming another is refused."""
    named = wanted.get("currency")
    if named is not None and named != currency:
        raise CurrencyMismatch(f"This budget is in {currency}, not {named[:3]!r}")
    return Money.parse(wanted["amount"], currency)


_FORBIDDEN = "Only officers of the department's city can manage its departments"


# -- reading -----------------------------------------------------------------------------------

@bp.get("/departments")
def list_departments():
    wanted = query_args(one(DepartmentFilterSchema))
    read = platform().read
    city_id = None
    if "city" in wanted:
        city = read.city_named(wanted["city"])
        if city is None:
            return jsonify(one(DepartmentListSchema).dump({"departments": []}))
        city_id = city.id
    return jsonify(one(DepartmentListSchema).dump({"departments": read.departments(city_id)}))


@bp.get("/departments/<uuid:department_id>")
def get_department(department_id: UUID):
    return jsonify(department_json(_department(department_id)))


@bp.get("/projects/<uuid:project_id>/commitments")
def list_commitments(project_id: UUID):
    project = visible_project(project_id, caller())
    commitments = platform().read.commitments_to(project.id)
    return jsonify(one(CommitmentListSchema).dump({"commitments": commitments}))


# -- the city's commands -----------------------------------------------------------------------

@bp.post("/departments")
def create_department():
    user = require_caller(*MANAGERS)
    wanted = json_body(one(DepartmentCreateSchema))
    city = platform().read.city_named(wanted["city"])
    if city is None:
        raise InvalidCity(f"There is no city called {wanted['city']!r}", field="city")
    if not manages_city(user, city.id):
        raise forbidden(_FORBIDDEN)
    department_id = command(
        lambda: platform().app.create_department(city_id=city.id, name=wanted["name"]),
        actor=user.actor,
    )
    location = url_for("api.get_department", department_id=department_id)
    return jsonify(department_json(_department(department_id))), 201, {"Location": location}


@bp.post("/departments/<uuid:department_id>/budget-lines")
def add_budget_line(department_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(BudgetLineCreateSchema))
    department = _department(department_id)
    if not manages_city(user, department.city_id):
        raise forbidden(_FORBIDDEN)
    amount = _in_currency(wanted, department.currency)
    command(
        lambda: platform().app.add_budget_line(
            department_id, name=wanted["name"], fiscal_year=wanted["fiscal_year"], amount=amount,
        ),
        actor=user.actor,
    )
    return jsonify(department_json(_department(department_id))), 201


@bp.post("/projects/<uuid:project_id>/commitments")
def commit_to_project(project_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(CommitmentCreateSchema))
    project = visible_project(project_id, user)
    if not manages_city(user, project.city_id):
        raise forbidden("Only officers of this project's city can commit its departments' money")
    amount = _in_currency(wanted, project.currency)
    commitment_id = command(
        lambda: platform().app.commit_to_project(
            project_id, budget_line_id=wanted["budget_line_id"], amount=amount,
            conditional=wanted["conditional"],
        ),
        actor=user.actor,
    )
    found = platform().read.commitment(commitment_id)
    return jsonify(commitment_json(found)), 201


@bp.delete("/commitments/<uuid:commitment_id>")
def withdraw_commitment(commitment_id: UUID):
    user = require_caller(*MANAGERS)
    found = platform().read.commitment(commitment_id)
    if found is None:
        raise not_found("commitment")
    if not manages_city(user, found.city_id):
        raise forbidden(_FORBIDDEN)
    command(lambda: platform().app.withdraw_commitment(found.department_id, commitment_id),
            actor=user.actor)
    return jsonify(commitment_json(platform().read.commitment(commitment_id)))
