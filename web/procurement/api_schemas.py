"""What the procurement API takes and answers (amounts and rates as decimal strings)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from web.api.schemas import (
    AmountField,
    BudgetLineInSchema,
    BudgetLineSchema,
    Moment,
    RequestSchema,
    StrictBoolean,
    Text,
    _text,
)
from web.procurement.cba_schemas import CostBenefitInput, CostBenefitResultsOutput

ROUTES = ("pcp", "ppi")
_PERCENT = {"strict": True, "validate": validate.Range(0, 100)}


class StackSchema(RequestSchema):
    city = fields.Integer(load_default=0, **_PERCENT)
    matching = fields.Integer(load_default=0, **_PERCENT)
    crowd = fields.Integer(load_default=0, **_PERCENT)
    investors = fields.Integer(load_default=0, **_PERCENT)


class CriterionInSchema(RequestSchema):
    name = _text(80, required=True, metadata={"example": "Impact"})
    description = Text(load_default="", validate=validate.Length(max=1000))
    weight = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100),
                            metadata={"description": "The weights of a call sum to 100"})


class PhaseInSchema(RequestSchema):
    name = _text(80, required=True, metadata={"example": "Prototype"})
    budget_percent = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(1, 100))
    max_suppliers = fields.Integer(required=True, strict=True,
                                   validate=validate.Range(1, 1000))


class CallEligibilitySchema(RequestSchema):
    areas = fields.List(_text(80), load_default=list, validate=validate.Length(max=50))
    themes = fields.List(_text(80), load_default=list, validate=validate.Length(max=50))


class CallCreateSchema(RequestSchema):
    title = _text(140, required=True)
    city = _text(80, required=True, metadata={"description": "The city's name"})
    route = Text(required=True, validate=validate.OneOf(ROUTES))
    challenge = _text(8000, required=True)
    currency = Text(required=True, validate=validate.Length(equal=3))
    budget = AmountField(required=True, positive=True,
                         metadata={"description": "The budget envelope"})
    opens_at = Moment(required=True)
    closes_at = Moment(required=True)
    capital_stack = fields.Nested(StackSchema, required=True, metadata={
        "description": "Intended shares in percent; they sum to 100"})
    criteria = fields.List(fields.Nested(CriterionInSchema), required=True,
                           validate=validate.Length(min=1, max=20))
    phases = fields.List(fields.Nested(PhaseInSchema), load_default=list,
                         validate=validate.Length(max=6), metadata={
                             "description": "PCP: the phases, budget shares summing to 100. "
                                            "PPI: none (one award round)"})
    eligibility = fields.Nested(CallEligibilitySchema, load_default=lambda: {"areas": [],
                                                                         "themes": []})


class CallFilterSchema(RequestSchema):
    city = _text(80)


class RankingQuerySchema(RequestSchema):
    phase = fields.Integer(strict=False, validate=validate.Range(1, 6), metadata={
        "description": "The phase (PCP); the call's current phase when left out"})


class CancelSchema(RequestSchema):
    reason = Text(load_default="", validate=validate.Length(max=500))


class EvaluatorSchema(RequestSchema):
    email = _text(254, required=True)


class MilestoneInSchema(RequestSchema):
    title = _text(140, required=True)
    due = Moment(required=True)


class ProposalInSchema(RequestSchema):
    title = _text(140, required=True)
    summary = _text(4000, required=True)  # as a pilot's summary
    area = _text(80, required=True)
    theme = _text(80, required=True)
    organisation = _text(140, metadata={
        "description": "The proposing organisation's display name (never a person's name); "
                       "the pilot's proposer if awarded. Defaults to the title"})
    budget_lines = fields.List(fields.Nested(BudgetLineInSchema), required=True,
                               validate=validate.Length(min=1, max=50))
    milestones = fields.List(fields.Nested(MilestoneInSchema), load_default=list,
                             validate=validate.Length(max=30))
    capital_stack = fields.Nested(StackSchema, load_default=None, allow_none=True)
    cba = fields.Nested(CostBenefitInput, load_default=None, allow_none=True, metadata={
        "description": "The cost-benefit analysis: a discount rate and yearly costs and "
                       "benefits by category (decimal strings; invalid_cost_benefit otherwise)"})


class ScoreInSchema(RequestSchema):
    criterion = _text(80, required=True)
    score = fields.Integer(required=True, strict=True, metadata={"minimum": 0, "maximum": 10})
    justification = Text(required=True, validate=validate.Length(max=4000))


class ScoresSchema(RequestSchema):
    conflict_of_interest = StrictBoolean(required=True)
    scores = fields.List(fields.Nested(ScoreInSchema), load_default=list,
                         validate=validate.Length(max=20))


class AwardInSchema(RequestSchema):
    proposal_id = fields.UUID(required=True)
    amount = AmountField(required=True, positive=True)
    reason = _text(1000, required=True)


class AdvanceSchema(RequestSchema):
    proposal_ids = fields.List(fields.UUID(), required=True,
                               validate=validate.Length(min=1, max=1000))


# -- answers -----------------------------------------------------------------------------------

class CriterionSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)
    weight = fields.Integer(required=True)


class PhaseSchema(Schema):
    number = fields.Integer(required=True)
    name = fields.String(required=True)
    budget_percent = fields.Integer(required=True)
    max_suppliers = fields.Integer(required=True)
    share = AmountField(required=True)
    awarded = AmountField(required=True)


class AwardSchema(Schema):
    proposal_id = fields.UUID(required=True)
    title = fields.String(required=True)
    phase = fields.Integer(required=True)
    amount = AmountField(required=True)
    reason = fields.String(required=True)
    project_id = fields.UUID(required=True)


class CallSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    city = fields.String(required=True)
    city_id = fields.UUID(required=True)
    route = fields.String(required=True)
    challenge = fields.String(required=True)
    status = fields.String(required=True)
    currency = fields.String(required=True)
    budget = AmountField(required=True)
    capital_stack = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)
    eligibility = fields.Dict(required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True)
    phases = fields.List(fields.Nested(PhaseSchema), required=True)
    current_phase = fields.Integer(required=True)
    evaluators = fields.Integer(required=True, metadata={"description": "How many"})
    sealed = fields.Boolean(required=True)
    awards = fields.List(fields.Nested(AwardSchema), required=True)


class CallListSchema(Schema):
    calls = fields.List(fields.Nested(CallSchema), required=True)


class MilestoneOutSchema(Schema):
    title = fields.String(required=True)
    due = fields.String(required=True)


class ProposalSchema(Schema):
    id = fields.UUID(required=True)
    call_id = fields.UUID(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    area = fields.String(required=True)
    theme = fields.String(required=True)
    organisation = fields.String(required=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Submissions so far"})
    versions = fields.List(fields.Dict(), required=True, metadata={
        "description": "Each submission: {version, submitted_at}"})
    unsubmitted_changes = fields.Boolean(required=True, metadata={
        "description": "For its proposer: edits made since the last submission (others read "
                       "the version last submitted)"})
    submitted_at = fields.DateTime(allow_none=True)
    currency = fields.String(required=True)
    budget_lines = fields.List(fields.Nested(BudgetLineSchema), required=True)
    milestones = fields.List(fields.Nested(MilestoneOutSchema), required=True)
    capital_stack = fields.Dict(keys=fields.String(), values=fields.Integer())
    cba = fields.Dict(allow_none=True, metadata={
        "description": "The cost-benefit analysis as sent (see the request's cba)"})
    cba_results = fields.Nested(CostBenefitResultsOutput, allow_none=True, metadata={
        "description": "npv, bcr, payback_year, discounted_payback_year, irr and sensitivity "
                       "computed from cba (null without one)"})
    reason = fields.String(required=True, metadata={"description": "The outcome's reason"})
    project_id = fields.UUID(allow_none=True, metadata={"description": "The pilot it became"})


class ProposalListSchema(Schema):
    proposals = fields.List(fields.Nested(ProposalSchema), required=True)


class CriterionMeanSchema(Schema):
    criterion = fields.String(required=True)
    mean = fields.String(allow_none=True, metadata={"description": "Two decimals"})


class RankedSchema(Schema):
    proposal_id = fields.UUID(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    weighted_score = fields.String(required=True, metadata={"description": "0-100, 2 decimals"})
    rank = fields.Integer(required=True)
    bcr = fields.String(allow_none=True)
    criteria = fields.List(fields.Nested(CriterionMeanSchema), required=True)
    reason = fields.String(required=True)
    awarded = AmountField(allow_none=True)


class AwardedSchema(Schema):
    project_id = fields.UUID(required=True)
    call = fields.Nested(CallSchema, required=True)


class ClosedSchema(Schema):
    status = fields.String(required=True)
    call = fields.Nested(CallSchema, required=True)
