"""The city console's departments: an officer lists their city's departments with each budget
line's amount, committed, drawn and available money; adds departments and budget lines; commits
a line's money to one of the city's pilots (conditional on it being funded, or firm) and
withdraws a commitment before the pilot's campaign closes. Administrators do the same for any
city.

A refusal shows on the page that was sent, with what was typed kept, and records nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.department_queries import DepartmentView
from adapters.queries import CityView
from domain.kernel.errors import DomainError, InvalidAmount, NotFound, NotPermitted
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from web.crowdfunding.console_forms import ActionForm
from web.errors import error_page, status_for
from web.extensions import login_manager
from web.services import command, platform

bp = Blueprint("department_console", __name__, url_prefix="/console/departments")

TAKES_COMMITMENTS = ("draft", "open")
INCOMPLETE = "The form was incomplete: try again."


@bp.before_request
def _officers_and_admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.has_role("admin", "auditor"):  # auditors read, never change
        return None
    if not current_user.has_role("city"):
        return error_page(
            403, "For city officers only",
            "Departments and their budget lines are managed in the city console by the city's "
            "officers. Your account is not a city officer's account.",
        )
    if _officer_city() is None:
        return error_page(
            403, "No city on your account",
            "Your officer account is not tied to a city yet. Ask an administrator to set it.",
        )
    return None


def _is_admin() -> bool:
    """Sees every city's (auditors too: they read everything and change nothing)."""
    return current_user.has_role("admin", "auditor")


def _officer_city() -> CityView | None:
    return platform().read.city(current_user.city_id) if current_user.city_id else None


def _own_department(department_id: UUID) -> DepartmentView:
    """A department the signed-in person manages: 404 when there is none, 403 for another
    city's."""
    found = platform().read.department(department_id)
    if found is None:
        raise NotFound(f"No department with id {department_id}")
    if not _is_admin() and found.city_id != current_user.city_id:
        raise NotPermitted("This department belongs to another city: only its officers "
                           "manage it")
    return found


def _text(values: dict[str, str], name: str, label: str, limit: int,
          errors: dict[str, str]) -> str:
    value = " ".join((values.get(name) or "").split())
    if has_control_characters(values.get(name) or ""):
        errors[name] = "Remove the control characters from this text"
    elif not value:
        errors[name] = f"Enter the {label}"
    elif len(value) > limit:
        errors[name] = f"Keep the {label} under {limit} characters"
    return value


def _amount(values: dict[str, str], name: str, currency: str,
            errors: dict[str, str]) -> Money | None:
    text = (values.get(name) or "").strip().replace(",", "")
    if not text:
        errors[name] = f"Enter an amount in {currency}, for example 2500.00"
        return None
    try:
        amount = Money.parse(text, currency)
    except InvalidAmount as problem:
        errors[name] = problem.message
        return None
    if not amount.is_positive():
        errors[name] = "The amount must be more than zero"
        return None
    return amount


# -- the list ----------------------------------------------------------------------------------

@bp.get("")
def home():
    return _list_page()


def _list_page(status: int = 200, *, values: dict | None = None, errors: dict | None = None,
               problem: str | None = None):
    read = platform().read
    city = None if _is_admin() else _officer_city()
    departments = read.departments(city.id if city else None)
    cities = [city] if city else read.cities()
    return render_template(
        "console/departments.html",
        city=city, cities=cities,
        groups=[(c, [d for d in departments if d.city_id == c.id]) for c in cities],
        values=values or {}, errors=errors or {}, problem=problem,
    ), status


@bp.post("")
def create():
    if not ActionForm().validate():
        return _list_page(400, problem=INCOMPLETE)
    values = request.form.to_dict()
    errors: dict[str, str] = {}
    name = _text(values, "name", "department's name", 80, errors)
    city = _officer_city() if not _is_admin() else _city_chosen(values.get("city", ""))
    if city is None:
        errors["city"] = "Choose the department's city"
    if errors:
        return _list_page(422, values=values, errors=errors)
    try:
        department_id = command(
            lambda: platform().app.create_department(city_id=city.id, name=name)
        )
    except DomainError as problem:
        if problem.field == "name":
            return _list_page(status_for(problem), values=values,
                              errors={"name": problem.message})
        return _list_page(status_for(problem), values=values, problem=problem.message)
    flash(f"{name} is a department of {city.name}: add its budget lines below.", "success")
    return redirect(url_for("department_console.department", department_id=department_id),
                    code=303)


def _city_chosen(raw: str) -> CityView | None:
    try:
        return platform().read.city(UUID(raw))
    except ValueError:
        return None


# -- one department ----------------------------------------------------------------------------

@bp.get("/<uuid:department_id>")
def department(department_id: UUID):
    return _department_page(_own_department(department_id))


def _department_page(department: DepartmentView, status: int = 200, *,
                     values: dict | None = None, errors: dict | None = None,
                     problem: str | None = None):
    read = platform().read
    pilots = [p for p in read.projects(city_id=department.city_id, include_drafts=True,
                                       limit=500)
              if p.status in TAKES_COMMITMENTS]
    chosen = dict(values or {})
    if values is None:
        chosen["conditional"] = "yes"
    return render_template(
        "console/department.html",
        department=department,
        commitments=read.commitments_of_department(department.id),
        pilots=pilots,
        now=platform().clock.now(),
        values=chosen, errors=errors or {}, problem=problem,
    ), status


def _refused(department: DepartmentView, problem: DomainError, values: dict,
             fields: dict[str, str]):
    """The page again with the refusal by the field it concerns, or as a whole."""
    fresh = platform().read.department(department.id) or department
    if problem.field in fields:
        return _department_page(fresh, status_for(problem), values=values,
                                errors={fields[problem.field]: problem.message})
    return _department_page(fresh, status_for(problem), values=values, problem=problem.message)


@bp.post("/<uuid:department_id>/budget-lines")
def add_line(department_id: UUID):
    department = _own_department(department_id)
    if not ActionForm().validate():
        return _department_page(department, 400, problem=INCOMPLETE)
    values = request.form.to_dict()
    errors: dict[str, str] = {}
    name = _text(values, "line_name", "budget line's name", 140, errors)
    year_text = (values.get("fiscal_year") or "").strip()
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    if year is None:
        errors["fiscal_year"] = "Enter the fiscal year, for example 2026"
    amount = _amount(values, "line_amount", department.currency, errors)
    if errors:
        return _department_page(department, 422, values=values, errors=errors)
    try:
        command(lambda: platform().app.add_budget_line(
            department_id, name=name, fiscal_year=year, amount=amount))
    except DomainError as problem:
        return _refused(department, problem, values, {
            "name": "line_name", "fiscal_year": "fiscal_year", "amount": "line_amount",
            "currency": "line_amount",
        })
    flash(f"{name} ({year}) adds {amount.display()} to {department.name}'s budget.", "success")
    return redirect(url_for("department_console.department", department_id=department_id),
                    code=303)


@bp.post("/<uuid:department_id>/commitments")
def commit(department_id: UUID):
    department = _own_department(department_id)
    if not ActionForm().validate():
        return _department_page(department, 400, problem=INCOMPLETE)
    values = request.form.to_dict()
    errors: dict[str, str] = {}
    line = _uuid_of(values.get("budget_line_id", ""))
    if line is None or line not in {l.id for l in department.lines}:  # noqa: E741
        errors["budget_line_id"] = "Choose one of the department's budget lines"
    project_id = _uuid_of(values.get("project_id", ""))
    project = platform().read.project(project_id) if project_id else None
    if project is None or project.city_id != department.city_id:
        errors["project_id"] = "Choose one of the city's pilots"
    amount = _amount(values, "commit_amount", department.currency, errors)
    if errors:
        return _department_page(department, 422, values=values, errors=errors)
    conditional = values.get("conditional") == "yes"
    try:
        command(lambda: platform().app.commit_to_project(
            project.id, budget_line_id=line, amount=amount, conditional=conditional))
    except DomainError as problem:
        return _refused(department, problem, values, {
            "amount": "commit_amount", "currency": "commit_amount",
            "budget_line_id": "budget_line_id",
        })
    kind = "if it is funded" if conditional else "firm, whatever the crowd does"
    flash(f"{department.name} commits {amount.display()} to “{project.title}” ({kind}).",
          "success")
    return redirect(url_for("department_console.department", department_id=department_id),
                    code=303)


@bp.post("/<uuid:department_id>/commitments/<uuid:commitment_id>/withdraw")
def withdraw(department_id: UUID, commitment_id: UUID):
    department = _own_department(department_id)
    if not ActionForm().validate():
        return _department_page(department, 400, problem=INCOMPLETE)
    found = platform().read.commitment(commitment_id)
    if found is None or found.department_id != department.id:
        raise NotFound(f"No commitment with id {commitment_id}")
    try:
        command(lambda: platform().app.withdraw_commitment(department.id, commitment_id))
    except DomainError as problem:
        return _refused(department, problem, {}, {})
    flash(f"The commitment of {found.amount.display()} to “{found.project_title}” is "
          f"withdrawn: the money is back on {found.line_name}.", "success")
    return redirect(url_for("department_console.department", department_id=department_id),
                    code=303)


def _uuid_of(raw: Any) -> UUID | None:
    try:
        return UUID(str(raw))
    except ValueError:
        return None
