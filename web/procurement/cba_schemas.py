"""A cost-benefit analysis ("proof of value") as the API takes and writes it.

In:  {"discount_rate": "0.05", "years": [{"year": 0, "costs": {"capital": "120000.00"},
      "benefits": {"savings": "0.00"}}, ...]}
     The rate is a decimal string (a fraction: "0.05" is 5 %); amounts are decimal strings in
     the currency's major unit ("120000.00" is EUR 120,000.00), never JSON numbers, zero or more.
Out: cba_results_json(results, currency): npv, bcr, payback_year, discounted_payback_year, irr,
     sensitivity and yearly, amounts as decimal strings (see CBA_RESULTS_SCHEMA).

Two ways in, both ending in a domain CostBenefitAnalysis and both refusing bad input with the
domain's InvalidCostBenefit (422, code invalid_cost_benefit; `fields` names the place, e.g.
cba.years.1.costs.capital), or UnknownCurrency:

- nested in a request schema: ``cba = fields.Nested(CostBenefitInput, required=True)``; the
  request's schema refuses malformed JSON as usual (422 invalid, fields cba.years.0...), then
  ``to_analysis(body["cba"], currency)`` reads the amounts in the currency (the call's);
- whole: ``cost_benefit_from_json(data, currency)`` does both on raw JSON.

The OpenAPI document: a request schema that nests CostBenefitInput, or a response schema that
nests CostBenefitResultsOutput, is documented by apispec from their fields (components
CostBenefitInput, CostBenefitYearInput, CostBenefitResultsOutput, ...), the same shapes as the
plain OpenAPI 3.0 schema objects CBA_INPUT_SCHEMA and CBA_RESULTS_SCHEMA (a test checks they
agree). Operations declared by hand can register the dicts instead, under names of their own
so as not to collide with the ones apispec makes: ``spec.components.schema("CBAInput",
CBA_INPUT_SCHEMA)``, ``spec.components.schema("CBAResults", CBA_RESULTS_SCHEMA)``.

This module imports nothing from web.api, so pages (a proposal form) may use it too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from domain.kernel.errors import InvalidAmount
from domain.kernel.money import Money
from domain.procurement.cost_benefit import (
    MAX_CATEGORIES,
    MAX_CATEGORY_LENGTH,
    MAX_YEAR,
    CostBenefitAnalysis,
    CostBenefitResults,
    InvalidCostBenefit,
    Sensitivity,
    YearFlows,
)

# Amounts as the API's other amounts: up to 13 digits before the point and 9 after (the
# currency's decimal places are checked when read in the currency). Zero is allowed here.
CBA_AMOUNT_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,9})?$"
# A rate: an optional minus, one digit, up to 6 decimals ("0.05", "0.035", "-0.01", "1").
RATE_PATTERN = r"^-?[0-9](\.[0-9]{1,6})?$"
_AMOUNT_DOC = {
    "pattern": CBA_AMOUNT_PATTERN, "example": "120000.00",
    "description": "A decimal string in the currency's major unit, zero or more; at most the "
                   "currency's decimal places",
}
_RATE_DOC = {
    "pattern": RATE_PATTERN, "example": "0.05",
    "description": 'A fraction as a decimal string: "0.05" is 5 %. Above -0.98 and at most 1 '
                   "(otherwise invalid_cost_benefit).",
}
_CATEGORIES_DOC = (
    f"Category name (1 to {MAX_CATEGORY_LENGTH} characters, e.g. capital, running, savings, "
    "revenue, co2) to amount. Empty or left out: none."
)
_AMOUNT = re.compile(CBA_AMOUNT_PATTERN)
_RATE = re.compile(RATE_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class _CbaAmount(fields.String):
    default_error_messages = {
        "not_text": 'Write the amount as a string decimal such as "1200.00": a JSON number '
                    "loses cents",
        "negative": "An amount cannot be negative: write a saving as a benefit and a loss of "
                    "revenue as a cost",
        "not_amount": '{text!r} is not an amount: use digits and a decimal point, e.g. "1200.00"',
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("not_text")
        if value.startswith("-") and _AMOUNT.match(value[1:]):
            raise self.make_error("negative")
        if not _AMOUNT.match(value):
            raise self.make_error("not_amount", text=value[:40])
        return value


class _Rate(fields.String):
    default_error_messages = {
        "not_text": 'Write the discount rate as a string decimal, e.g. "0.05" for 5 %',
        "not_rate": '{text!r} is not a rate: a fraction with up to 6 decimals, e.g. "0.05" '
                    "for 5 %",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if not isinstance(value, str):
            raise self.make_error("not_text")
        if not _RATE.match(value):
            raise self.make_error("not_rate", text=value[:40])
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern lets only decimals through
            raise self.make_error("not_rate", text=value[:40]) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(value)


class _Year(fields.Integer):
    def _validated(self, value: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


class _Category(fields.String):
    default_error_messages = {"control": "Remove the control characters from this name"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise self.make_error("control")
        if not text.strip():
            raise ValidationError("Name the category, e.g. capital or savings")
        return text


def _at_most_categories(value: Mapping[str, Any]) -> None:
    # A function, not validate.Length, which the OpenAPI document would read as maxLength.
    if len(value) > MAX_CATEGORIES:
        raise ValidationError(f"At most {MAX_CATEGORIES} categories a year")


def _amounts(example: dict[str, str]) -> fields.Dict:
    return fields.Dict(
        keys=_Category(validate=validate.Length(min=1, max=MAX_CATEGORY_LENGTH)),
        values=_CbaAmount(metadata=_AMOUNT_DOC),
        load_default=dict,
        validate=_at_most_categories,
        metadata={"maxProperties": MAX_CATEGORIES, "example": example,
                  "description": _CATEGORIES_DOC},
    )


class CostBenefitYearInput(Schema):
    class Meta:
        unknown = RAISE

    year = _Year(required=True, strict=True, validate=validate.Range(min=0, max=MAX_YEAR),
                 metadata={"description": "0 for the first year, then 1, 2, ..."})
    costs = _amounts({"capital": "120000.00"})
    benefits = _amounts({"savings": "40000.00"})


class CostBenefitInput(Schema):
    """The API's cost-benefit analysis; loads to {"discount_rate": Decimal, "years": [...]}
    with amounts still as text (see to_analysis)."""

    class Meta:
        unknown = RAISE

    discount_rate = _Rate(required=True, metadata=_RATE_DOC)
    years = fields.List(
        fields.Nested(CostBenefitYearInput), required=True,
        validate=validate.Length(
            min=1, max=MAX_YEAR + 1,
            error=f"Give years 0 to N, at least year 0 and at most years 0 to {MAX_YEAR}"),
    )


_INPUT = CostBenefitInput()


def _first_message(messages: Any, path: str) -> tuple[str, str]:
    if isinstance(messages, Mapping):
        key, inner = next(iter(messages.items()))
        return _first_message(inner, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list | tuple) and messages:
        return _first_message(messages[0], path)
    return path, str(messages)


def to_analysis(loaded: Mapping[str, Any], currency: str, *,
                field: str = "cba") -> CostBenefitAnalysis:
    """What CostBenefitInput loaded, with its amounts read in `currency` (InvalidCostBenefit
    where an amount has more decimals than the currency has, or the analysis is not valid)."""
    years = []
    for index, year in enumerate(loaded["years"]):
        place = f"{field}.years.{index}"
        amounts: dict[str, dict[str, int]] = {}
        for kind in ("costs", "benefits"):
            amounts[kind] = {}
            for category, text in year.get(kind, {}).items():
                try:
                    amounts[kind][category] = Money.parse(text, currency).minor
                except InvalidAmount as error:
                    raise InvalidCostBenefit(
                        f"Year {year['year']}, {kind}, {category}: {error.message}",
                        field=f"{place}.{kind}.{category}") from None
        try:
            years.append(YearFlows(year["year"], amounts["costs"], amounts["benefits"]))
        except InvalidCostBenefit as error:
            raise InvalidCostBenefit(error.message, field=place) from None
    try:
        return CostBenefitAnalysis(currency, loaded["discount_rate"], tuple(years))
    except InvalidCostBenefit as error:
        raise InvalidCostBenefit(error.message, field=f"{field}.{error.field}") from None


def cost_benefit_from_json(data: Any, currency: str, *, field: str = "cba") -> CostBenefitAnalysis:
    """A cost-benefit analysis from its JSON (the API shape) in `currency`; any bad input is
    InvalidCostBenefit naming the first field at fault (never a marshmallow error)."""
    if not isinstance(data, Mapping):
        raise InvalidCostBenefit(
            'Give the cost-benefit analysis as an object: {"discount_rate", "years"}', field=field)
    try:
        loaded = _INPUT.load(data)
    except ValidationError as error:
        path, message = _first_message(error.messages, "")
        raise InvalidCostBenefit(message, field=f"{field}.{path}" if path else field) from None
    return to_analysis(loaded, currency, field=field)


def _amount(minor: int, currency: str) -> str:
    return Money(minor, currency).to_decimal_string()


def _ratio(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def _irr(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return f"{abs(value) if value == 0 else value:f}"  # never "-0.0000"


def _sensitivity(sensitivity: Sensitivity, currency: str) -> dict[str, Any]:
    return {"npv": _amount(sensitivity.npv, currency), "bcr": _ratio(sensitivity.bcr)}


def cba_results_json(results: CostBenefitResults, currency: str) -> dict[str, Any]:
    """The outputs as the API writes them (CBA_RESULTS_SCHEMA)."""
    return {
        "currency": currency,
        "npv": _amount(results.npv, currency),
        "bcr": _ratio(results.bcr),
        "payback_year": results.payback_year,
        "discounted_payback_year": results.discounted_payback_year,
        "irr": _irr(results.irr),
        "pv_costs": _amount(results.pv_costs, currency),
        "pv_benefits": _amount(results.pv_benefits, currency),
        "sensitivity": {
            "rate_minus_2": _sensitivity(results.rate_minus_2, currency),
            "rate_plus_2": _sensitivity(results.rate_plus_2, currency),
            "benefits_minus_20": _sensitivity(results.benefits_minus_20, currency),
        },
        "yearly": [
            {
                "year": y.year,
                "costs": _amount(y.costs, currency),
                "benefits": _amount(y.benefits, currency),
                "net": _amount(y.net, currency),
                "cumulative_net": _amount(y.cumulative_net, currency),
                "discounted_net": _amount(y.discounted_net, currency),
                "cumulative_discounted_net": _amount(y.cumulative_discounted_net, currency),
                "discount_factor": f"{y.discount_factor:f}",
            }
            for y in results.yearly
        ],
    }


def cost_benefit_json(analysis: CostBenefitAnalysis) -> dict[str, Any]:
    """The inputs written back in the shape CostBenefitInput takes (CBA_INPUT_SCHEMA)."""
    currency = analysis.currency
    return {
        "discount_rate": f"{analysis.discount_rate:f}",
        "years": [
            {"year": y.year,
             "costs": {name: _amount(minor, currency) for name, minor in y.costs.items()},
             "benefits": {name: _amount(minor, currency) for name, minor in y.benefits.items()}}
            for y in analysis.years
        ],
    }


# -- OpenAPI 3.0 schema objects ----------------------------------------------------------------

_AMOUNTS_BY_CATEGORY = {
    "type": "object",
    "maxProperties": MAX_CATEGORIES,
    "additionalProperties": {"type": "string", **_AMOUNT_DOC},
    "description": _CATEGORIES_DOC,
    "example": {"capital": "120000.00"},
}

CBA_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Cost-benefit analysis",
    "description": (
        "Costs and benefits per category for the years 0..N (year 0 is now, undiscounted), and "
        "the discount rate. Years run 0, 1, 2, ... without gaps, at most years 0 to "
        f"{MAX_YEAR}; otherwise refused with invalid_cost_benefit."
    ),
    "properties": {
        "discount_rate": {"type": "string", **_RATE_DOC},
        "years": {
            "type": "array", "minItems": 1, "maxItems": MAX_YEAR + 1,
            "items": {
                "type": "object",
                "properties": {
                    "year": {"type": "integer", "minimum": 0, "maximum": MAX_YEAR,
                             "description": "0 for the first year, then 1, 2, ..."},
                    "costs": _AMOUNTS_BY_CATEGORY,
                    "benefits": {**_AMOUNTS_BY_CATEGORY, "example": {"savings": "40000.00"}},
                },
                "required": ["year"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["discount_rate", "years"],
    "additionalProperties": False,
    "example": {
        "discount_rate": "0.05",
        "years": [
            {"year": 0, "costs": {"capital": "120000.00"}, "benefits": {}},
            {"year": 1, "costs": {"running": "5000.00"}, "benefits": {"savings": "45000.00"}},
            {"year": 2, "costs": {"running": "5000.00"}, "benefits": {"savings": "45000.00"}},
            {"year": 3, "costs": {"running": "5000.00"}, "benefits": {"savings": "45000.00"}},
        ],
    },
}

_MONEY = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
          "description": "A decimal string in the currency's major unit; negative when costs "
                         "outweigh benefits", "example": "1234.56"}
_BCR = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "nullable": True, "example": "1.23",
        "description": "Present value of benefits / present value of costs, 2 decimals "
                       "(half-even); null when there are no costs"}
_SENSITIVITY = {
    "type": "object",
    "properties": {"npv": _MONEY, "bcr": _BCR},
    "required": ["npv", "bcr"],
    "additionalProperties": False,
}
_YEAR_NUMBER = {"type": "integer", "minimum": 0, "maximum": MAX_YEAR, "nullable": True}

CBA_RESULTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Cost-benefit results",
    "description": (
        "Computed from the analysis with exact decimals, rounded half-even only at the end. Year "
        "t is divided by (1 + rate)^t (year 0 undiscounted)."
    ),
    "properties": {
        "currency": {"type": "string", "example": "EUR"},
        "npv": {**_MONEY, "description": "Net present value: the sum of (benefits - costs) / "
                                         "(1 + rate)^t, to the minor unit"},
        "bcr": _BCR,
        "payback_year": {**_YEAR_NUMBER, "description": (
            "The first year whose cumulative net (benefits - costs) is >= 0; null if never")},
        "discounted_payback_year": {**_YEAR_NUMBER, "description": (
            "The same on discounted figures (cumulative discounted net rounded to the minor "
            "unit, as in yearly); null if never")},
        "irr": {
            "type": "string", "pattern": r"^-?[0-9]+\.[0-9]{4}$", "nullable": True,
            "example": "0.1307",
            "description": "Internal rate of return: the rate where npv is 0, a fraction with 4 "
                           "decimals (the lowest such rate between -0.99 and 10); null when the "
                           "yearly nets do not change sign (none below or none above zero) or "
                           "npv has no zero in that range",
        },
        "pv_costs": {**_MONEY, "description": "Present value of the costs"},
        "pv_benefits": {**_MONEY, "description": "Present value of the benefits"},
        "sensitivity": {
            "type": "object",
            "properties": {
                "rate_minus_2": {**_SENSITIVITY, "description": "At the rate - 0.02"},
                "rate_plus_2": {**_SENSITIVITY, "description": "At the rate + 0.02"},
                "benefits_minus_20": {**_SENSITIVITY,
                                      "description": "With every benefit 20 % lower"},
            },
            "required": ["rate_minus_2", "rate_plus_2", "benefits_minus_20"],
            "additionalProperties": False,
        },
        "yearly": {
            "type": "array",
            "description": "Per year, for the chart: discounted figures are rounded to the "
                           "minor unit, the cumulative ones from the exact running sum",
            "items": {
                "type": "object",
                "properties": {
                    "year": {"type": "integer", "minimum": 0, "maximum": MAX_YEAR},
                    "costs": _MONEY,
                    "benefits": _MONEY,
                    "net": _MONEY,
                    "cumulative_net": _MONEY,
                    "discounted_net": _MONEY,
                    "cumulative_discounted_net": _MONEY,
                    "discount_factor": {"type": "string", "pattern": r"^[0-9]+\.[0-9]{6}$",
                                        "example": "1.102500",
                                        "description": "(1 + rate)^year, 6 decimals"},
                },
                "required": ["year", "costs", "benefits", "net", "cumulative_net",
                             "discounted_net", "cumulative_discounted_net", "discount_factor"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["currency", "npv", "bcr", "payback_year", "discounted_payback_year", "irr",
                 "pv_costs", "pv_benefits", "sensitivity", "yearly"],
    "additionalProperties": False,
}


# -- the same answer as a marshmallow schema, for response schemas that nest it ----------------

def _money_field(description: str) -> fields.String:
    return fields.String(required=True, metadata={**_MONEY, "description": description})


class CostBenefitSensitivityOutput(Schema):
    npv = _money_field("Net present value under this assumption")
    bcr = fields.String(required=True, allow_none=True, metadata=_BCR)


class CostBenefitSensitivitiesOutput(Schema):
    rate_minus_2 = fields.Nested(CostBenefitSensitivityOutput, required=True,
                                 metadata={"description": "At the rate - 0.02"})
    rate_plus_2 = fields.Nested(CostBenefitSensitivityOutput, required=True,
                                metadata={"description": "At the rate + 0.02"})
    benefits_minus_20 = fields.Nested(CostBenefitSensitivityOutput, required=True,
                                      metadata={"description": "With every benefit 20 % lower"})


class CostBenefitYearOutput(Schema):
    year = fields.Integer(required=True, metadata={"minimum": 0, "maximum": MAX_YEAR})
    costs = _money_field("The year's costs")
    benefits = _money_field("The year's benefits")
    net = _money_field("benefits - costs")
    cumulative_net = _money_field("The nets so far")
    discounted_net = _money_field("net / (1 + rate)^year, to the minor unit")
    cumulative_discounted_net = _money_field("The exact discounted nets so far, rounded")
    discount_factor = fields.String(
        required=True, metadata=CBA_RESULTS_SCHEMA["properties"]["yearly"]["items"]
        ["properties"]["discount_factor"])


class CostBenefitResultsOutput(Schema):
    """CBA_RESULTS_SCHEMA as a marshmallow schema: nest it in a response schema
    (``cba_results = fields.Nested(CostBenefitResultsOutput, allow_none=True)``) and dump what
    cba_results_json wrote; the OpenAPI document then declares it from these fields."""

    _properties = CBA_RESULTS_SCHEMA["properties"]
    currency = fields.String(required=True, metadata=_properties["currency"])
    npv = fields.String(required=True, metadata=_properties["npv"])
    bcr = fields.String(required=True, allow_none=True, metadata=_BCR)
    payback_year = fields.Integer(required=True, allow_none=True,
                                  metadata=_properties["payback_year"])
    discounted_payback_year = fields.Integer(required=True, allow_none=True,
                                             metadata=_properties["discounted_payback_year"])
    irr = fields.String(required=True, allow_none=True, metadata=_properties["irr"])
    pv_costs = fields.String(required=True, metadata=_properties["pv_costs"])
    pv_benefits = fields.String(required=True, metadata=_properties["pv_benefits"])
    sensitivity = fields.Nested(CostBenefitSensitivitiesOutput, required=True)
    yearly = fields.List(fields.Nested(CostBenefitYearOutput), required=True,
                         metadata={"description": _properties["yearly"]["description"]})
    del _properties
