"""No request ends in a bare 500: errors become a page or a JSON error with a stable code."""

from __future__ import annotations

import logging

import psycopg
import sqlalchemy.exc
from eventsourcing.persistence import IntegrityError as EventStoreConflict
from eventsourcing.persistence import InterfaceError as EventStoreInterfaceError
from eventsourcing.persistence import OperationalError as EventStoreOperationalError
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from domain.kernel.errors import (
    CampaignNotOpen,
    ConcurrentChange,
    DomainError,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Unavailable,
)
from web.i18n.messages import localised

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}

# Storage out of reach (a restart, dropped connections): the request changed nothing it did not
# report, so it is the client's to retry.
UNAVAILABLE = (
    EventStoreOperationalError, EventStoreInterfaceError, sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError,
)
RETRY_AFTER = "2"


def status_for(error: DomainError) -> int:
    if isinstance(error, Unavailable):
        return 503
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, NotPermitted):
        return 403
    if isinstance(error, CampaignNotOpen | InvalidTransition | ConcurrentChange):
        return 409
    return 422


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/"))


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def error_page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        message = (
            "This form has expired or was not sent from civicfund. "
            "Reload the page and try again."
        )
        if wants_json():
            return json_error(400, "csrf_failed", message)
        return error_page(400, "Form expired", message)

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        status = status_for(error)
        headers = {"Retry-After": RETRY_AFTER} if status == 503 else {}
        if wants_json():
            fields = {error.field: [error.message]} if error.field else {}
            body, _ = json_error(status, error.code, error.message, fields)
            return body, status, headers
        title = "Please try again" if status == 503 else "That didn't work"
        page, _ = error_page(status, title, localised(error))
        return page, status, headers

    for unavailable in UNAVAILABLE:
        @app.errorhandler(unavailable)
        def _unavailable(error: Exception):
            log.warning("storage unavailable on %s %s: %s", request.method, request.path, error)
            return _domain(Unavailable(
                "civicfund could not reach its database just now. Please try again in a moment."
            ))

    @app.errorhandler(EventStoreConflict)
    def _conflict(error: EventStoreConflict):
        # Another request recorded a change to the same aggregate after this one read it; the
        # event store refused this request's (stale) change, so it is the user's to retry.
        log.info("concurrent change refused on %s %s: %s", request.method, request.path, error)
        return _domain(ConcurrentChange(
            "Something this change depends on was changed at the same time; please try again"
        ))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        status = error.code or 500
        # Keep the headers the exception carries (Allow on 405, WWW-Authenticate on 401).
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if wants_json():
            code = HTTP_CODES.get(status, "http_error")
            body, _ = json_error(status, code, error.description or "")
            return body, status, headers
        page, _ = error_page(status, error.name, error.description or "")
        return page, status, headers

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = (
            "Something went wrong on our side. Please try again; "
            "if it keeps happening, quote the request id below."
        )
        if wants_json():
            return json_error(500, "internal_error", message)
        return error_page(500, "Something went wrong", message)
