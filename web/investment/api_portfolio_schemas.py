"""What `GET /api/v1/me/investments` answers: the investor's portfolio, per holding."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from adapters.portfolio_models import KINDS
from web.api.schemas import AmountField, RequestSchema, Text

SIGNED_AMOUNT = r"^-?[0-9]{1,13}(\.[0-9]{1,9})?$"


class SignedAmount(fields.String):
    """A signed decimal string in the currency's major unit: "-60.00" paid in, "2.70" back."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(metadata={"pattern": SIGNED_AMOUNT, "example": "-60.00"}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.to_decimal_string()


class DecimalText(fields.String):
    """A Decimal figure as a string with a fixed number of decimals, or null."""

    def __init__(self, places: int, **kwargs: Any) -> None:
        self.places = places
        super().__init__(allow_none=True, required=True, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value:.{self.places}f}"


class CashFlowSchema(Schema):
    date = fields.Date(attribute="on", required=True)
    amount = SignedAmount(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={
        "description": "paid_in (negative), interest, capital (bond payments) or distribution "
                       "(a benefit-sharing agreement's)"})
    reason = fields.String(required=True, metadata={
        "description": "The commitment paid in, the bond's schedule line, or the benefit "
                       "report, waterfall tier and agreement version"})


class HoldingSchema(Schema):
    offer_id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    committed = AmountField(required=True)
    paid_in = AmountField(required=True)
    received = AmountField(required=True, metadata={
        "description": "Interest, capital and distributions received"})
    outstanding = AmountField(required=True, metadata={
        "description": "Paid-in capital not yet repaid"})
    multiple = DecimalText(4, metadata={
        "nullable": True,
        "description": "received / paid in (4 decimals); null when nothing was paid in"})
    xirr = DecimalText(6, metadata={
        "nullable": True,
        "description": "The annual internal rate of return of the cash flows, a fraction with "
                       "6 decimals (\"0.045000\" is 4.5 %); null with fewer than two flows of "
                       "opposite sign"})
    performance = DecimalText(4, metadata={
        "nullable": True,
        "description": "Received to date / expected to date (4 decimals): by the bond's "
                       "schedule, or for a benefit share by what the waterfall would have "
                       "paid had its projected annual benefit been realised pro rata per day; "
                       "null when nothing was expected yet or a benefit share has no "
                       "projection"})
    cash_flows = fields.List(fields.Nested(CashFlowSchema), required=True)


class PortfolioSchema(Schema):
    investments = fields.List(fields.Nested(HoldingSchema), required=True)


class CardChangeSchema(RequestSchema):
    payment_method = Text(required=True, validate=validate.Length(min=1, max=80), metadata={
        "description": "Another payment method to pay in with after a failed pay-in (a "
                       "sandbox test card such as pm_card_visa, or a Stripe PaymentMethod id); "
                       "it is charged at once"})
