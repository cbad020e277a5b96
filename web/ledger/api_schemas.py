"""The ledger's JSON: signed amounts (an account money leaves reads negative) and pages."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from domain.kernel.money import Money
from web.api.schemas import RequestSchema

SIGNED_AMOUNT_PATTERN = r"^-?[0-9]{1,19}(\.[0-9]{1,9})?$"


class SignedAmountField(fields.String):
    """An amount as a decimal string that may be negative, e.g. "-25.00"."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": SIGNED_AMOUNT_PATTERN, "example": "-25.00",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, Money):
            return value.to_decimal_string()
        return super()._serialize(value, attr, obj, **kwargs)


class LedgerPageQuerySchema(RequestSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class CounterpartSchema(Schema):
    account = fields.String(required=True)
    amount = SignedAmountField(required=True)


class LedgerPostingSchema(Schema):
    position = fields.Integer(required=True, metadata={
        "description": "The event's position in the log (its notification id)"})
    event = fields.String(required=True, metadata={"example": "Pledge.Charged"})
    amount = SignedAmountField(required=True, metadata={
        "description": "Into the account (positive) or out of it (negative)"})
    pledge_id = fields.UUID(required=True, allow_none=True)
    recorded_at = fields.AwareDateTime(format="iso", required=True)
    counterparts = fields.List(fields.Nested(CounterpartSchema), required=True, metadata={
        "description": "The other legs of the same event; with this one they sum to zero"})


class LedgerAccountSchema(Schema):
    account = fields.String(required=True, metadata={"example": "project/<id>/pledged"})
    owner = fields.String(required=True, validate=validate.OneOf(("citizen", "project", "fund")))
    owner_id = fields.UUID(required=True)
    bucket = fields.String(required=True)
    project_id = fields.UUID(required=True, allow_none=True)
    currency = fields.String(required=True)
    balance = SignedAmountField(required=True)
    postings_count = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    postings = fields.List(fields.Nested(LedgerPostingSchema), required=True)
