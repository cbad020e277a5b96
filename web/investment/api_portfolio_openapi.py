"""The portfolio route's entry in the OpenAPI document (web/api/openapi.py adds it)."""

from __future__ import annotations

from web.investment.api_portfolio_schemas import CardChangeSchema, PortfolioSchema
from web.investment.api_schemas import InvestmentSchema

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.my_investments": {"get": {
        "summary": "The calling investor's portfolio: per holding what they committed, paid in "
                   "and received, the capital outstanding, the multiple, XIRR and performance "
                   "against the bond's schedule, and every cash flow (paid in negative) with "
                   "the reason that produced it",
        "tags": ["investment"], "security": [{"bearer": []}],
        "responses": {"200": {"description": "The portfolio", "content": {
            "application/json": {"schema": PortfolioSchema}}},
            "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.my_statement": {"get": {
        "summary": "The calling investor's statement for a calendar year, as CSV: one row per "
                   "cash flow of the year, grouped by holding (date, pilot, project_id, "
                   "offer_id, kind, amount (signed decimal string, paid in negative), currency, "
                   "reason naming the commitment, schedule line, or benefit report, tier and "
                   "agreement version, and the event's position in the log), then per currency "
                   "the rows total_paid_in (a positive sum), total_interest, total_capital and "
                   "total_distribution. A year without flows is the header row alone",
        "tags": ["investment"], "security": [{"bearer": []}],
        "parameters": [{"in": "path", "name": "year", "required": True,
                        "description": "The calendar year, four digits (2000 to 2999)",
                        "schema": {"type": "string", "pattern": "^[0-9]{4}$",
                                   "example": "2027"}}],
        "responses": {"200": {"description": "The statement", "content": {
            "text/csv": {"schema": {"type": "string"}}}},
            "401": "Unauthorised", "403": "Forbidden",
            "404": {"description": "404 no_such_year: the year is not four digits from 2000 "
                                   "to 2999", "content": {"application/json": {
                                       "schema": {"$ref": "#/components/schemas/Error"}}}}},
    }},
    "api.change_investment_card": {"post": {
        "summary": "After a failed pay-in, pay in with another card: recorded, then charged at "
                   "once (the commitment's state says whether it went through; a decline is "
                   "recorded and shown in the portfolio). Refused unless the pay-in failed "
                   "(invalid_state)",
        "tags": ["investment"], "security": [{"bearer": []}],
        "parameters": [{"in": "path", "name": "commitment_id", "required": True,
                        "description": "The investment commitment's id",
                        "schema": {"type": "string", "format": "uuid"}}],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": CardChangeSchema}}},
        "responses": {"200": {"description": "The commitment", "content": {
            "application/json": {"schema": InvestmentSchema}}},
            "400": "MalformedJson", "415": "UnsupportedMediaType", "422": "Invalid",
            "401": "Unauthorised", "403": "Forbidden", "404": "NotFound", "409": "Conflict"},
    }},
}
