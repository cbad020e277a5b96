"""The impact routes' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from web.crowdfunding.api.impact_schemas import (
    IndicatorCreateSchema,
    IndicatorListSchema,
    IndicatorSchema,
    ValueCreateSchema,
)
from web.investment.api_openapi import MANAGE, SECURED, _body, _request, _uuid

TAG = ["impact"]
PROJECT = [_uuid("project_id", "project")]
NUMBER = {"in": "path", "name": "number", "required": True, "schema": {"type": "integer"},
          "description": "The indicator's number on the pilot (1, 2, ...)"}

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.list_indicators": {"get": {
        "summary": "A pilot's impact indicators (unit, target, which way is better) with the "
                   "values measured on them, oldest first, and their evidence",
        "tags": TAG, "parameters": PROJECT,
        "responses": {"200": _body(IndicatorListSchema, "The indicators"),
                      "404": "NotFound"},
    }},
    "api.define_indicator": {"post": {
        "summary": "The pilot's delivery owner or an officer of its city defines an indicator "
                   "once the pilot is funded (invalid_state before); a bad target, direction "
                   "or name is refused (invalid_indicator), a money benefit in another "
                   "currency too (wrong_unit)",
        "tags": TAG, "security": SECURED, "parameters": PROJECT,
        "requestBody": _request(IndicatorCreateSchema),
        "responses": {"201": _body(IndicatorSchema, "The indicator"), **MANAGE},
    }},
    "api.report_indicator_value": {"post": {
        "summary": "The delivery owner or an officer reports a value measured on an indicator "
                   "with its evidence. Another unit (wrong_unit), a negative value the "
                   "indicator does not allow, a date in the future or before the pilot was "
                   "funded, a second value for the same day (invalid_measurement): refused, "
                   "nothing recorded",
        "tags": TAG, "security": SECURED, "parameters": [*PROJECT, NUMBER],
        "requestBody": _request(ValueCreateSchema),
        "responses": {"201": _body(IndicatorSchema, "The indicator with its values"),
                      **MANAGE},
    }},
}
