"""The city officer's console: their city's pilots, drafting a new one, opening campaigns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.queries import CityView, ProjectView
from domain.crowdfunding.pledge import FIX_WINDOW
from domain.crowdfunding.settlement import SettlementReport
from domain.kernel.errors import (
    CurrencyMismatch,
    DomainError,
    InvalidAmount,
    InvalidCity,
    InvalidProject,
    InvalidTransition,
    NotFound,
    NotPermitted,
    UnknownCurrency,
)
from domain.kernel.money import Money
from web.crowdfunding.console_forms import (
    CancelForm,
    DeliveryOwnerForm,
    MilestoneForm,
    SuggestedAmountsForm,
    UpdateForm,
)
from web.crowdfunding.delivery_owners import proposer_account
from web.crowdfunding.delivery_routes import (
    PilotPages,
    act_on_pilot,
    add_delivery_routes,
    run_on_pilot,
)
from web.crowdfunding.impact import add_impact_routes
from web.crowdfunding.impact_forms import IndicatorForm, MeasurementForm
from web.crowdfunding.project_form import ProjectForm
from web.errors import error_page
from web.extensions import login_manager
from web.pictures.pages import add_picture_routes
from web.services import command, platform

bp = Blueprint("console", __name__, url_prefix="/console")

T = TypeVar("T")

FORM_PROBLEMS = (InvalidProject, InvalidAmount, UnknownCurrency, CurrencyMismatch, InvalidCity)


@bp.before_request
def _officers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("city", "auditor"):  # auditors read, never change
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
    if current_user.has_role("auditor"):
        return _audited_city()
    return platform().read.city(current_user.city_id) if current_user.city_id else None


def _audited_city() -> CityView | None:
    """The city an auditor reads the console of: the one asked for (?city=), else the first."""
    cities = platform().read.cities()
    wanted = request.args.get("city", "")
    return next((city for city in cities if str(city.id) == wanted), cities[0] if cities else None)


def _own_project(project_id: UUID) -> ProjectView:
    """A project of the officer's city, or a 404/403 page via the domain errors."""
    project = platform().read.project(project_id)
    if project is None:
        raise NotFound(f"No pilot with id {project_id}")
    if project.city_id != current_user.city_id and not current_user.has_role("auditor"):
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
        cities=platform().read.cities() if current_user.has_role("auditor") else [],
        projects=projects,
        drafts=sum(1 for p in projects if p.status == "draft"),
        live=len(live),
        raised=raised,
        liabilities=platform().read.city_liabilities(city.id, platform().clock.now().date()),
    )


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    return _project_page(_own_project(project_id))


def _project_page(
    project: ProjectView,
    *,
    status: int = 200,
    problem: str | None = None,
    cancel: CancelForm | None = None,
    milestone: MilestoneForm | None = None,
    update: UpdateForm | None = None,
    owner: DeliveryOwnerForm | None = None,
    suggested: SuggestedAmountsForm | None = None,
):
    """The pilot's console page, with a refusal or a form's errors when an action failed."""
    forms = {
        "cancel_form": cancel or CancelForm(formdata=None),
        "milestone_form": milestone or MilestoneForm(formdata=None),
        "update_form": update or UpdateForm(formdata=None),
        "owner_form": owner or DeliveryOwnerForm(formdata=None),
        "suggested_form": suggested or SuggestedAmountsForm(
            formdata=None,
            suggested_amounts=", ".join(a.to_decimal_string() for a in project.suggested)),
    }
    summary = [
        (field.id, error)
        for form in (cancel, milestone, update, owner, suggested) if form is not None
        for field in form if field.type != "CSRFTokenField"
        for error in field.errors
    ]
    missing = project.optimum - project.raised if project.raised < project.optimum else None
    html = render_template(
        "console/project.html",
        city=platform().read.city(project.city_id),
        project=project,
        milestones=platform().read.milestones(project.id),
        updates=platform().read.updates(project.id),
        indicators=platform().read.indicators_of(project.id),
        indicator_form=IndicatorForm(formdata=None),
        measurement_form=MeasurementForm(formdata=None),
        commitments=platform().read.commitments_to(project.id),
        offers=platform().read.offers_on(project.id),
        missing_for_early_close=missing,
        delivery_owner=(platform().accounts.record(project.delivery_owner_id)
                        if project.delivery_owner_id else None),
        problem=problem,
        summary=summary,
        errors={anchor: message for anchor, message in reversed(summary)},
        **forms,
    )
    return html, status


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


# -- closing, cancelling and delivering a pilot -----------------------------------------------

def _run(
    project: ProjectView, use_case: Callable[[], T], form_name: str | None = None,
    form: Any = None, fields: dict[str, str] | None = None,
) -> tuple[T | None, Any]:
    return run_on_pilot(project, use_case, _project_page, form_name, form, fields)


def _to_project(project_id: UUID, anchor: str = ""):
    return redirect(url_for("console.project", project_id=project_id) + anchor, code=303)


PAGES = PilotPages(pilot=_own_project, page=_project_page, back_to=_to_project)


def _settlement_words(report: SettlementReport) -> str:
    parts = [
        f"{count} {noun}{'' if count == 1 else 's'} {verb}"
        for count, noun, verb in (
            (report.charged, "pledge", "charged"),
            (report.failed, "payment", "failed"),
            (report.released, "pledge", "released"),
            (report.refunded, "pledge", "refunded"),
        )
        if count
    ]
    said = ", ".join(parts) if parts else "no pledges to settle"
    if report.failed:
        said += (f" — backers whose card failed have {FIX_WINDOW.days} days to give another "
                 "card, and are told so by mail")
    return said + "."


@bp.post("/projects/<uuid:project_id>/close")
def close_campaign(project_id: UUID):
    project, report, refused = act_on_pilot(
        PAGES, project_id, lambda: platform().app.close_campaign_early(project_id)
    )
    if refused:
        return refused
    outcome = "funded" if report.outcome == "funded" else (report.outcome or "closed")
    flash(f"The campaign for “{project.title}” is closed and the pilot is {outcome}: "
          f"{_settlement_words(report)}", "success")
    return _to_project(project_id)


@bp.post("/projects/<uuid:project_id>/cancel")
def cancel_project(project_id: UUID):
    project = _own_project(project_id)
    form = CancelForm()
    if not form.validate():
        return _project_page(project, status=422, cancel=form)
    report, refused = _run(
        project, lambda: platform().app.cancel_project(project_id, reason=form.reason.data),
        "cancel", form, {"reason": "reason"},
    )
    if refused:
        return refused
    flash(f"“{project.title}” is cancelled: {_settlement_words(report)}", "success")
    return _to_project(project_id)


@bp.post("/projects/<uuid:project_id>/delivery")
def start_delivery(project_id: UUID):
    project, _, refused = act_on_pilot(
        PAGES, project_id, lambda: platform().app.start_delivery(project_id)
    )
    if refused:
        return refused
    flash(f"Delivery of “{project.title}” has started. Plan its milestones and post updates "
          "as the work goes on.", "success")
    return _to_project(project_id, "#delivery")


@bp.post("/projects/<uuid:project_id>/delivery-owner")
def assign_delivery_owner(project_id: UUID):
    project = _own_project(project_id)
    form = DeliveryOwnerForm()
    if not form.validate():
        return _project_page(project, status=422, owner=form)
    try:
        account = proposer_account(form.owner_email.data)
    except DomainError as problem:
        form.owner_email.errors = [*form.owner_email.errors, problem.message]
        return _project_page(project, status=422, owner=form)
    _, refused = _run(
        project, lambda: platform().app.assign_delivery_owner(project_id, account.id),
        "owner", form, {"account": "owner_email", "email": "owner_email"},
    )
    if refused:
        return refused
    flash(f"{account.name} is now the delivery owner of “{project.title}”: they can plan and "
          "complete milestones and post updates.", "success")
    return _to_project(project_id, "#delivery-owner")


@bp.post("/projects/<uuid:project_id>/suggested-amounts")
def suggest_amounts(project_id: UUID):
    project = _own_project(project_id)
    form = SuggestedAmountsForm()
    amounts = form.amounts(project.currency) if form.validate() else None
    if amounts is None:
        return _project_page(project, status=422, suggested=form)
    _, refused = _run(
        project, lambda: platform().app.suggest_amounts(project_id, amounts),
        "suggested", form, {"suggested_amounts": "suggested_amounts"},
    )
    if refused:
        return refused
    flash(f"The pledge form of “{project.title}” now suggests "
          + (", ".join(a.to_decimal_string() for a in sorted(amounts, key=lambda a: a.minor))
             if amounts else "no amounts") + ".", "success")
    return _to_project(project_id, "#suggested-amounts")


@bp.post("/projects/<uuid:project_id>/complete")
def complete_project(project_id: UUID):
    project, _, refused = act_on_pilot(
        PAGES, project_id, lambda: platform().app.complete_project(project_id)
    )
    if refused:
        return refused
    flash(f"“{project.title}” is completed. Thank you for delivering it.", "success")
    return _to_project(project_id)


add_delivery_routes(bp, PAGES)
add_impact_routes(bp, PAGES)
add_picture_routes(bp, PAGES)


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
