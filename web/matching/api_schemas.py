"""What the matching-fund API accepts and answers.

A fund's rules are checked by the domain (domain.matching.rules.parse_rules), the one place that
knows each kind's parameters, so the console and the API refuse the same rules with the same
code, invalid_rules. Here they are only declared: RULE_PARAMETERS says which parameters each
kind takes, for the OpenAPI document and for writing a version's rules back as the API shows them.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from marshmallow import Schema, fields, validate

from domain.kernel.money import Money
from domain.matching.rules import FIXED_GRANT, KIND_NAMES, QUADRATIC, RATIO, THRESHOLD
from web.api.schemas import (
    AMOUNT_PATTERN,
    AmountField,
    Moment,
    RequestSchema,
    Text,
    _text,
)

# Rule parameters written as amounts (decimal strings in the fund's currency).
RULE_AMOUNTS = ("cap_per_pledge", "cap_per_project", "grant", "min_contribution")
_CAPS = ("cap_per_project", "cap_per_project_percent")
_PER_PLEDGE = ("factor", "cap_per_pledge", *_CAPS, "one_per_backer")
_CRITERIA = ("min_backers", "min_percent")
RULE_PARAMETERS: dict[str, tuple[str, ...]] = {
    RATIO: _PER_PLEDGE,
    THRESHOLD: (*_PER_PLEDGE, *_CRITERIA, "match_earlier"),
    FIXED_GRANT: ("grant", *_CRITERIA, *_CAPS),
    QUADRATIC: ("min_contribution", *_CAPS),
}
_AMOUNT = {"type": "string", "pattern": AMOUNT_PATTERN, "nullable": True}
PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "factor": {
        "type": "string", "pattern": r"^[0-9]{1,2}(\.[0-9]{1,4})?$", "example": "1",
        "description": "The match for each 1 pledged: more than 0, at most 10, at most 4 "
                       'decimal places ("1" is 1:1, "2" is 2:1, "0.5" is 1:2). Default "1".',
    },
    "cap_per_pledge": {**_AMOUNT, "example": "25.00",
                       "description": "The most one pledge is matched; null for no cap."},
    "cap_per_project": {**_AMOUNT, "example": "500.00",
                        "description": "The most the fund adds to one project; null for none."},
    "cap_per_project_percent": {
        "type": "integer", "minimum": 1, "maximum": 1000, "nullable": True, "example": 20,
        "description": "The most the fund adds to one project, as a % of the project's minimum "
                       "(with cap_per_project too, the lower cap applies); null for none.",
    },
    "one_per_backer": {"type": "boolean", "default": False,
                       "description": "Match one pledge per backer per project."},
    "min_backers": {
        "type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0,
        "description": "How many backers a project needs first (give this and/or min_percent).",
    },
    "min_percent": {
        "type": "integer", "minimum": 0, "maximum": 1000, "default": 0,
        "description": "How much of its minimum (%) the crowd must have pledged first.",
    },
    "match_earlier": {
        "type": "boolean", "default": False,
        "description": "When the threshold is reached, match the pledges made before it too.",
    },
    "grant": {**_AMOUNT, "nullable": False, "example": "1000.00",
              "description": "The flat amount given to each project that meets the criteria."},
    "min_contribution": {
        **_AMOUNT, "example": "2.00",
        "description": "A backer whose total pledges to a project are below this does not "
                       "count in the quadratic formula; null for no minimum.",
    },
}
KIND_DESCRIPTIONS = {
    RATIO: "Each pledge is matched at `factor` times its amount, within the caps.",
    THRESHOLD: "A ratio match that starts once a project has `min_backers` backers and/or "
               "`min_percent`% of its minimum; `match_earlier` says whether the pledges made "
               "before then are matched too.",
    FIXED_GRANT: "A flat `grant` once a project has `min_backers` backers and/or `min_percent`% "
                 "of its minimum, reserved with the pledge that meets the criteria and paid if "
                 "the project is funded.",
    QUADRATIC: "At the round's end (closes_at, or when the fund is closed) the pool is shared "
               "among eligible projects by the quadratic formula (Σ√c)² - Σc, scaled to the "
               "pool and capped per project, the overflow going to projects under their cap.",
}
_KIND_TITLES = {RATIO: "Ratio", THRESHOLD: "Threshold", FIXED_GRANT: "FixedGrant",
                QUADRATIC: "Quadratic"}


def rule_schema_name(kind: str, suffix: str) -> str:
    return f"{_KIND_TITLES[kind]}{suffix}"


def rule_kind_schemas(*, extra: dict[str, Any] | None = None,
                      suffix: str = "Rules") -> dict[str, dict[str, Any]]:
    """OpenAPI schemas, one per rule kind (named e.g. RatioRules), with `extra` properties."""
    schemas = {}
    for kind, parameters in RULE_PARAMETERS.items():
        properties = {
            "kind": {"type": "string", "enum": [kind]},
            **{name: PARAMETER_SCHEMAS[name] for name in parameters},
            "currency": {"type": "string", "minLength": 3, "maxLength": 3, "example": "EUR",
                         "description": "If given, must be the fund's currency."},
            **(extra or {}),
        }
        schemas[rule_schema_name(kind, suffix)] = {
            "type": "object",
            "title": KIND_NAMES[kind],
            "description": KIND_DESCRIPTIONS[kind],
            "properties": properties,
            "required": ["kind", "grant"] if kind == FIXED_GRANT else ["kind"],
            "additionalProperties": False,
        }
    return schemas


def factor_text(factor: str) -> str:
    """The stored factor (an exact fraction such as "1/2") as a decimal string ("0.5")."""
    ratio = Fraction(factor)
    text = str(Decimal(ratio.numerator) / Decimal(ratio.denominator))
    return text.rstrip("0").rstrip(".") if "." in text else text


def rules_json(rules: dict[str, Any], currency: str, *, version: int, description: str) -> dict:
    """A version's rules as the API writes them: the kind's parameters, amounts as decimal
    strings; what is written here can be sent back to amend the rules."""
    kind = rules["kind"]
    written: dict[str, Any] = {"version": version, "kind": kind}
    for name in RULE_PARAMETERS[kind]:
        value = rules.get(name)
        if name == "factor":
            value = factor_text(value or "1")
        elif name in RULE_AMOUNTS:
            value = Money(value, currency).to_decimal_string() if value else None
        written[name] = value
    written["description"] = description
    return written


# -- requests ----------------------------------------------------------------------------------

class RulesField(fields.Dict):
    """A rules object, handed to the domain as sent; see the Rules schemas in the document."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)


class EligibilitySchema(RequestSchema):
    calls = fields.List(
        fields.UUID(), load_default=list, validate=validate.Length(max=50),
        metadata={"description": "Ids of the city's co-investment calls whose awarded pilots "
                                 "the fund matches; empty for any pilot"},
    )
    themes = fields.List(
        _text(80), load_default=list, validate=validate.Length(max=50),
        metadata={"description": "Themes the fund matches; empty for any (a list of only blank "
                                 "names is refused)", "example": ["Mobility"]},
    )
    areas = fields.List(
        _text(80), load_default=list, validate=validate.Length(max=50),
        metadata={"description": "Areas the fund matches; empty for any (a list of only blank "
                                 "names is refused)", "example": []},
    )


class FundCreateSchema(RequestSchema):
    name = _text(120, required=True, metadata={"example": "Porto Neighbourhood Match"})
    sponsor = _text(120, required=True, metadata={"example": "Porto City Council"})
    city = _text(80, required=True, metadata={"description": "The city's name",
                                              "example": "Porto"})
    currency = Text(
        required=True, validate=validate.Length(equal=3),
        metadata={"description": "ISO 4217 code; must be the city's currency", "example": "EUR"},
    )
    pool = AmountField(required=True, positive=True, metadata={"example": "10000.00"})
    opens_at = Moment(metadata={"description": (
        "When the fund starts matching: now when left out, or later (up to an hour ago counts "
        "as now); earlier is refused with invalid_fund")})
    closes_at = Moment(required=True, metadata={"description": "After opens_at and after now "
                                                              "(refused with invalid_fund)"})
    eligibility = fields.Nested(
        EligibilitySchema, load_default=lambda: {"themes": [], "areas": []},
        metadata={"description": "An empty list means no restriction on that dimension"},
    )
    rules = RulesField(
        required=True, metadata={"allOf": [{"$ref": "#/components/schemas/Rules"}]},
    )


class TopUpSchema(RequestSchema):
    amount = AmountField(required=True, positive=True, metadata={"example": "500.00"})


class FundFilterSchema(RequestSchema):
    city = _text(80, metadata={"description": "A city's name"})


class MatchPreviewQuerySchema(RequestSchema):
    amount = AmountField(required=True, positive=True,
                         metadata={"description": "The pledge being considered"})


class EffectiveFromSchema(RequestSchema):
    effective_from = Moment(
        metadata={"description": "When the new version starts applying; now when left out"},
    )


# -- responses ---------------------------------------------------------------------------------

class FundEligibilitySchema(Schema):
    themes = fields.List(fields.String(), required=True)
    areas = fields.List(fields.String(), required=True)
    calls = fields.List(fields.String(), required=True)


class RuleVersionSchema(Schema):
    version = fields.Integer(required=True)
    effective_from = fields.AwareDateTime(format="iso", required=True)
    amended_at = fields.AwareDateTime(
        format="iso", required=True, metadata={"description": "When it was published"},
    )
    rules = fields.Dict(
        required=True, metadata={"allOf": [{"$ref": "#/components/schemas/FundRules"}]},
    )


class FundProjectSchema(Schema):
    project_id = fields.UUID(required=True)
    title = fields.String(required=True)
    reserved = AmountField(required=True, metadata={"description": "Held for pledges not yet "
                                                                   "charged (or a grant)"})
    committed = AmountField(required=True, metadata={"description": "Paid for charged pledges"})
    matches = fields.Integer(required=True, metadata={"description": "Live matches and grants"})


class FundSummarySchema(Schema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    sponsor = fields.String(required=True)
    city = fields.String(required=True, metadata={"description": "The city's name"})
    city_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    pool = AmountField(required=True, metadata={"description": "Everything the sponsor put in"})
    committed = AmountField(required=True)
    reserved = AmountField(required=True)
    available = AmountField(
        required=True, metadata={"description": "pool - committed - reserved - returned"},
    )
    returned = AmountField(
        required=True, metadata={"description": "Gone back to the sponsor since the fund closed"},
    )
    status = fields.String(required=True, validate=validate.OneOf(("open", "closed")))
    position = fields.Integer(
        required=True, allow_none=True,
        metadata={"description": "Where it stands among its city's funds: on one project the "
                                 "funds apply in this order"},
    )
    opens_at = fields.AwareDateTime(format="iso", required=True)
    closes_at = fields.AwareDateTime(format="iso", required=True)
    eligibility = fields.Nested(FundEligibilitySchema, required=True)
    rules = fields.Dict(
        required=True, metadata={"allOf": [{"$ref": "#/components/schemas/FundRules"}]},
    )


class FundSchema(FundSummarySchema):
    rule_history = fields.List(fields.Nested(RuleVersionSchema), required=True)
    projects = fields.List(fields.Nested(FundProjectSchema), required=True)


class FundListSchema(Schema):
    matching_funds = fields.List(fields.Nested(FundSummarySchema), required=True)


class RulesAmendedSchema(Schema):
    version = fields.Integer(required=True, metadata={"description": "The new version"})
    fund = fields.Nested(FundSchema, required=True)


class FundClosedSchema(Schema):
    returned = AmountField(required=True, metadata={"description": "What went back to the "
                                                                   "sponsor at the close"})
    fund = fields.Nested(FundSchema, required=True)
