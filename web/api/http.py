"""The API's plumbing: JSON bodies read through a schema, bearer-token callers, JSON errors."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, jsonify, request
from marshmallow import Schema, ValidationError

from web.api.schemas import field_messages
from web.users import User, account_of_token

JSON_TYPES = ("application/json",)


class ApiError(Exception):
    """Answered as {"error": {"code", "message", "fields"}} with a 4xx status."""

    def __init__(
        self, status: int, code: str, message: str, *, fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}

    def response(self) -> tuple[Response, int, dict[str, str]]:
        body = {"error": {"code": self.code, "message": self.message, "fields": self.fields}}
        return jsonify(body), self.status, self.headers


def not_found(what: str = "thing") -> ApiError:
    return ApiError(404, "not_found", f"No such {what}")


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def invalid(error: ValidationError) -> ApiError:
    return ApiError(422, "invalid", "Some fields are not right", fields=field_messages(error))


# -- bodies ------------------------------------------------------------------------------------

def _is_json_type() -> bool:
    mimetype = request.mimetype or ""
    return mimetype in JSON_TYPES or (mimetype.startswith("application/") and
                                      mimetype.endswith("+json"))


def json_body(schema: Schema, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, loaded through `schema` (unknown fields refused).

    With `optional`, an empty body is read as {}.
    """
    raw = request.get_data(cache=True)
    if optional and not raw.strip():
        return schema.load({})
    if not _is_json_type():
        raise ApiError(
            415, "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json",
        )
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError(400, "malformed_json", "The body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object")
    try:
        return schema.load(data)
    except ValidationError as error:
        raise invalid(error) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def query_args(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict(flat=True))
    except ValidationError as error:
        raise invalid(error) from None


# -- callers -----------------------------------------------------------------------------------

def _unauthorised(message: str, *, invalid_token: bool = False) -> ApiError:
    challenge = 'Bearer realm="civicfund"' + (', error="invalid_token"' if invalid_token else "")
    return ApiError(401, "unauthorised", message, headers={"WWW-Authenticate": challenge})


def caller() -> User | None:
    """The account whose bearer token came with the request; None without a token.

    The API never reads the session cookie: it is exempt from CSRF, so only a token may act.
    """
    if "api_caller" in g:  # looked up once per request
        return g.api_caller
    g.api_caller = _caller_of_token()
    return g.api_caller


def _caller_of_token() -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("Send the token as 'Authorization: Bearer TOKEN'")
    record = account_of_token(token.strip())
    if record is None:
        raise _unauthorised("That token is not valid", invalid_token=True)
    return User(record)


def require_caller(*roles: str) -> User:
    """The token's account, which must hold one of `roles` (any role when none are given)."""
    user = caller()
    if user is None:
        raise _unauthorised(
            "This needs an API token: POST /api/v1/tokens, then send 'Authorization: Bearer TOKEN'"
        )
    if roles and not user.has_role(*roles):
        raise forbidden(f"This needs the role {' or '.join(roles)}; your account is {user.role}")
    return user
