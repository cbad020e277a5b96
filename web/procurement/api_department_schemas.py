"""What the departments API accepts and answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.procurement.departments import FIRST_YEAR, LAST_YEAR
from web.api.schemas import AmountField, RequestSchema, StrictBoolean, _text

_CURRENCY = {"pattern": "^[A-Z]{3}$", "example": "EUR",
             "description": "Optional: if given, it must be the department's (the city's) "
                            "currency"}


class DepartmentCreateSchema(RequestSchema):
    city = _text(80, required=True, metadata={"example": "Manchester"})
    name = _text(80, required=True, metadata={"example": "Transport"})


class BudgetLineCreateSchema(RequestSchema):
    name = _text(140, required=True, metadata={"example": "Active travel"})
    fiscal_year = fields.Integer(
        required=True, strict=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
        metadata={"example": 2026},
    )
    amount = AmountField(required=True, positive=True)
    currency = fields.String(metadata=_CURRENCY)


class CommitmentCreateSchema(RequestSchema):
    budget_line_id = fields.UUID(required=True)
    amount = AmountField(required=True, positive=True)
    conditional = StrictBoolean(
        load_default=True,
        metadata={"description": "true (the default): released if the pilot is unfunded; "
                                 "false: firm, drawn whatever the outcome (released only if the "
                                 "pilot is cancelled)"},
    )
    currency = fields.String(metadata=_CURRENCY)


class DepartmentFilterSchema(RequestSchema):
    city = fields.String(validate=validate.Length(min=1, max=80))


class DepartmentBudgetLineSchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    fiscal_year = fields.Integer(required=True)
    amount = AmountField(required=True, metadata={"description": "What the budget put in"})
    committed = AmountField(required=True,
                            metadata={"description": "Held for pilots not yet decided"})
    drawn = AmountField(required=True, metadata={"description": "Paid to pilots"})
    available = AmountField(required=True,
                            metadata={"description": "amount - committed - drawn"})


class DepartmentSchema(Schema):
    id = fields.UUID(required=True)
    city = fields.String(attribute="city_name", required=True)
    city_id = fields.UUID(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
    amount = AmountField(required=True)
    available = AmountField(required=True)
    budget_lines = fields.List(fields.Nested(DepartmentBudgetLineSchema), attribute="lines",
                               required=True)


class DepartmentListSchema(Schema):
    departments = fields.List(fields.Nested(DepartmentSchema), required=True)


class CommitmentSchema(Schema):
    id = fields.UUID(required=True)
    department_id = fields.UUID(required=True)
    department = fields.String(attribute="department_name", required=True)
    budget_line_id = fields.UUID(attribute="line_id", required=True)
    budget_line = fields.String(attribute="line_name", required=True)
    fiscal_year = fields.Integer(required=True)
    project_id = fields.UUID(required=True)
    project = fields.String(attribute="project_title", required=True)
    amount = AmountField(required=True)
    currency = fields.String(attribute="amount.currency", required=True)
    conditional = fields.Boolean(required=True)
    state = fields.String(required=True, validate=validate.OneOf(
        ["committed", "drawn", "released", "withdrawn"]))
    committed_at = fields.AwareDateTime(format="iso", required=True)


class CommitmentListSchema(Schema):
    commitments = fields.List(fields.Nested(CommitmentSchema), required=True)
