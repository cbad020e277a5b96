"""What the impact API accepts and answers: indicators (Decimal strings in their unit) and the
values measured on them, with their evidence."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.crowdfunding.impact import DIRECTIONS, MAX_EVIDENCE, MAX_LINKS, MAX_NAME, MAX_UNIT
from web.api.schemas import RequestSchema, Text

DECIMAL = {"description": "A decimal string in the indicator's unit (no exponent, no "
                          "thousands separators)", "example": "4000"}


class IndicatorCreateSchema(RequestSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=MAX_NAME),
                metadata={"example": "kWh saved per month"})
    unit = Text(validate=validate.Length(max=MAX_UNIT), metadata={
        "description": "The unit values are measured in; a money benefit's is the pilot's "
                       "currency (given or not)", "example": "kWh"})
    target = Text(required=True, metadata=DECIMAL)
    direction = Text(required=True, validate=validate.OneOf(DIRECTIONS),
                     metadata={"description": "Whether higher or lower values are better"})
    negatives_allowed = fields.Boolean(load_default=False, metadata={
        "description": "Whether values may be negative (a change, a balance)"})
    money_benefit = fields.Boolean(load_default=False, metadata={
        "description": "Each value is a benefit realised since the previous one, in the "
                       "pilot's currency; they add up to the benefits realised so far"})


class ValueCreateSchema(RequestSchema):
    measured_on = fields.Date(required=True, metadata={
        "description": "Not in the future, not before the pilot was funded (city's time zone)",
        "example": "2027-03-31"})
    value = Text(required=True, metadata=DECIMAL)
    unit = Text(validate=validate.Length(max=MAX_UNIT), metadata={
        "description": "Optional: if given, the indicator's unit (wrong_unit otherwise)"})
    evidence = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EVIDENCE),
                             metadata={"description": "How and where it was measured"})
    links = fields.List(Text(validate=validate.Length(min=1, max=500)),
                        validate=validate.Length(max=MAX_LINKS),
                        metadata={"description": "http(s) addresses of the evidence"})


class ValueSchema(Schema):
    report_id = fields.UUID(required=True)
    measured_on = fields.Date(required=True)
    value = fields.String(required=True, metadata=DECIMAL)
    evidence = fields.String(required=True)
    links = fields.List(fields.String(), required=True)


class IndicatorSchema(Schema):
    number = fields.Integer(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    target = fields.String(required=True, metadata=DECIMAL)
    direction = fields.String(required=True, metadata={"enum": list(DIRECTIONS)})
    negatives_allowed = fields.Boolean(required=True)
    money_benefit = fields.Boolean(required=True)
    on_target = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Whether the latest value meets the target; null before any value"})
    values = fields.List(fields.Nested(ValueSchema), required=True,
                         metadata={"description": "Oldest first"})


class IndicatorListSchema(Schema):
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
