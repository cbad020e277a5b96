"""POST /api/v1/tokens: trade an email and password for a bearer token."""

from __future__ import annotations

from flask import jsonify

from web.api import bp
from web.api.http import ApiError, json_body
from web.api.schemas import TokenRequestSchema, TokenSchema
from web.services import platform


@bp.post("/tokens")
def issue_token():
    credentials = json_body(TokenRequestSchema())
    accounts = platform().accounts
    account = accounts.authenticate(credentials["email"], credentials["password"])
    if account is None:
        # One answer for an unknown email and a wrong password: never say which.
        raise ApiError(
            401, "invalid_credentials", "That email and password do not match an account",
            headers={"WWW-Authenticate": 'Bearer realm="civicfund"'},
        )
    token = accounts.issue_token(account.id)
    body = TokenSchema().dump({"token": token, "account_id": account.id, "role": account.role})
    return jsonify(body), 201
