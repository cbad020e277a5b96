"""An investor's portfolio through API v1: `GET /api/v1/me/investments`, their yearly statement
(`GET /api/v1/me/statements/{year}.csv`), and another card for a commitment whose pay-in
failed."""

from __future__ import annotations

from uuid import UUID

from flask import Response, jsonify

from adapters.statement_queries import statement_year
from web.api import bp
from web.api.http import ApiError, json_body, not_found, require_caller
from web.api.schemas import one
from web.investment.api import investment_json
from web.investment.api_portfolio_schemas import CardChangeSchema, PortfolioSchema
from web.investment.statement_csv import statement_csv
from web.services import command, platform

INVESTORS = ("citizen", "investor")


@bp.get("/me/investments")
def my_investments():
    user = require_caller(*INVESTORS)
    today = platform().clock.now().date()
    holdings = platform().read.portfolio(user.account_id, today)
    return jsonify(one(PortfolioSchema).dump({"investments": holdings}))


@bp.get("/me/statements/<string:year>.csv")
def my_statement(year: str):
    user = require_caller(*INVESTORS)
    wanted = statement_year(year)
    if wanted is None:
        raise ApiError(404, "no_such_year",
                       f"No statement for {year!r}: ask for a year such as 2027")
    body = statement_csv(platform().read.statement(user.account_id, wanted))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="civicfund-statement-{wanted}.csv"',
        "Cache-Control": "no-store"})


@bp.post("/investment-commitments/<uuid:commitment_id>/payment-method")
def change_investment_card(commitment_id: UUID):
    user = require_caller(*INVESTORS)
    wanted = json_body(one(CardChangeSchema))
    found = platform().read.investment(commitment_id)
    if found is None or found.investor_id != user.account_id:
        raise not_found("investment commitment")
    command(lambda: platform().app.change_investment_card(
        found.offer_id, commitment_id, payment_method=wanted["payment_method"]),
        actor=user.actor)
    return jsonify(investment_json(platform().read.investment(commitment_id)))
