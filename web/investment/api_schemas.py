"""What the investment offers API accepts and answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.investment.offer import HELD, KINDS, RELEASED, UNPAID, WITHDRAWN
from web.api.schemas import AmountField, Moment, RequestSchema, StrictBoolean, Text

_TERMS = (
    "community_bond: {\"rate\": \"0.045\", \"term_years\": 5, \"payments_per_year\": 1 or 2, "
    "\"repayment\": \"amortising\" | \"bullet\"}; benefit_share: {\"agreement\": "
    "{\"preferred_rate\": \"0.05\", \"residual\": {\"city\": \"40\", \"investors\": \"30\", "
    "\"community_fund\": \"20\", \"proposer\": \"10\"}, \"community_fund_id\": <matching fund "
    "id or null>, optional \"projected_benefits\": {\"annual\": \"12000.00\"} (the "
    "benefit expected a year, in the offer's currency: investors' performance is measured "
    "against it)}}. Rates are fractions and percentages decimal strings; the residual adds up "
    "to 100."
)


class OfferCreateSchema(RequestSchema):
    kind = Text(required=True, validate=validate.OneOf(KINDS))
    currency = Text(required=True, validate=validate.Length(equal=3),
                    metadata={"description": "Must be the pilot's currency", "example": "EUR"})
    target = AmountField(required=True, positive=True)
    minimum = AmountField(required=True, positive=True, metadata={
        "description": "The minimum to proceed: under it, every commitment is released"})
    maximum = AmountField(required=True, positive=True, metadata={
        "description": "Never over-subscribed past it"})
    min_ticket = AmountField(required=True, positive=True, metadata={"example": "5.00"})
    opens_at = Moment(required=True)
    closes_at = Moment(required=True, metadata={
        "description": "After opens_at, and at the latest when the pilot's campaign closes"})
    terms = fields.Dict(required=True, metadata={"description": _TERMS})


class AppropriatenessSchema(RequestSchema):
    answers = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                          metadata={"description": "Each quiz question's id and the answer "
                                                   "chosen (see GET /api/v1/offers/{id})"})
    risk_warning_accepted = StrictBoolean(required=True)


class InvestmentCreateSchema(RequestSchema):
    amount = AmountField(required=True, positive=True)
    currency = Text(validate=validate.Length(equal=3),
                    metadata={"description": "Optional: if given, the offer's currency"})
    payment_method = Text(required=True, validate=validate.Length(min=1, max=80),
                          metadata={"example": "pm_card_visa"})


class QuestionSchema(Schema):
    id = fields.String(required=True)
    question = fields.String(required=True)
    choices = fields.List(fields.String(), required=True)


class OfferSchema(Schema):
    id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    project = fields.String(attribute="project_title", required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    currency = fields.String(required=True)
    target = AmountField(required=True)
    minimum = AmountField(required=True)
    maximum = AmountField(required=True)
    min_ticket = AmountField(required=True)
    committed = AmountField(attribute="held", required=True, metadata={
        "description": "What investors hold in it (committed, or called to pay in)"})
    left = AmountField(required=True, metadata={"description": "maximum - committed"})
    reached_minimum = fields.Boolean(required=True)
    open = fields.Boolean(required=True)
    opens_at = fields.AwareDateTime(format="iso", required=True)
    closes_at = fields.AwareDateTime(format="iso", required=True)
    terms = fields.Dict(required=True)
    risk_warning = fields.String(required=True)
    quiz = fields.List(fields.Nested(QuestionSchema), required=True)


class OfferListSchema(Schema):
    offers = fields.List(fields.Nested(OfferSchema), required=True)


class InvestmentSchema(Schema):
    id = fields.UUID(required=True)
    offer_id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    project = fields.String(attribute="project_title", required=True)
    amount = AmountField(required=True)
    currency = fields.String(attribute="amount.currency", required=True)
    state = fields.String(required=True,
                          validate=validate.OneOf([*HELD, RELEASED, WITHDRAWN, UNPAID]),
                          metadata={"description": "committed (conditional), to_pay_in (the "
                                                   "pilot was funded: charged by the worker), "
                                                   "paid_in, unpaid (its pay-in failed every "
                                                   "attempt), released or withdrawn"})
    committed_at = fields.AwareDateTime(format="iso", required=True)


class AppropriatenessAnswerSchema(Schema):
    passed = fields.Boolean(required=True)
    recorded = fields.Boolean(required=True, metadata={
        "description": "false when the check had already been recorded (it is recorded once)"})
