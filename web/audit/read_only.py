"""Auditors read everything and change nothing.

One guard, before every other check (CSRF included): an auditor's request that could change
anything is refused with 403, whatever the page or API route. The only exceptions are the
auditor's own sign-in, sessions and API tokens, and their own pledges from before a role change.
Pages then open for auditors as for an administrator, with every form control disabled by the
base template and personal data masked by the `personal` filter."""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from web.errors import error_page, json_error, wants_json
from web.services import platform

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# The auditor's own credentials: signing out, their password, sessions and API tokens.
OWN_CREDENTIALS = frozenset({
    "auth.login", "auth.logout", "security.change_password", "security.end_other_sessions",
    "security.create_token", "security.revoke_token", "api.issue_token", "api.revoke_token",
})

# A role change keeps a person's pledges theirs: an auditor who pledged as a citizen still
# cancels their own pledges and fixes their cards (never anyone else's).
OWN_PLEDGE_CHANGES = frozenset({
    "pledges.cancel", "pledges.change_card", "api.cancel_pledge", "api.change_payment_method",
})

REFUSAL = ("Auditors read everything and change nothing: this would change the platform, so it "
           "is refused for an auditor's account.")


def is_auditor() -> bool:
    return bool(current_user and current_user.is_authenticated
                and current_user.has_role("auditor"))


def refuse_auditors_changes():
    if request.method in SAFE_METHODS or request.endpoint in OWN_CREDENTIALS:
        return None
    if not is_auditor() or _their_own_pledge():
        return None
    if wants_json():
        return json_error(403, "read_only", REFUSAL)
    return error_page(403, "Read-only for auditors", REFUSAL)


def _their_own_pledge() -> bool:
    if request.endpoint not in OWN_PLEDGE_CHANGES:
        return False
    pledge = platform().read.pledge((request.view_args or {}).get("pledge_id"))
    return pledge is not None and pledge.citizen_id == current_user.account_id


def case_values() -> frozenset[str]:
    """The names and emails of the accounts the auditor has a running case on (an
    administrator granted it), once a request."""
    if "case_values" not in g:
        values: set[str] = set()
        p = platform()
        for account_id in p.app.cases_of(current_user.account_id):
            account = p.accounts.get(account_id)
            if account is not None:
                values.update(v for v in (account.name, account.email) if v)
        g.case_values = frozenset(values)
    return g.case_values


def mask(value: object) -> str:
    """Personal data (a name, an email) as an auditor sees it: present, never readable, unless
    an administrator granted the auditor a case on that person's account."""
    text = str(value or "")
    if not is_auditor() or not text or text in case_values():
        return text
    if "@" in text:
        local = text.partition("@")[0]
        return f"{local[:1]}…@…"
    return " ".join(f"{word[:1]}." for word in text.split())


def init_app(app: Flask) -> None:
    """Before CSRF protection, so an auditor's refused change reads as refused, not expired."""
    app.before_request(refuse_auditors_changes)
    app.add_template_filter(mask, "personal")
    app.add_template_global(is_auditor, "is_auditor")
