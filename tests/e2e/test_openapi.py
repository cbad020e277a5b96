"""GET /api/v1/openapi.json describes the whole API as OpenAPI 3."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.is_json
    return response.json


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = document["components"][kind][name]
    return node


def all_refs(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    return []


def test_it_is_an_openapi_3_document(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "POST /api/v1/tokens",
    }


def test_it_lists_every_route_the_api_serves(app, document):
    served = {
        (flask_to_openapi(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }

    assert ("/api/v1/projects/{project_id}/pledges", "post") in served
    assert documented == served


def test_every_operation_has_a_success_answer_and_documented_errors(document):
    error_schema = document["components"]["schemas"]["Error"]
    assert error_schema["properties"]["error"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["summary"], (path, method)
            statuses = set(operation["responses"])
            assert statuses & {"200", "201"}, (path, method)
            for status in statuses - {"200", "201"}:
                response = resolve(document, operation["responses"][status])
                schema = response["content"]["application/json"]["schema"]
                assert resolve(document, schema) == error_schema, (path, method, status)


def test_operations_that_need_a_token_say_so(document):
    needs_token = {
        ("/api/v1/projects", "post"), ("/api/v1/projects/{project_id}/open", "post"),
        ("/api/v1/projects/{project_id}/pledges", "post"), ("/api/v1/me/pledges", "get"),
        ("/api/v1/pledges/{pledge_id}", "delete"), ("/api/v1/pledges/{pledge_id}", "get"),
        ("/api/v1/projects/{project_id}/close", "post"),
        ("/api/v1/projects/{project_id}/cancel", "post"),
        ("/api/v1/pledges/{pledge_id}/payment-method", "post"),
        ("/api/v1/pledges/{pledge_id}/receipts", "get"),
        ("/api/v1/projects/{project_id}/updates", "post"),
        ("/api/v1/projects/{project_id}/milestones", "post"),
        ("/api/v1/projects/{project_id}/milestones/{number}/complete", "post"),
        ("/api/v1/projects/{project_id}/delivery", "post"),
        ("/api/v1/projects/{project_id}/complete", "post"),
    }
    for path, method in needs_token:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"bearer": []}]
        assert "401" in operation["responses"]


def test_request_schemas_declare_amounts_as_strings(document):
    def request_schema(path: str) -> dict:
        body = document["paths"][path]["post"]["requestBody"]
        return resolve(document, body["content"]["application/json"]["schema"])

    pledge = request_schema("/api/v1/projects/{project_id}/pledges")
    project = request_schema("/api/v1/projects")
    line = resolve(document, project["properties"]["budget_lines"]["items"])

    for amount in (pledge["properties"]["amount"], line["properties"]["amount"]):
        assert amount["type"] == "string"
        assert re.fullmatch(amount["pattern"], "25.00")
        assert not re.fullmatch(amount["pattern"], "-25.00")
    assert "amount" in pledge["required"]
    assert pledge["additionalProperties"] is False
    assert project["additionalProperties"] is False


def test_answers_declare_amounts_as_strings(document):
    schemas = document["components"]["schemas"]
    for name in ("minimum", "optimum", "raised", "pending"):
        assert schemas["Project"]["properties"][name]["type"] == "string"
    assert schemas["Project"]["properties"]["settled"]["type"] == "boolean"
    assert schemas["Pledge"]["properties"]["amount"]["type"] == "string"
    assert schemas["Pledge"]["properties"]["fix_by"]["nullable"] is True
    assert set(schemas["Project"]["properties"]["status"]["enum"]) >= {
        "draft", "open", "funded", "unfunded", "delivering", "completed", "cancelled",
    }


def test_an_early_close_documents_its_refusal_code(document):
    operation = document["paths"]["/api/v1/projects/{project_id}/close"]["post"]
    conflict = resolve(document, operation["responses"]["409"])

    assert "optimum_not_reached" in conflict["description"]


def test_every_reference_resolves(document):
    for ref in all_refs(document):
        *_, kind, name = ref.split("/")
        assert name in document["components"][kind], ref


def test_request_schemas_declare_what_the_api_refuses_in_text_and_dates(document, client):
    """A client generating requests from the document (as schemathesis does) finds that valid
    data is accepted: control characters and dates outside 2000-2100 are declared as refused."""
    fields = document["components"]["schemas"]["ProjectCreate"]["properties"]
    text_rule = re.compile(fields["title"]["pattern"])
    date_rule = re.compile(fields["closes_at"]["pattern"])

    assert text_rule.search("Clean air, ação, 清洁空气") and not text_rule.search("Clean\x1bair")
    assert date_rule.search("2027-03-01T09:00:00Z") and not date_rule.search("0293-08-14T19:54Z")
    refused = client.get("/api/v1/projects?theme=Mobi%08lity")
    assert refused.status_code == 422 and "theme" in refused.json["error"]["fields"]


def test_the_proposer_is_described_as_an_organisations_display_name(document):
    schemas = document["components"]["schemas"]
    sent = schemas["ProjectCreate"]["properties"]["proposer"]["description"]
    answered = schemas["Project"]["properties"]["proposer"]["description"]

    assert "organisation" in sent and "never a person's name" in sent
    assert "organisation" in answered


def test_the_document_declares_what_the_server_refuses_in_amounts_cards_and_windows(document):
    """Found by schemathesis: schema-valid input the server refused. Amounts sent are more than
    zero, cards are ids, and a window closes after it opens (said in words: JSON Schema cannot)."""
    schemas = document["components"]["schemas"]
    pledge = schemas["PledgeCreate"]["properties"]
    amount = re.compile(pledge["amount"]["pattern"])
    card = re.compile(pledge["payment_method"]["pattern"])

    assert amount.fullmatch("0.01") and amount.fullmatch("25") and amount.fullmatch("1000000.00")
    assert not any(amount.fullmatch(zero) for zero in ("0", "0.00", "00.000"))
    preview = document["paths"]["/api/v1/projects/{project_id}/match-preview"]["get"]
    [sent] = [p for p in preview["parameters"] if p["name"] == "amount"]
    assert sent["schema"]["pattern"] == schemas["TopUp"]["properties"]["amount"]["pattern"] == (
        pledge["amount"]["pattern"])
    assert schemas["FundCreate"]["properties"]["pool"]["pattern"] == pledge["amount"]["pattern"]
    assert card.fullmatch("pm_card_visa") and not card.fullmatch("pm card; drop")
    changed = schemas["PaymentMethod"]["properties"]["payment_method"]["pattern"]
    assert changed == pledge["payment_method"]["pattern"]
    for name in ("ProjectCreate", "FundCreate"):
        assert "After opens_at" in schemas[name]["properties"]["closes_at"]["description"]
    # Answers may be zero: the pattern of what the API writes still takes it.
    assert re.fullmatch(schemas["Project"]["properties"]["raised"]["pattern"], "0.00")


def test_a_pledge_with_a_card_that_is_not_an_id_is_refused_by_the_schema(client, world):
    porto = world.city()
    project = world.project(porto, world.officer(porto))
    token = world.token(world.citizen())

    response = client.post(f"/api/v1/projects/{project}/pledges",
                           json={"amount": "5.00", "payment_method": "pm card; drop"},
                           headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid"
    assert "payment_method" in response.json["error"]["fields"]
