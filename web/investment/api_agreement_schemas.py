"""What the benefit-sharing agreements API accepts and answers."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.investment.agreement import (
    MAX_CATEGORY,
    MAX_EVIDENCE,
    MAX_LINKS,
    SIGNING_PARTIES,
    STATUSES,
)
from web.api.schemas import AmountField, RequestSchema, Text


class SignatureCreateSchema(RequestSchema):
    party = Text(required=True, validate=validate.OneOf(SIGNING_PARTIES), metadata={
        "description": "The party you sign for: city (an officer of the pilot's city), "
                       "proposer (the pilot's delivery owner) or community_fund (an "
                       "administrator or an officer of the matching fund's city)"})
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                             metadata={"description": "The agreement's newest version"})


class AmendmentCreateSchema(RequestSchema):
    preferred_rate = Text(required=True, metadata={"example": "0.05"})
    residual = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                           metadata={"description": "Percentages (decimal strings) for city, "
                                                    "investors, community_fund and proposer "
                                                    "adding up to 100"})


class BenefitReportCreateSchema(RequestSchema):
    period_start = fields.Date(required=True, metadata={"example": "2027-01-01"})
    period_end = fields.Date(required=True, metadata={"example": "2027-06-30"})
    amount = AmountField(required=True, positive=True)
    currency = Text(validate=validate.Length(equal=3),
                    metadata={"description": "Optional: if given, the pilot's currency"})
    category = Text(required=True, validate=validate.Length(min=1, max=MAX_CATEGORY),
                    metadata={"example": "energy savings"})
    evidence = Text(required=True, validate=validate.Length(min=1, max=MAX_EVIDENCE))
    links = fields.List(Text(validate=validate.Length(min=1, max=500)),
                        validate=validate.Length(max=MAX_LINKS),
                        metadata={"description": "http(s) addresses of the evidence"})


class ReportDecisionSchema(RequestSchema):
    reason = Text(validate=validate.Length(max=500))


class SignatureSchema(Schema):
    party = fields.String(required=True)
    account_id = fields.UUID(required=True)
    signed_at = fields.AwareDateTime(format="iso", required=True)


class VersionSchema(Schema):
    number = fields.Integer(required=True)
    terms = fields.Dict(required=True)
    effective_on = fields.Date(allow_none=True, required=True, metadata={
        "description": "When every party had signed it (null: not in effect)"})
    proposed_at = fields.AwareDateTime(format="iso", required=True)
    signatures = fields.List(fields.Nested(SignatureSchema), required=True)
    missing = fields.List(fields.String(), required=True,
                          metadata={"description": "The parties yet to sign it"})


class AgreementSchema(Schema):
    project_id = fields.UUID(required=True)
    offer_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    community_fund_id = fields.UUID(allow_none=True, required=True)
    parties = fields.List(fields.String(), required=True)
    in_effect = fields.Integer(allow_none=True, required=True, metadata={
        "description": "The version in effect (the newest every party signed), or null"})
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class PaymentSchema(Schema):
    tier = fields.Integer(required=True, metadata={
        "description": "1 return of capital, 2 preferred return, 3 residual"})
    party = fields.String(required=True)
    investor_id = fields.UUID(allow_none=True, required=True, metadata={
        "description": "The investor paid (shown to that investor, city officers, auditors "
                       "and administrators; null to others)"})
    amount = AmountField(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "The agreement version that produced it"})


class BenefitReportSchema(Schema):
    id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    amount = AmountField(required=True)
    currency = fields.String(required=True)
    category = fields.String(required=True)
    evidence = fields.String(required=True)
    links = fields.List(fields.String(), required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = fields.String(required=True)
    reported_at = fields.AwareDateTime(format="iso", required=True)
    decided_at = fields.AwareDateTime(format="iso", allow_none=True, required=True)
    payments = fields.List(fields.Nested(PaymentSchema), required=True)


class BenefitReportListSchema(Schema):
    reports = fields.List(fields.Nested(BenefitReportSchema), required=True)
