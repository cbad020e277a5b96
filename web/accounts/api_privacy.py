"""GET /api/v1/me/export: the caller's own data as JSON (what the account page's download
gives too)."""

from __future__ import annotations

from flask import jsonify

from web.accounts.personal_data import data_of
from web.accounts.personal_data_json import personal_data_json
from web.api import bp
from web.api.http import require_caller


@bp.get("/me/export")
def export_my_data():
    user = require_caller()
    response = jsonify(personal_data_json(data_of(user.record)))
    response.headers["Cache-Control"] = "no-store"
    return response
