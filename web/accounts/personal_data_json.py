"""One's data as the download writes it: the same file from the account page and the API."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from web.api.schemas import AmountField, PledgeSchema, one


class ExportedAccountSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    display_name = fields.String(
        required=True, allow_none=True,
        metadata={"description": "The name shown publicly, if one was chosen (otherwise the "
                                 "name is shown)"})
    email = fields.String(required=True)
    role = fields.String(required=True, metadata={"example": "citizen"})
    city = fields.String(required=True, allow_none=True,
                         metadata={"description": "A city officer's city; null for others"})
    created_at = fields.AwareDateTime(format="iso", required=True)


class ExportedPledgeSchema(PledgeSchema):
    project_title = fields.String(required=True)
    updated_at = fields.AwareDateTime(format="iso", required=True, allow_none=True,
                                      metadata={"description": "When its status last changed"})


class ExportedMailSchema(Schema):
    kind = fields.String(
        required=True,
        metadata={"description": "confirmation, receipt, refund, payment_failed, released or "
                                 "dropped"},
    )
    subject = fields.String(required=True)
    body = fields.String(required=True)
    pledge_id = fields.UUID(required=True, allow_none=True)
    created_at = fields.AwareDateTime(format="iso", required=True)
    sent_at = fields.AwareDateTime(format="iso", required=True, allow_none=True,
                                   metadata={"description": "null while it waits to be sent"})


class ExportedProjectSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)


class ExportedProposalSchema(Schema):
    id = fields.UUID(required=True)
    call_id = fields.UUID(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"example": "submitted"})
    version = fields.Integer(required=True)
    content = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True,
                          metadata={"description": "The proposal as last edited"})
    submitted_at = fields.AwareDateTime(format="iso", required=True, allow_none=True)
    created_at = fields.AwareDateTime(format="iso", required=True)


class ExportedInvestmentSchema(Schema):
    id = fields.UUID(required=True)
    offer_id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    project_title = fields.String(required=True)
    amount = AmountField(required=True)
    currency = fields.String(attribute="amount.currency", required=True)
    state = fields.String(required=True, metadata={"example": "committed"})
    committed_at = fields.AwareDateTime(format="iso", required=True)


class ExportedErasureSchema(Schema):
    requested_at = fields.AwareDateTime(format="iso", required=True)
    reason = fields.String(required=True)
    waiting = fields.Boolean(
        required=True,
        metadata={"description": "True while it waits for pledges being settled"},
    )


class ExportedCommentSchema(Schema):
    id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    text = fields.String(required=True)
    hidden_reason = fields.String(required=True, allow_none=True, metadata={
        "description": "Why the city hid it; null if it is not hidden"})


class PersonalDataSchema(Schema):
    """Everything the platform holds about the caller outside the public pages."""

    exported_at = fields.AwareDateTime(format="iso", required=True)
    account = fields.Nested(ExportedAccountSchema, required=True)
    pledges = fields.List(fields.Nested(ExportedPledgeSchema), required=True)
    mail = fields.List(
        fields.Nested(ExportedMailSchema), required=True,
        metadata={"description": "Confirmations, receipts and notices written to the caller"},
    )
    api_tokens = fields.List(
        fields.Dict(keys=fields.String(), values=fields.Raw()), required=True,
        metadata={"description": "What is recorded about each API token (created_at, and "
                                 "whatever else the platform keeps), never the token or its "
                                 "hash"},
    )
    delivered_projects = fields.List(
        fields.Nested(ExportedProjectSchema), required=True,
        metadata={"description": "Pilots whose delivery the caller owns (proposers)"},
    )
    proposals = fields.List(
        fields.Nested(ExportedProposalSchema), required=True,
        metadata={"description": "Proposals the caller wrote to cities' calls"},
    )
    investments = fields.List(
        fields.Nested(ExportedInvestmentSchema), required=True,
        metadata={"description": "The caller's commitments to investment offers"},
    )
    appropriateness_passed_at = fields.AwareDateTime(
        format="iso", required=True, allow_none=True,
        metadata={"description": "When the caller passed the investors' appropriateness check; "
                                 "null if never"},
    )
    erasure = fields.Nested(ExportedErasureSchema, required=True, allow_none=True)
    comments = fields.List(
        fields.Nested(ExportedCommentSchema), required=True,
        metadata={"description": "Questions, comments and answers the caller wrote on pilots"},
    )


def personal_data_json(data: Any) -> dict[str, Any]:
    """The download, as the API and the account page both write it."""
    return one(PersonalDataSchema).dump({
        "exported_at": data.exported_at,
        "account": {
            "id": data.account.id, "name": data.account.name,
            "display_name": data.display_name, "email": data.account.email,
            "role": data.account.role, "city": data.city, "created_at": data.account.created_at,
        },
        "pledges": data.pledges,
        "mail": data.mail,
        "api_tokens": data.api_tokens,
        "delivered_projects": data.delivered_projects,
        "proposals": data.proposals,
        "investments": data.investments,
        "appropriateness_passed_at": data.appropriateness_passed_at,
        "erasure": data.erasure,
        "comments": data.comments,
    })
