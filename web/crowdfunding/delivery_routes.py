"""What city officers (in the console) and delivery owners (on /delivery) share: running a use
case on a pilot with refusals shown on the pilot's page, and the milestone and update forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from flask import Blueprint, flash

from adapters.queries import ProjectView
from domain.kernel.errors import DomainError, NotFound
from web.crowdfunding.console_forms import ActionForm, MilestoneForm, UpdateForm
from web.errors import status_for
from web.filters import local_date
from web.services import command, platform

T = TypeVar("T")
Page = Callable[..., Any]


def run_on_pilot(
    project: ProjectView, use_case: Callable[[], T], page: Page, form_name: str | None = None,
    form: Any = None, fields: dict[str, str] | None = None,
) -> tuple[T | None, Any]:
    """Runs a use case on the pilot. A refusal comes back as the pilot's page with a 4xx, next to
    the form field it concerns when there is one; otherwise as (result, None)."""
    try:
        return command(use_case), None
    except NotFound:
        raise
    except DomainError as problem:
        refreshed = platform().read.project(project.id) or project
        field_name = (fields or {}).get(problem.field or "")
        if form is not None and field_name:
            field = form[field_name]
            field.errors = [*field.errors, problem.message]
            return None, page(refreshed, status=status_for(problem), **{form_name: form})
        return None, page(refreshed, status=status_for(problem), problem=problem.message)


@dataclass(frozen=True)
class PilotPages:
    """How one blueprint finds the pilot a person may work on, shows it, and returns to it."""

    pilot: Callable[[UUID], ProjectView]
    page: Page
    back_to: Callable[[UUID, str], Any]


def act_on_pilot(
    pages: PilotPages, project_id: UUID, use_case: Callable[[], T]
) -> tuple[ProjectView, T | None, Any]:
    """A button with nothing to fill in: (pilot, result, None), or a refusal page in third place."""
    project = pages.pilot(project_id)
    if not ActionForm().validate():
        return project, None, pages.page(
            project, status=400, problem="The form was incomplete: try again."
        )
    result, refused = run_on_pilot(project, use_case, pages.page)
    return project, result, refused


def add_delivery_routes(bp: Blueprint, pages: PilotPages) -> None:
    """Plan a milestone, complete one, post an update: the same forms wherever they are served."""

    @bp.post("/projects/<uuid:project_id>/milestones", endpoint="plan_milestone")
    def plan_milestone(project_id: UUID):
        project = pages.pilot(project_id)
        form = MilestoneForm()
        due = form.due_moment(project.timezone, platform().clock.now()) if form.validate() else None
        if due is None:
            return pages.page(project, status=422, milestone=form)
        title = form.milestone_title.data
        _, refused = run_on_pilot(
            project, lambda: platform().app.plan_milestone(project_id, title=title, due=due),
            pages.page, "milestone", form, {"title": "milestone_title", "due": "due"},
        )
        if refused:
            return refused
        flash(f"Milestone “{' '.join(title.split())}” is planned for "
              f"{local_date(due, project.timezone)}.", "success")
        return pages.back_to(project_id, "#delivery")

    @bp.post("/projects/<uuid:project_id>/milestones/<int:number>/complete",
             endpoint="complete_milestone")
    def complete_milestone(project_id: UUID, number: int):
        _, _, refused = act_on_pilot(
            pages, project_id, lambda: platform().app.complete_milestone(project_id, number)
        )
        if refused:
            return refused
        flash(f"Milestone {number} is marked complete.", "success")
        return pages.back_to(project_id, "#delivery")

    @bp.post("/projects/<uuid:project_id>/updates", endpoint="post_update")
    def post_update(project_id: UUID):
        project = pages.pilot(project_id)
        form = UpdateForm()
        if not form.validate():
            return pages.page(project, status=422, update=form)
        _, refused = run_on_pilot(project, lambda: platform().app.post_update(
            project_id, title=form.update_title.data, body=form.body.data
        ), pages.page, "update", form, {"title": "update_title", "body": "body"})
        if refused:
            return refused
        flash("Your update is posted on the pilot's public page.", "success")
        return pages.back_to(project_id, "#updates")
