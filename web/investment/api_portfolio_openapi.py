"""The portfolio route's entry in the OpenAPI document (web/api/openapi.py adds it)."""

from __future__ import annotations

from web.investment.api_portfolio_schemas import PortfolioSchema

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
}
