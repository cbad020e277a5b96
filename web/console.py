"""The city officer's console: their city's pilots, drafting a new one, opening campaigns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.queries import CityView, ProjectView
from domain.errors import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidCity,
    InvalidProject,
    InvalidTransition,
    NotFound,
    NotPermitted,
    UnknownCurrency,
)
from domain.money import Money
from web.errors import error_page
from web.extensions import login_manager
from web.project_form import ProjectForm
from web.services import command, platform

bp = Blueprint("console", __name__, url_prefix="/console")

FORM_PROBLEMS = (InvalidProject, InvalidAmount, UnknownCurrency, CurrencyMismatch, InvalidCity)


@bp.before_request
def _officers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("city"):
        return error_page(
            403,
            "For city officers only",
            "The city console is where city officers manage their city's pilots. "
            "Your account is not a city officer's account.",
        )
    if _officer_city() is None:
        return error_page(
            403,
            "No city on your account",
            "Your officer account is not tied to a city yet. Ask an administrator to set it.",
        )
    return None


@bp.context_processor
def _helpers() -> dict:
    return {"in_city_time": _in_city_time}


def _in_city_time(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%-d %b %Y, %H:%M")


def _officer_city() -> CityView | None:
    return platform().read.city(current_user.city_id) if current_user.city_id else None


def _own_project(project_id: UUID) -> ProjectView:
    """A project of the officer's city, or a 404/403 page via the domain errors."""
    project = platform().read.project(project_id)
    if project is None:
        raise NotFound(f"No pilot with id {project_id}")
    if project.city_id != current_user.city_id:
        raise NotPermitted("This pilot belongs to another city: only its officers manage it")
    return project


# -- the console ---------------------------------------------------------------------------------

@bp.get("")
def home():
    city = _officer_city()
    projects = platform().read.projects(city_id=city.id, include_drafts=True, limit=1000)
    live = [p for p in projects if p.status == "open"]
    raised = sum((p.raised for p in live), Money.zero(city.currency))
    return render_template(
        "console/home.html",
        city=city,
        projects=projects,
        drafts=sum(1 for p in projects if p.status == "draft"),
        live=len(live),
        raised=raised,
    )


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    return render_template(
        "console/project.html", city=_officer_city(), project=_own_project(project_id)
    )


@bp.post("/projects/<uuid:project_id>/open")
def open_campaign(project_id: UUID):
    project = _own_project(project_id)
    try:
        command(lambda: platform().app.open_campaign(project_id))
    except InvalidTransition as problem:
        flash(f"“{project.title}”: {problem.message}", "error")
    else:
        flash(f"The campaign for “{project.title}” is open: citizens can now pledge.", "success")
    return redirect(_back_to(project_id), code=303)


def _back_to(project_id: UUID) -> str:
    if request.form.get("back") == "project":
        return url_for("console.project", project_id=project_id)
    return url_for("console.home")


# -- a new pilot ---------------------------------------------------------------------------------

@bp.route("/projects/new", methods=["GET", "POST"])
def new_project():
    city = _officer_city()
    now = platform().clock.now()
    if request.method == "GET":
        return _form_page(city, ProjectForm.blank(now=now, timezone=city.timezone))

    form = ProjectForm.from_submission(request.form)
    if request.form.get("action") == "add_lines":
        form.add_rows()
        return _form_page(city, form)

    arguments = form.draft_arguments(currency=city.currency, timezone=city.timezone, now=now)
    if arguments is None:
        return _form_page(city, form, status=422)
    try:
        project_id = command(lambda: platform().app.draft_project(city_id=city.id, **arguments))
    except FORM_PROBLEMS as problem:
        form.show_domain_error(problem)
        return _form_page(city, form, status=422)

    title = " ".join(arguments["title"].split())
    if form.open_now:
        try:
            command(lambda: platform().app.open_campaign(project_id))
        except InvalidTransition as problem:
            flash(f"“{title}” is saved as a draft, but its campaign did not open: "
                  f"{problem.message}", "error")
        else:
            flash(f"“{title}” is saved and its campaign is open.", "success")
    else:
        flash(f"“{title}” is saved as a draft. Open its campaign when you are ready.", "success")
    return redirect(url_for("console.project", project_id=project_id), code=303)


def _form_page(city: CityView, form: ProjectForm, status: int = 200):
    html = render_template(
        "console/new_project.html",
        city=city,
        form=form,
        errors=form.errors,
        summary=form.summary(),
        exponent=Money.zero(city.currency).exponent,
    )
    return html, status
