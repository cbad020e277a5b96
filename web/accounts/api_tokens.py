"""API tokens: trade an email and password for a bearer token, list yours, revoke one.

Tokens expire (CIVICFUND_API_TOKEN_DAYS, 30 days by default) and are kept only as hashes.
"""

from __future__ import annotations

from uuid import UUID

from flask import jsonify

from web.api import bp
from web.api.http import ApiError, json_body, not_found, require_caller
from web.api.schemas import TokenInfoSchema, TokenListSchema, TokenRequestSchema, TokenSchema, one
from web.services import platform


@bp.post("/tokens")
def issue_token():
    credentials = json_body(one(TokenRequestSchema))
    accounts = platform().accounts
    account = accounts.authenticate(credentials["email"], credentials["password"])
    if account is None:
        # One answer for an unknown email and a wrong password: never say which.
        raise ApiError(
            401, "invalid_credentials", "That email and password do not match an account",
            headers={"WWW-Authenticate": 'Bearer realm="civicfund"'},
        )
    issued = accounts.issue(account.id)
    body = one(TokenSchema).dump({
        "id": issued.id, "token": issued.token, "account_id": account.id, "role": account.role,
        "expires_at": issued.expires_at,
    })
    return jsonify(body), 201


@bp.get("/tokens")
def list_tokens():
    user = require_caller()
    tokens = platform().accounts.tokens_of(user.account_id)
    return jsonify(one(TokenListSchema).dump({"tokens": tokens}))


@bp.delete("/tokens/<uuid:token_id>")
def revoke_token(token_id: UUID):
    user = require_caller()
    revoked = platform().accounts.revoke_token(user.account_id, token_id)
    if revoked is None:
        raise not_found("token")
    return jsonify(one(TokenInfoSchema).dump(revoked))
