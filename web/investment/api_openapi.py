"""The investment offers routes' entries in the OpenAPI document (web/api/openapi.py adds
them)."""

from __future__ import annotations

from typing import Any

from web.investment.api_liabilities import LiabilitiesSchema
from web.investment.api_schemas import (
    AppropriatenessAnswerSchema,
    AppropriatenessSchema,
    InvestmentCreateSchema,
    InvestmentSchema,
    OfferCreateSchema,
    OfferListSchema,
    OfferSchema,
)

SECURED = [{"bearer": []}]
WRITE_ERRORS = {"400": "MalformedJson", "415": "UnsupportedMediaType", "422": "Invalid"}
MANAGE = {**WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
          "409": "Conflict"}
TAG = ["investment"]


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _request(schema: Any) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _uuid(name: str, what: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": f"The {what}'s id",
            "schema": {"type": "string", "format": "uuid"}}


OPERATIONS: dict[str, dict[str, dict]] = {
    "api.list_offers": {"get": {
        "summary": "Investment offers on public pilots, with their terms, what investors hold "
                   "in each, the risk warning and the appropriateness quiz",
        "tags": TAG,
        "responses": {"200": _body(OfferListSchema, "Offers"), "401": "Unauthorised"},
    }},
    "api.get_offer": {"get": {
        "summary": "One investment offer",
        "tags": TAG, "parameters": [_uuid("offer_id", "offer")],
        "responses": {"200": _body(OfferSchema, "The offer"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.add_offer": {"post": {
        "summary": "An officer adds an investment offer (community_bond or benefit_share) to a "
                   "pilot of their city, a draft or open campaign; terms out of range "
                   "(invalid_terms) or figures out of order (invalid_offer) are refused",
        "tags": TAG, "security": SECURED, "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(OfferCreateSchema),
        "responses": {"201": _body(OfferSchema, "The offer (see its Location header)"),
                      **MANAGE},
    }},
    "api.pass_appropriateness": {"post": {
        "summary": "A citizen or investor account acknowledges the risk warning and answers the "
                   "quiz; recorded once (wrong answers: wrong_answers, nothing recorded)",
        "tags": TAG, "security": SECURED, "requestBody": _request(AppropriatenessSchema),
        "responses": {"201": _body(AppropriatenessAnswerSchema, "Recorded"),
                      "200": _body(AppropriatenessAnswerSchema, "Already recorded"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.commit_to_offer": {"post": {
        "summary": "Commit to an offer (conditional on the offer reaching its minimum and the "
                   "pilot being funded): at least the minimum ticket (ticket_too_small), at "
                   "most what is left under the maximum (over_subscribed), only after the "
                   "appropriateness check (appropriateness_required)",
        "tags": TAG, "security": SECURED, "parameters": [_uuid("offer_id", "offer")],
        "requestBody": _request(InvestmentCreateSchema),
        "responses": {"201": _body(InvestmentSchema, "The commitment"), **MANAGE},
    }},
    "api.withdraw_investment": {"delete": {
        "summary": "Withdraw one's commitment until the offer closes",
        "tags": TAG, "security": SECURED,
        "parameters": [_uuid("commitment_id", "investment commitment")],
        "responses": {"200": _body(InvestmentSchema, "The commitment, withdrawn"),
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.city_liabilities": {"get": {
        "summary": "A city's liabilities: its funded community bonds with the capital "
                   "outstanding by their schedules and the payments due in the next 12 months, "
                   "with totals per currency (officers of the city, auditors, administrators)",
        "tags": TAG, "security": SECURED, "parameters": [_uuid("city_id", "city")],
        "responses": {"200": _body(LiabilitiesSchema, "The liabilities"),
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound"},
    }},
}
