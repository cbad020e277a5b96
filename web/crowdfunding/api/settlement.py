"""After a campaign: a city closes one early at its optimum or cancels a project; a citizen
whose card failed at close gives a new one, and reads the receipts and notices about a pledge."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from flask import jsonify

from web.api import bp
from web.api.http import json_body, require_caller
from web.api.schemas import (
    PaymentMethodSchema,
    PledgeSchema,
    ProjectCancelSchema,
    ReceiptListSchema,
    one,
)
from web.crowdfunding.api.pledges import own_pledge
from web.crowdfunding.api.projects import (
    MANAGERS,
    manage_project,
    managed_project,
    project_json,
    visible_project,
)
from web.idempotency import idempotent
from web.services import command, platform


@bp.post("/projects/<uuid:project_id>/close")
def close_campaign(project_id: UUID):
    return manage_project(project_id, lambda: platform().app.close_campaign_early(project_id))


@bp.post("/projects/<uuid:project_id>/cancel")
def cancel_project(project_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(ProjectCancelSchema))
    managed_project(project_id, user)
    command(
        lambda: platform().app.cancel_project(project_id, reason=wanted["reason"]),
        actor=user.actor,
    )
    return jsonify(project_json(visible_project(project_id, user)))


@bp.post("/pledges/<uuid:pledge_id>/payment-method")
@idempotent(require_caller)
def change_payment_method(pledge_id: UUID):
    """Charged at once: the answer is the pledge, charged, or still payment_failed with why."""
    user = require_caller()
    wanted = json_body(one(PaymentMethodSchema))
    own_pledge(pledge_id, user)
    command(
        lambda: platform().app.change_pledge_card(
            pledge_id, citizen_id=user.account_id, payment_method=wanted["payment_method"],
        ),
        actor=user.actor,
    )
    return jsonify(one(PledgeSchema).dump(own_pledge(pledge_id, user)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/pledges/<uuid:pledge_id>/receipts")
def pledge_receipts(pledge_id: UUID):
    user = require_caller()
    own_pledge(pledge_id, user)
    outbox = platform().outbox
    messages = (
        outbox.messages(account_id=user.account_id, pledge_id=pledge_id) if outbox else []
    )
    receipts = [
        {"kind": m.kind, "subject": m.subject, "body": m.body,
         "created_at": _aware(m.created_at)}
        for m in messages
    ]
    return jsonify(one(ReceiptListSchema).dump({"receipts": receipts}))
