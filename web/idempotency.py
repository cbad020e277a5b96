"""`Idempotency-Key` on requests that must not act twice: a retry gets the first answer.

The key is the client's (any printable ASCII up to 255 characters; the pledge form makes one per
rendering). Answers are kept per account; an answer that says the platform was unavailable
(5xx), a conflict to retry (409 `conflict`) or a rate limit (429) is not kept, so a retry with the
same key runs the request again, which is safe: the use cases that take a key name their
effects by it (a pledge's id is derived from it) and find them if they were recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request

from adapters.idempotency import Answer, Claim, KeyInUse, KeyReused, fingerprint, valid_key
from web.errors import json_error
from web.services import platform

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
NOT_KEPT_CODES = {"conflict", "rate_limited", "too_many_requests"}


def current_claim() -> Claim | None:
    """The key this request runs under, if it came with one."""
    return g.get("idempotency_claim")


def idempotent(account: Callable[[], Any]) -> Callable:
    """Decorate an API view. `account()` is the caller (raising the API's error if there is
    none), whose keys the request's key is kept among."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not valid_key(key):
                return json_error(400, "invalid_idempotency_key",
                                  f"{HEADER} must be 1 to 255 printable ASCII characters")
            try:
                user = account()
                store = platform().idempotency
                outcome = store.claim(
                    user.account_id, key, f"{request.method} {request.url_rule}",
                    fingerprint(request.method, request.path, request.get_data(cache=True)),
                )
            except KeyReused as error:
                return json_error(422, "idempotency_key_reused", str(error))
            except KeyInUse as error:
                body, status = json_error(409, "idempotency_in_progress", str(error))
                return body, status, {"Retry-After": str(error.retry_after)}
            except Exception as error:  # the caller's own error (401, 403) or storage down
                return _answer_for(error)
            if isinstance(outcome, Answer):
                return _replay(outcome)
            g.idempotency_claim = outcome
            response = _run(view, args, kwargs)
            _remember(store, user.account_id, key, response)
            return response

        return wrapper

    return decorate


def _answer_for(error: Exception) -> Response:
    return current_app.make_response(current_app.handle_user_exception(error))


def _run(view: Callable, args: tuple, kwargs: dict) -> Response:
    try:
        return current_app.make_response(view(*args, **kwargs))
    except Exception as error:
        return _answer_for(error)


def _replay(answer: Answer) -> Response:
    response = current_app.response_class(
        answer.body, status=answer.status, mimetype="application/json"
    )
    if answer.location:
        response.headers["Location"] = answer.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _kept(response: Response) -> bool:
    if response.status_code >= 500:
        return False
    body = response.get_json(silent=True) or {}
    code = (body.get("error") or {}).get("code") if isinstance(body, dict) else None
    return code not in NOT_KEPT_CODES


def _remember(store, account_id, key: str, response: Response) -> None:
    try:
        if _kept(response):
            store.keep(account_id, key, status=response.status_code,
                       body=response.get_data(as_text=True),
                       location=response.headers.get("Location"))
        else:
            store.let_go(account_id, key)
    except Exception:
        # The answer stands; the key stays claimed until its lease ends, and a retry then runs
        # the request again, which finds what this run recorded.
        log.warning("could not keep the answer for an idempotency key", exc_info=True)
