"""Pledges: a citizen pledges to a project, lists their pledges and cancels one while the
campaign is taking pledges."""

from __future__ import annotations

from uuid import UUID

from flask import jsonify, url_for

from adapters.queries import PledgeView
from domain.errors import CurrencyMismatch
from domain.money import Money
from web.api import bp
from web.api.http import json_body, not_found, require_caller
from web.api.schemas import PledgeCreateSchema, PledgeListSchema, PledgeSchema
from web.services import command, platform
from web.users import User


def own_pledge(pledge_id: UUID, user: User) -> PledgeView:
    """The caller's pledge; someone else's looks exactly like a missing one."""
    pledge = platform().read.pledge(pledge_id)
    if pledge is None or pledge.citizen_id != user.account_id:
        raise not_found("pledge")
    return pledge


@bp.post("/projects/<uuid:project_id>/pledges")
def make_pledge(project_id: UUID):
    user = require_caller("citizen")
    wanted = json_body(PledgeCreateSchema())
    project = platform().read.project(project_id)
    if project is None:
        raise not_found("project")
    currency = wanted.get("currency", project.currency)
    if currency != project.currency:
        raise CurrencyMismatch(f"This project takes {project.currency}, not {currency}")
    amount = Money.parse(wanted["amount"], project.currency)
    pledge_id = command(
        lambda: platform().app.make_pledge(
            project_id=project_id, citizen_id=user.account_id, amount=amount,
            payment_method=wanted["payment_method"],
        ),
        actor=user.actor,
    )
    location = url_for("api.get_pledge", pledge_id=pledge_id)
    return jsonify(PledgeSchema().dump(own_pledge(pledge_id, user))), 201, {"Location": location}


@bp.get("/me/pledges")
def my_pledges():
    user = require_caller()
    pledges = platform().read.pledges_of(user.account_id)
    return jsonify(PledgeListSchema().dump({"pledges": pledges}))


@bp.get("/pledges/<uuid:pledge_id>")
def get_pledge(pledge_id: UUID):
    user = require_caller()
    return jsonify(PledgeSchema().dump(own_pledge(pledge_id, user)))


@bp.delete("/pledges/<uuid:pledge_id>")
def cancel_pledge(pledge_id: UUID):
    # Whatever the caller's role is now: a role change never strands the pledges they made.
    user = require_caller()
    own_pledge(pledge_id, user)
    command(
        lambda: platform().app.cancel_pledge(pledge_id, citizen_id=user.account_id),
        actor=user.actor,
    )
    return jsonify(PledgeSchema().dump(own_pledge(pledge_id, user)))
