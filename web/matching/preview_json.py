"""What the matching funds would add to a pledge, as JSON: the API's match preview and the pledge
form's live preview write the same answer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from domain.kernel.money import Money
from domain.matching.use_cases import PreviewedMatch
from web.api.schemas import AmountField, one


class PreviewedMatchSchema(Schema):
    fund_id = fields.UUID(required=True)
    fund_name = fields.String(required=True)
    amount = AmountField(required=True, metadata={"description": "0.00 when it adds nothing"})
    rule_version = fields.Integer(required=True)
    reason = fields.String(required=True, metadata={"example": "1:1 match"})


class MatchPreviewSchema(Schema):
    amount = AmountField(required=True, metadata={"description": "The pledge asked about"})
    total = AmountField(required=True, metadata={"description": "The pledge plus its matches"})
    currency = fields.String(required=True)
    matches = fields.List(
        fields.Nested(PreviewedMatchSchema), required=True,
        metadata={"description": "One per fund that covers the project, in the order they apply"},
    )


_SCHEMA = one(MatchPreviewSchema)


def preview_json(amount: Money, previews: list[PreviewedMatch]) -> dict[str, Any]:
    total = amount
    for preview in previews:
        total = total + preview.amount
    return _SCHEMA.dump({
        "amount": amount, "total": total, "currency": amount.currency,
        "matches": [
            {"fund_id": p.fund_id, "fund_name": p.fund_name, "amount": p.amount,
             "rule_version": p.rule_version, "reason": p.reason}
            for p in previews
        ],
    })
