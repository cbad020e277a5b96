"""Rate limits (Flask-Limiter) on what attackers repeat: guessing passwords, making accounts,
asking for reset mail, pledging. Each is limited per address and per account.

`CIVICFUND_RATE_LIMITS=off` turns them off (load tests and benchmarks pledge from one address
far faster than people do). Counts live in this process's memory unless
`CIVICFUND_RATE_LIMIT_STORAGE` names a shared store (e.g. `redis://host:6379`), which several web
processes need to count together.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user

from adapters.accounts import normalise_email
from adapters.settings import Settings
from web.errors import error_page, json_error, wants_json


def client_address() -> str:
    """The address the request came from (ProxyFix sets it from X-Forwarded-For when
    CIVICFUND_PROXIES says how many proxies to trust)."""
    return request.remote_addr or "unknown"


def submitted_email() -> str:
    """The account a login, token or reset request names, from the form or the JSON body."""
    email = request.form.get("email")
    if email is None:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    return "email:" + (normalise_email(email if isinstance(email, str) else "")[:254] or "-")


def signed_in_account() -> str:
    """The account acting: the session's, or the bearer token's; the address without either."""
    if current_user.is_authenticated:
        return f"account:{current_user.account_id}"
    return f"address:{client_address()}"


def wrong_credentials(response) -> bool:
    return response.status_code == 401


def mail_sent(response) -> bool:
    return response.status_code in (200, 302, 303)


@dataclass(frozen=True)
class Rule:
    limits: str
    key: object  # a function of the request
    only_when: object = None  # count only responses for which this says True
    scope: str | None = None  # routes with the same scope share one count


BY_ADDRESS, BY_EMAIL, BY_ACCOUNT = client_address, submitted_email, signed_in_account

# Guessing passwords through the login form or the token endpoint counts in one bucket.
GUESSES_BY_ADDRESS = Rule("20 per minute; 200 per hour", BY_ADDRESS, wrong_credentials,
                          "credentials-address")
GUESSES_BY_ACCOUNT = Rule("5 per minute; 30 per hour", BY_EMAIL, wrong_credentials,
                          "credentials-account")
PLEDGES_BY_ADDRESS = Rule("60 per minute", BY_ADDRESS, scope="pledges-address")
PLEDGES_BY_ACCOUNT = Rule("10 per minute; 100 per day", BY_ACCOUNT, scope="pledges-account")
# Questions, comments and answers, by page or API, share one count per account and per address;
# reports another.
WRITING_BY_ACCOUNT = Rule("5 per minute; 50 per day", BY_ACCOUNT, scope="conversation-account")
WRITING_BY_ADDRESS = Rule("30 per minute", BY_ADDRESS, scope="conversation-address")
REPORTS_BY_ACCOUNT = Rule("10 per minute; 100 per day", BY_ACCOUNT, scope="reports-account")

LIMITS: dict[str, tuple[Rule, ...]] = {
    "auth.login": (GUESSES_BY_ADDRESS, GUESSES_BY_ACCOUNT),
    "api.issue_token": (GUESSES_BY_ADDRESS, GUESSES_BY_ACCOUNT),
    "auth.register": (Rule("10 per minute; 30 per hour", BY_ADDRESS),
                      Rule("3 per hour", BY_EMAIL, mail_sent)),
    "password_reset.forgot": (Rule("10 per minute; 30 per hour", BY_ADDRESS),
                              Rule("3 per hour", BY_EMAIL, mail_sent)),
    "password_reset.reset": (Rule("10 per minute; 50 per hour", BY_ADDRESS),),
    "email_confirmation.resend": (Rule("3 per hour", BY_ACCOUNT),),
    "pledges.pledge": (PLEDGES_BY_ADDRESS, PLEDGES_BY_ACCOUNT),
    "api.make_pledge": (PLEDGES_BY_ADDRESS, PLEDGES_BY_ACCOUNT),
    "conversation.post_comment": (WRITING_BY_ADDRESS, WRITING_BY_ACCOUNT),
    "conversation.answer": (WRITING_BY_ADDRESS, WRITING_BY_ACCOUNT),
    "api.post_comment": (WRITING_BY_ADDRESS, WRITING_BY_ACCOUNT),
    "api.answer_comment": (WRITING_BY_ADDRESS, WRITING_BY_ACCOUNT),
    "conversation.report": (REPORTS_BY_ACCOUNT,),
    "api.report_comment": (REPORTS_BY_ACCOUNT,),
}
WHAT = {
    "auth.login": "logging in", "api.issue_token": "API token requests",
    "auth.register": "registering", "password_reset.forgot": "password reset requests",
    "password_reset.reset": "password resets", "email_confirmation.resend": "confirmation mail",
    "pledges.pledge": "pledging", "api.make_pledge": "pledging",
    "conversation.post_comment": "posting questions and comments",
    "conversation.answer": "posting questions and comments",
    "api.post_comment": "posting questions and comments",
    "api.answer_comment": "posting questions and comments",
    "conversation.report": "reporting", "api.report_comment": "reporting",
}


def init_app(app: Flask, settings: Settings) -> None:
    """Limit the routes in LIMITS (they must be registered already); nothing when off."""
    app.register_error_handler(RateLimitExceeded, _too_many)
    if settings.rate_limits == "off":
        return
    limiter = Limiter(
        key_func=client_address, storage_uri=settings.rate_limit_storage,
        strategy="moving-window", key_prefix="civicfund", headers_enabled=False,
    )
    limiter.init_app(app)
    # Every limit here decorates its view and is checked there; the hook Flask-Limiter adds
    # before every request only serves default and application-wide limits, which we do not
    # set, and costs a lookup on every page and API read.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.extensions["civicfund_limiter"] = limiter
    for endpoint, rules in LIMITS.items():
        view = app.view_functions[endpoint]
        for rule in rules:
            limit = limiter.shared_limit if rule.scope else limiter.limit
            options = {"scope": rule.scope} if rule.scope else {}
            view = limit(
                rule.limits, key_func=rule.key, methods=["POST"], deduct_when=rule.only_when,
                **options,
            )(view)
        app.view_functions[endpoint] = view


def _retry_after() -> int:
    limiter = current_app.extensions.get("civicfund_limiter")
    breached = limiter.current_limit if limiter is not None else None
    if breached is None:
        return 60
    reset_at, _remaining = breached.window
    return max(1, math.ceil(reset_at - time.time()))


def _too_many(error: RateLimitExceeded):
    seconds = _retry_after()
    wait = f"{seconds} seconds" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    what = WHAT.get(request.endpoint or "", "this")
    message = (f"Too many attempts at {what} from your address or account in a short time. "
               f"For everyone's safety it is paused: try again in about {wait}.")
    headers = {"Retry-After": str(seconds)}
    if wants_json():
        body, status = json_error(429, "rate_limited", message)
        return body, status, headers
    page, status = error_page(429, "Please wait a moment", message)
    return page, status, headers
