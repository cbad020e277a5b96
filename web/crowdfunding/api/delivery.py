"""After funding: a city starts delivery, plans and completes milestones, posts updates and
completes the project; it may make a proposer's account the delivery owner, who then plans and
completes milestones and posts updates too. Anyone who may see a project reads its milestones and
updates."""

from __future__ import annotations

from uuid import UUID

from flask import jsonify

from adapters.queries import MilestoneView
from domain.kernel.errors import DomainError
from web.api import bp
from web.api.http import ApiError, caller, json_body, not_found, require_caller
from web.api.schemas import (
    DeliveryOwnerSchema,
    EmptySchema,
    MilestoneCreateSchema,
    MilestoneListSchema,
    MilestoneSchema,
    UpdateCreateSchema,
    UpdateListSchema,
    UpdateSchema,
    one,
)
from web.crowdfunding.api.projects import (
    DELIVERERS,
    MANAGERS,
    delivered_project,
    manage_project,
    managed_project,
    project_json,
    visible_project,
)
from web.crowdfunding.delivery_owners import proposer_account
from web.services import command, platform


@bp.post("/projects/<uuid:project_id>/delivery")
def start_delivery(project_id: UUID):
    return manage_project(project_id, lambda: platform().app.start_delivery(project_id))


@bp.post("/projects/<uuid:project_id>/complete")
def complete_project(project_id: UUID):
    return manage_project(project_id, lambda: platform().app.complete_project(project_id))


@bp.post("/projects/<uuid:project_id>/delivery-owner")
def assign_delivery_owner(project_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(DeliveryOwnerSchema))
    managed_project(project_id, user)
    try:
        account = proposer_account(wanted["email"])
    except DomainError as problem:
        raise ApiError(422, problem.code, problem.message,
                       fields={"email": [problem.message]}) from None
    command(lambda: platform().app.assign_delivery_owner(project_id, account.id),
            actor=user.actor)
    return jsonify(project_json(visible_project(project_id, user)))


# -- updates -----------------------------------------------------------------------------------

@bp.get("/projects/<uuid:project_id>/updates")
def list_updates(project_id: UUID):
    visible_project(project_id, caller())
    return jsonify(one(UpdateListSchema).dump({"updates": platform().read.updates(project_id)}))


@bp.post("/projects/<uuid:project_id>/updates")
def post_update(project_id: UUID):
    user = require_caller(*DELIVERERS)
    update = json_body(one(UpdateCreateSchema))
    delivered_project(project_id, user)
    command(
        lambda: platform().app.post_update(project_id, title=update["title"],
                                           body=update["body"]),
        actor=user.actor,
    )
    newest = platform().read.updates(project_id)[0]
    return jsonify(one(UpdateSchema).dump(newest)), 201


# -- milestones --------------------------------------------------------------------------------

@bp.get("/projects/<uuid:project_id>/milestones")
def list_milestones(project_id: UUID):
    visible_project(project_id, caller())
    milestones = platform().read.milestones(project_id)
    return jsonify(one(MilestoneListSchema).dump({"milestones": milestones}))


@bp.post("/projects/<uuid:project_id>/milestones")
def plan_milestone(project_id: UUID):
    user = require_caller(*DELIVERERS)
    planned = json_body(one(MilestoneCreateSchema))
    delivered_project(project_id, user)
    command(
        lambda: platform().app.plan_milestone(project_id, title=planned["title"],
                                              due=planned["due"]),
        actor=user.actor,
    )
    newest = platform().read.milestones(project_id)[-1]
    return jsonify(one(MilestoneSchema).dump(newest)), 201


def _milestone(project_id: UUID, number: int) -> MilestoneView:
    for milestone in platform().read.milestones(project_id):
        if milestone.number == number:
            return milestone
    raise not_found("milestone")


@bp.post("/projects/<uuid:project_id>/milestones/<int:number>/complete")
def complete_milestone(project_id: UUID, number: int):
    user = require_caller(*DELIVERERS)
    json_body(one(EmptySchema), optional=True)
    delivered_project(project_id, user)
    _milestone(project_id, number)
    command(lambda: platform().app.complete_milestone(project_id, number), actor=user.actor)
    return jsonify(one(MilestoneSchema).dump(_milestone(project_id, number)))
