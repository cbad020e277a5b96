"""A proposer's pages: the pilots a city made them delivery owner of, where they plan and complete
milestones and post updates with the same forms the city console uses."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from adapters.queries import ProjectView
from domain.kernel.errors import NotFound
from web.crowdfunding.console_forms import MilestoneForm, UpdateForm
from web.crowdfunding.delivery_owners import PROPOSER
from web.crowdfunding.delivery_routes import PilotPages, add_delivery_routes
from web.crowdfunding.impact import add_impact_routes
from web.crowdfunding.impact_forms import IndicatorForm, MeasurementForm
from web.errors import error_page
from web.extensions import login_manager
from web.pictures.pages import add_picture_routes
from web.services import platform

bp = Blueprint("delivery", __name__, url_prefix="/delivery")



@bp.before_request
def _proposers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role(PROPOSER, "auditor"):  # auditors read, never change
        return error_page(
            403,
            "For proposers only",
            "These pages are where a pilot's proposer reports on its delivery. "
            "Your account is not a proposer's account.",
        )
    return None


def _owned_project(project_id: UUID) -> ProjectView:
    """A pilot this proposer delivers; any other looks as if it did not exist."""
    project = platform().read.project(project_id)
    auditing = current_user.has_role("auditor") and project is not None and (
        project.delivery_owner_id is not None)
    if project is None or (project.delivery_owner_id != current_user.account_id and not auditing):
        raise NotFound(f"No pilot with id {project_id} among the pilots you deliver")
    return project


@bp.get("")
def home():
    if current_user.has_role("auditor"):
        projects = [p for p in platform().read.projects(include_drafts=True, limit=10_000)
                    if p.delivery_owner_id is not None]
    else:
        projects = platform().read.projects_delivered_by(current_user.account_id)
    return render_template("delivery/home.html", projects=projects)


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    return _project_page(_owned_project(project_id))


def _project_page(
    project: ProjectView, *, status: int = 200, problem: str | None = None,
    milestone: MilestoneForm | None = None, update: UpdateForm | None = None,
):
    summary = [
        (field.id, error)
        for form in (milestone, update) if form is not None
        for field in form if field.type != "CSRFTokenField"
        for error in field.errors
    ]
    html = render_template(
        "delivery/project.html",
        city=platform().read.city(project.city_id),
        project=project,
        milestones=platform().read.milestones(project.id),
        updates=platform().read.updates(project.id),
        indicators=platform().read.indicators_of(project.id),
        indicator_form=IndicatorForm(formdata=None),
        measurement_form=MeasurementForm(formdata=None),
        problem=problem,
        summary=summary,
        errors={anchor: message for anchor, message in reversed(summary)},
        milestone_form=milestone or MilestoneForm(formdata=None),
        update_form=update or UpdateForm(formdata=None),
        delivery_endpoint="delivery",
    )
    return html, status


def _to_project(project_id: UUID, anchor: str = ""):
    return redirect(url_for("delivery.project", project_id=project_id) + anchor, code=303)


PAGES = PilotPages(pilot=_owned_project, page=_project_page, back_to=_to_project)
add_delivery_routes(bp, PAGES)
add_impact_routes(bp, PAGES)
add_picture_routes(bp, PAGES)
