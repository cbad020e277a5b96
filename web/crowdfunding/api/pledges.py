"""Pledges: a citizen pledges to a project, lists their pledges and cancels one while the
campaign is taking pledges."""

from __future__ import annotations

from contextlib import suppress
from uuid import UUID

from flask import jsonify, url_for

from adapters.queries import PledgeView
from domain.crowdfunding.pledge import Pledge, pledge_id_for_request
from domain.kernel.errors import CurrencyMismatch, NotFound
from domain.kernel.money import Money
from web.api import bp
from web.api.http import ApiError, json_body, not_found, require_caller
from web.api.schemas import PledgeCreateSchema, PledgeListSchema, PledgeSchema, one
from web.idempotency import current_claim, idempotent
from web.services import command, platform
from web.users import User

UNCONFIRMED = ("Confirm your email before your first pledge: open the link mailed to you at "
               "registration (the Security page sends a new one)")


def current_read_models() -> None:
    """Read-your-writes for API callers, who have no session: the read models catch up with
    the log first if they lag it (a pledge answered from the log a moment ago is then listed)."""
    with suppress(Exception):
        platform().projections.catch_up_if_behind()


def own_pledge(pledge_id: UUID, user: User) -> PledgeView:
    """The caller's pledge (any, to an auditor, who can only read it); someone else's looks
    exactly like a missing one."""
    current_read_models()
    pledge = platform().read.pledge(pledge_id)
    if pledge is None or (pledge.citizen_id != user.account_id and not user.has_role("auditor")):
        raise not_found("pledge")
    return pledge


def made_pledge(pledge: Pledge) -> PledgeView:
    """The pledge just made, as recorded, with its project and city as the command read them
    (the read models follow: the worker, or the caller's next read, brings them up to date).
    What the funds hold for it is read afresh; if storage fails right then, from this
    process's copies of the funds: a recorded pledge is never answered with an error."""
    app = platform().app
    project, city = app.pledge_target(pledge.project_id)
    try:
        matched = app.matched_to(pledge)
    except Exception:
        matched = app.match_kept_for(pledge.id, pledge.amount.currency)
    return PledgeView(
        id=pledge.id, project_id=project.id, project_title=project.title,
        citizen_id=pledge.citizen_id, amount=pledge.amount, status=pledge.status,
        payment_method=pledge.payment_method, made_at=pledge.created_on,
        project_status=project.status, closes_at=project.closes_at,
        funding_model=project.funding_model, timezone=city.timezone,
        updated_at=pledge.modified_on, matched=matched,
    )


@bp.post("/projects/<uuid:project_id>/pledges")
@idempotent(lambda: require_caller("citizen"))
def make_pledge(project_id: UUID):
    user = require_caller("citizen")
    if not user.email_verified:
        raise ApiError(403, "email_unconfirmed", UNCONFIRMED)
    wanted = json_body(one(PledgeCreateSchema))
    try:
        project, _ = platform().app.pledge_target(project_id)
    except NotFound:
        raise not_found("project") from None
    currency = wanted.get("currency", project.currency)
    if currency != project.currency:
        raise CurrencyMismatch(f"This project takes {project.currency}, not {currency}")
    amount = Money.parse(wanted["amount"], project.currency)
    claim = current_claim()
    pledge = command(
        lambda: platform().app.record_pledge(
            project_id=project_id, citizen_id=user.account_id, amount=amount,
            payment_method=wanted["payment_method"],
            pledge_id=pledge_id_for_request(user.account_id, claim.key) if claim else None,
            execution=claim.execution if claim else 0,
        ),
        actor=user.actor, catch_up=False,
    )
    location = url_for("api.get_pledge", pledge_id=pledge.id)
    made = made_pledge(pledge)
    return jsonify(one(PledgeSchema).dump(made)), 201, {"Location": location}


@bp.get("/me/pledges")
def my_pledges():
    user = require_caller()
    current_read_models()
    pledges = platform().read.pledges_of(user.account_id)
    return jsonify(one(PledgeListSchema).dump({"pledges": pledges}))


@bp.get("/pledges/<uuid:pledge_id>")
def get_pledge(pledge_id: UUID):
    user = require_caller()
    return jsonify(one(PledgeSchema).dump(own_pledge(pledge_id, user)))


@bp.delete("/pledges/<uuid:pledge_id>")
def cancel_pledge(pledge_id: UUID):
    # Whatever the caller's role is now: a role change never strands the pledges they made.
    user = require_caller()
    own_pledge(pledge_id, user)
    command(
        lambda: platform().app.cancel_pledge(pledge_id, citizen_id=user.account_id),
        actor=user.actor,
    )
    return jsonify(one(PledgeSchema).dump(own_pledge(pledge_id, user)))
