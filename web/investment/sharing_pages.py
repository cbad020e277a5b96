"""Benefit sharing on the web: the delivery owner (or an officer) reports a pilot's realised
benefit on a form; the city's officers see the reports waiting for a decision and approve or
reject them (four eyes: not their own). The pilot's public page shows its agreement and the
approved reports with their distributions (web/crowdfunding/public.py). No JavaScript; every
form carries its CSRF token; a refusal shows on the page that was sent and records nothing.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from domain.kernel.errors import DomainError, InvalidAmount, NotFound
from domain.kernel.money import Money
from web.crowdfunding.console_forms import ActionForm
from web.errors import error_page, status_for
from web.services import command, platform

bp = Blueprint("sharing", __name__, url_prefix="/sharing")

INCOMPLETE = "The form was incomplete: try again."
FIELDS = ("period_start", "period_end", "amount", "category", "evidence", "links")


def _project(project_id: UUID):
    found = platform().read.project(project_id)
    agreement = platform().read.agreement(project_id)
    if found is None or agreement is None:
        raise NotFound(f"No benefit-sharing agreement for project {project_id}")
    return found, agreement


def _may_report(project) -> bool:
    return current_user.is_authenticated and (
        (current_user.has_role("city") and current_user.city_id == project.city_id)
        or (current_user.has_role("proposer")
            and getattr(project, "delivery_owner_id", None) == current_user.account_id))


def _report_page(project, agreement, status: int = 200, *, values: dict | None = None,
                 errors: dict | None = None, problem: str | None = None):
    return render_template("sharing/report.html", project=project, agreement=agreement,
                           values=values or {}, errors=errors or {}, problem=problem), status


@bp.get("/projects/<uuid:project_id>/report")
@login_required
def report_form(project_id: UUID):
    project, agreement = _project(project_id)
    if not _may_report(project):
        return _refused()
    return _report_page(project, agreement)


def _refused():
    return error_page(403, "For the pilot's delivery owner and its city's officers",
                      "Only the pilot's delivery owner or an officer of its city reports its "
                      "benefits.")


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@bp.post("/projects/<uuid:project_id>/report")
@login_required
def report(project_id: UUID):
    project, agreement = _project(project_id)
    if not _may_report(project):
        return _refused()
    if not ActionForm().validate():
        return _report_page(project, agreement, 400, problem=INCOMPLETE)
    values = {name: request.form.get(name, "") for name in FIELDS}
    errors: dict[str, str] = {}
    start, end = _date(values["period_start"]), _date(values["period_end"])
    if start is None:
        errors["period_start"] = "Give the period's first day as YYYY-MM-DD"
    if end is None:
        errors["period_end"] = "Give the period's last day as YYYY-MM-DD"
    amount = None
    try:
        amount = Money.parse(values["amount"].strip().replace(",", ""), agreement.currency)
    except InvalidAmount as problem:
        errors["amount"] = problem.message
    if errors:
        return _report_page(project, agreement, 422, values=values, errors=errors)
    links = [line.strip() for line in values["links"].splitlines() if line.strip()]
    try:
        command(lambda: platform().app.report_benefit(
            project_id, period_start=start, period_end=end, amount=amount,
            category=values["category"], evidence=values["evidence"], links=links))
    except DomainError as problem:
        field = problem.field if problem.field in FIELDS else None
        if field:
            return _report_page(project, agreement, status_for(problem), values=values,
                                errors={field: problem.message})
        return _report_page(project, agreement, status_for(problem), values=values,
                            problem=problem.message)
    flash(f"Your report of {amount.display()} for {start.isoformat()} to {end.isoformat()} "
          "waits for a different officer of the city to approve it.", "success")
    return redirect(url_for("public.project", project_id=project_id), code=303)


# -- the officers' console ---------------------------------------------------------------------

def _officer() -> bool:
    """An officer, or an auditor reading every city's reports (web/audit/read_only.py)."""
    return current_user.is_authenticated and current_user.has_role("city", "auditor")


def _reports_page(status: int = 200, problem: str | None = None):
    city_id = None if current_user.has_role("auditor") else current_user.city_id
    reports = platform().read.pending_benefit_reports(city_id)
    return render_template("sharing/reports.html", reports=reports, problem=problem,
                           me=current_user.account_id), status


@bp.get("/reports")
@login_required
def reports():
    if not _officer():
        return _officers_only()
    return _reports_page()


def _officers_only():
    return error_page(403, "For city officers",
                      "Only a city's officers approve or reject its pilots' benefit reports.")


@bp.post("/reports/<uuid:report_id>/<any(approve, reject):decision>")
@login_required
def decide(report_id: UUID, decision: str):
    if not _officer():
        return _officers_only()
    if not ActionForm().validate():
        return _reports_page(400, INCOMPLETE)
    found = platform().read.benefit_report(report_id)
    if found is None or found.city_id != current_user.city_id:
        raise NotFound(f"No benefit report with id {report_id}")
    try:
        if decision == "approve":
            command(lambda: platform().app.approve_benefit_report(report_id))
        else:
            command(lambda: platform().app.reject_benefit_report(
                report_id, reason=request.form.get("reason", "")))
    except DomainError as problem:
        return _reports_page(status_for(problem), problem.message)
    done = "approved and distributed" if decision == "approve" else "rejected"
    flash(f"The report of {found.amount.display()} for “{found.project_title}” is {done}.",
          "success")
    return redirect(url_for("sharing.reports"), code=303)


# -- signing -----------------------------------------------------------------------------------

@bp.post("/projects/<uuid:project_id>/sign")
@login_required
def sign(project_id: UUID):
    """A party signs the newest version (the first signature draws the agreement up)."""
    if platform().read.project(project_id) is None:
        raise NotFound(f"No project with id {project_id}")
    if not ActionForm().validate():
        return error_page(400, "The form was incomplete", INCOMPLETE)
    party = request.form.get("party", "")
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        return error_page(422, "Not signed", "Name the version you sign.")
    try:
        took_effect = command(lambda: platform().app.sign_agreement(
            project_id, party=party, version=version))
    except DomainError as problem:
        return error_page(status_for(problem), "Not signed",
                          f"{problem.message}. Nothing has been recorded.")
    flash(f"You signed version {version} for the {party.replace('_', ' ')}."
          + (" Every party has signed: it is in effect." if took_effect else ""), "success")
    return redirect(url_for("public.project", project_id=project_id), code=303)
