"""The cost-benefit analysis as the API takes and writes it (web/procurement/cba_schemas.py)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields

from domain.kernel.errors import UnknownCurrency
from domain.procurement.cost_benefit import CostBenefitAnalysis, YearFlows, analyse
from web.procurement.cba_schemas import (
    CBA_INPUT_SCHEMA,
    CBA_RESULTS_SCHEMA,
    CostBenefitInput,
    InvalidCostBenefit,
    cba_results_json,
    cost_benefit_from_json,
    cost_benefit_json,
    to_analysis,
)

# Example B of tests/unit/test_cost_benefit.py, in the API's shape (EUR 1,000.00 now, EUR 600.00
# of savings in each of the next two years, at 5 %).
EXAMPLE_B = {
    "discount_rate": "0.05",
    "years": [
        {"year": 0, "costs": {"capital": "1000.00"}, "benefits": {"savings": "0.00"}},
        {"year": 1, "costs": {}, "benefits": {"savings": "600.00"}},
        {"year": 2, "benefits": {"savings": "600"}},
    ],
}


def openapi_to_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's type list, to validate with jsonschema_rs."""
    if isinstance(node, dict):
        node = {k: openapi_to_json_schema(v) for k, v in node.items() if k != "example"}
        if node.pop("nullable", False):
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [openapi_to_json_schema(v) for v in node]
    return node


INPUT = jsonschema_rs.validator_for(openapi_to_json_schema(CBA_INPUT_SCHEMA))
RESULTS = jsonschema_rs.validator_for(openapi_to_json_schema(CBA_RESULTS_SCHEMA))


def test_the_api_shape_loads_into_the_domain_analysis_in_minor_units():
    analysis = cost_benefit_from_json(EXAMPLE_B, "EUR")

    assert analysis == CostBenefitAnalysis("EUR", Decimal("0.05"), (
        YearFlows(0, {"capital": 100000}, {"savings": 0}),
        YearFlows(1, {}, {"savings": 60000}),
        YearFlows(2, {}, {"savings": 60000}),
    ))


def test_the_results_as_the_api_writes_them():
    body = cba_results_json(analyse(cost_benefit_from_json(EXAMPLE_B, "EUR")), "EUR")

    # The figures of example B (hand-computed in test_cost_benefit.py), as decimal strings.
    assert body["npv"] == "115.65"
    assert body["bcr"] == "1.12"
    assert body["payback_year"] == 2
    assert body["discounted_payback_year"] == 2
    assert body["irr"] == "0.1307"
    assert body["sensitivity"] == {
        "rate_minus_2": {"npv": "148.08", "bcr": "1.15"},
        "rate_plus_2": {"npv": "84.81", "bcr": "1.08"},
        "benefits_minus_20": {"npv": "-107.48", "bcr": "0.89"},
    }
    assert body["yearly"][1] == {
        "year": 1, "costs": "0.00", "benefits": "600.00", "net": "600.00",
        "cumulative_net": "-400.00", "discounted_net": "571.43",
        "cumulative_discounted_net": "-428.57", "discount_factor": "1.050000",
    }
    assert (body["pv_costs"], body["pv_benefits"], body["currency"]) == (
        "1000.00", "1115.65", "EUR")
    assert RESULTS.is_valid(body)
    json.dumps(body)  # plain JSON


def test_nulls_are_written_as_null_and_a_currency_without_minor_units_as_whole_amounts():
    # Only benefits (no costs: no bcr, no sign change: no irr), in yen.
    analysis = cost_benefit_from_json(
        {"discount_rate": "0", "years": [{"year": 0, "benefits": {"fares": "1500"}}]}, "JPY")

    body = cba_results_json(analyse(analysis), "JPY")

    assert (body["npv"], body["bcr"], body["irr"], body["payback_year"]) == ("1500", None, None, 0)
    assert body["sensitivity"]["benefits_minus_20"] == {"npv": "1200", "bcr": None}
    assert RESULTS.is_valid(body)


def test_a_project_that_never_pays_back_has_null_paybacks():
    analysis = cost_benefit_from_json(
        {"discount_rate": "0.05", "years": [{"year": 0, "costs": {"capital": "10.00"}}]}, "EUR")

    body = cba_results_json(analyse(analysis), "EUR")

    assert body["payback_year"] is body["discounted_payback_year"] is None
    assert body["npv"] == "-10.00"
    assert body["bcr"] == "0.00"
    assert RESULTS.is_valid(body)


def test_the_inputs_are_written_back_in_the_shape_they_were_sent():
    analysis = cost_benefit_from_json(EXAMPLE_B, "EUR")

    written = cost_benefit_json(analysis)

    assert written["discount_rate"] == "0.05"
    assert written["years"][2] == {"year": 2, "costs": {}, "benefits": {"savings": "600.00"}}
    assert INPUT.is_valid(written)
    assert cost_benefit_from_json(written, "EUR") == analysis


def test_the_documented_example_is_valid_and_loads():
    example = CBA_INPUT_SCHEMA["example"]

    assert INPUT.is_valid(example)
    assert cost_benefit_from_json(example, "GBP").years[1].benefits == {"savings": 4500000}


@pytest.mark.parametrize("change, field, message", [
    (lambda d: d.update(discount_rate=0.05), "cba.discount_rate", "string decimal"),
    (lambda d: d["years"][0]["costs"].update(capital=1000), "cba.years.0.costs.capital.value",
     "JSON number"),
    (lambda d: d["years"][0]["costs"].update(capital="-1000.00"),
     "cba.years.0.costs.capital.value", "cannot be negative"),
    (lambda d: d["years"][0]["costs"].update(capital="1,000"),
     "cba.years.0.costs.capital.value", "not an amount"),
    (lambda d: d["years"][0]["costs"].update(capital="1000.001"),
     "cba.years.0.costs.capital", "at most 2 decimal places"),
    (lambda d: d.update(discount_rate="5%"), "cba.discount_rate", "not a rate"),
    (lambda d: d.update(discount_rate="1.5"), "cba.discount_rate", "at most 1"),
    (lambda d: d.update(discount_rate="-1"), "cba.discount_rate", "above -0.98"),
    (lambda d: d.update(years=[]), "cba.years", "at least year 0"),
    (lambda d: d["years"].pop(1), "cba.years", "expected year 1, found year 2"),
    (lambda d: d["years"][0].update(year=True), "cba.years.0.year", "integer"),
    (lambda d: d["years"][0].update(year="0"), "cba.years.0.year", "integer"),
    (lambda d: d["years"][0].update(year=51), "cba.years.0.year", "less than or equal to 50"),
    (lambda d: d["years"][0].update(extra=1), "cba.years.0.extra", "Unknown field"),
    (lambda d: d.update(currency="EUR"), "cba.currency", "Unknown field"),
    (lambda d: d.pop("discount_rate"), "cba.discount_rate", "required"),
    (lambda d: d["years"][0]["costs"].update({" ": "1.00"}), "cba.years.0.costs", "Name the"),
    (lambda d: d["years"][0]["costs"].update({"a\x00": "1.00"}), "cba.years.0.costs",
     "control characters"),
    (lambda d: d["years"][0].update(costs={f"c{i}": "1.00" for i in range(21)}),
     "cba.years.0.costs", "At most 20 categories"),
])
def test_bad_input_is_refused_with_the_field_at_fault(change, field, message):
    data = copy.deepcopy(EXAMPLE_B)
    change(data)

    with pytest.raises(InvalidCostBenefit) as error:
        cost_benefit_from_json(data, "EUR")

    assert error.value.code == "invalid_cost_benefit"
    assert error.value.field.startswith(field)
    assert message in error.value.message


def test_more_decimals_than_the_currency_has_are_refused():
    data = {"discount_rate": "0.05", "years": [{"year": 0, "costs": {"capital": "100.5"}}]}

    with pytest.raises(InvalidCostBenefit, match="JPY has no minor unit"):
        cost_benefit_from_json(data, "JPY")
    assert cost_benefit_from_json(data, "KWD").years[0].costs == {"capital": 100500}


def test_not_an_object_and_an_unknown_currency_are_refused():
    with pytest.raises(InvalidCostBenefit, match="as an object"):
        cost_benefit_from_json([], "EUR")
    with pytest.raises(UnknownCurrency):
        cost_benefit_from_json(EXAMPLE_B, "XXX")


class ProposalLike(Schema):
    title = fields.String(required=True)
    cba = fields.Nested(CostBenefitInput, required=True)


def test_nested_in_a_request_schema_it_refuses_malformed_json_and_loads_the_rest():
    with pytest.raises(ValidationError) as error:
        ProposalLike().load({"title": "Sensors", "cba": {**EXAMPLE_B, "discount_rate": 0.05}})
    assert "discount_rate" in error.value.messages["cba"]

    body = ProposalLike().load({"title": "Sensors", "cba": EXAMPLE_B})
    analysis = to_analysis(body["cba"], "EUR")
    assert analyse(analysis).npv == 11565

    bad = copy.deepcopy(EXAMPLE_B)
    bad["years"][1]["year"] = 3
    loaded = ProposalLike().load({"title": "Sensors", "cba": bad})
    with pytest.raises(InvalidCostBenefit) as refused:
        to_analysis(loaded["cba"], "EUR", field="proposal.cba")
    assert refused.value.field == "proposal.cba.years"


amount_text = st.integers(min_value=0, max_value=10**12).map(lambda c: f"{c // 100}.{c % 100:02d}")


@given(st.lists(st.tuples(amount_text, amount_text), min_size=1, max_size=8),
       st.decimals(min_value=Decimal("-0.5"), max_value=1, places=3))
def test_whatever_loads_is_written_back_valid_and_its_results_match_the_document(years, rate):
    data = {"discount_rate": f"{rate:f}",
            "years": [{"year": t, "costs": {"c": c}, "benefits": {"b": b}}
                      for t, (c, b) in enumerate(years)]}
    assert INPUT.is_valid(data)

    analysis = cost_benefit_from_json(data, "EUR")

    assert cost_benefit_from_json(cost_benefit_json(analysis), "EUR") == analysis
    assert RESULTS.is_valid(cba_results_json(analyse(analysis), "EUR"))


# -- the OpenAPI declarations agree with each other -------------------------------------------

DOC_ONLY = {"description", "example", "title"}


def shape(node, components):
    """A schema object without its words, its references inlined and its lists in order."""
    if isinstance(node, dict):
        if "$ref" in node:
            return shape(components[node["$ref"].rsplit("/", 1)[1]], components)
        if set(node) - DOC_ONLY == {"allOf"}:
            # apispec's way of describing a reference: {"allOf": [{"$ref"}], "description"}
            (only,) = node["allOf"]
            return shape(only, components)
        return {k: (sorted(v) if k == "required" else shape(v, components))
                for k, v in node.items() if k not in DOC_ONLY}
    if isinstance(node, list):
        return [shape(v, components) for v in node]
    return node


def test_the_marshmallow_schemas_document_the_same_shapes_as_the_plain_dicts():
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from web.procurement.cba_schemas import CostBenefitResultsOutput

    class Proposal(Schema):
        cba = fields.Nested(CostBenefitInput, required=True)
        cba_results = fields.Nested(CostBenefitResultsOutput, required=True)

    spec = APISpec(title="t", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Proposal", schema=Proposal)
    components = spec.to_dict()["components"]["schemas"]
    proposal = components["Proposal"]["properties"]

    assert shape(proposal["cba"], components) == shape(CBA_INPUT_SCHEMA, {})
    assert shape(proposal["cba_results"], components) == shape(CBA_RESULTS_SCHEMA, {})


def test_the_results_dump_through_the_marshmallow_schema_unchanged():
    from web.procurement.cba_schemas import CostBenefitResultsOutput

    body = cba_results_json(analyse(cost_benefit_from_json(EXAMPLE_B, "EUR")), "EUR")

    assert CostBenefitResultsOutput().dump(body) == body
