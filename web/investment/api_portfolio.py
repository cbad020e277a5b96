"""An investor's portfolio through API v1: `GET /api/v1/me/investments`."""

from __future__ import annotations

from flask import jsonify

from web.api import bp
from web.api.http import require_caller
from web.api.schemas import one
from web.investment.api_portfolio_schemas import PortfolioSchema
from web.services import platform

INVESTORS = ("citizen", "investor")


@bp.get("/me/investments")
def my_investments():
    user = require_caller(*INVESTORS)
    today = platform().clock.now().date()
    holdings = platform().read.portfolio(user.account_id, today)
    return jsonify(one(PortfolioSchema).dump({"investments": holdings}))
