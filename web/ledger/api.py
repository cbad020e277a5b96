"""The ledger: any account's balance and its postings, each with the event it came from.

Project, fund, budget-line and offer accounts are public; a citizen's (or an investor's)
accounts are shown to that account, to city officers and to auditors (and administrators)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from adapters.ledger import AccountPage
from domain.ledger import chart
from domain.ledger.chart import UnknownAccount
from web.api import bp
from web.api.http import ApiError, caller, forbidden, query_args, require_caller
from web.api.schemas import one
from web.crowdfunding.api.projects import visible_project
from web.ledger.api_schemas import LedgerAccountSchema, LedgerPageQuerySchema
from web.services import platform

READS_CITIZENS = ("city", "auditor", "admin")
_SCHEMA = one(LedgerAccountSchema)


def unknown_account(name: str) -> ApiError:
    return ApiError(404, "unknown_account", f"There is no account {name!r} in the ledger")


def _currency_of(account: chart.Account, name: str) -> str:
    """The account's owner must exist and be visible to the caller; returns its currency."""
    read = platform().read
    if account.owner == "project":
        return visible_project(account.owner_id, caller()).currency
    if account.owner == "fund":
        fund = read.matching_fund(account.owner_id)
        if fund is None:
            raise unknown_account(name)
        return fund.currency
    if account.owner == "offer":
        offer = read.offer(account.owner_id)
        if offer is None or offer.project_status == "draft":
            raise unknown_account(name)
        return offer.currency
    if account.owner == "budget-line":
        currency = read.budget_line_currency(account.owner_id)
        if currency is None:
            raise unknown_account(name)
        return currency
    user = require_caller()
    if user.account_id != account.owner_id and not user.has_role(*READS_CITIZENS):
        raise forbidden("A citizen's accounts are shown only to them, city officers and auditors")
    if platform().accounts.get(account.owner_id) is None:
        raise unknown_account(name)
    return account.currency or "EUR"


@bp.get("/ledger/accounts/<path:name>")
def ledger_account(name: str):
    try:
        account = chart.parse(name)
    except UnknownAccount as error:
        raise ApiError(400, "invalid_account_name", str(error)) from None
    currency = _currency_of(account, name)
    wanted = query_args(one(LedgerPageQuerySchema))
    page, per_page = wanted["page"], wanted["per_page"]
    found = platform().ledger.account(
        account.name, currency, offset=(page - 1) * per_page, limit=per_page
    )
    pages = max(1, -(-found.total // per_page))
    if page > pages:
        raise ApiError(404, "page_out_of_range",
                       f"This account has {found.total} postings: {pages} page(s) of {per_page}",
                       fields={"page": [f"at most {pages}"]})
    return jsonify(_SCHEMA.dump(_answer(account, found, page, per_page, pages)))


def _answer(account: chart.Account, found: AccountPage, page: int, per_page: int,
            pages: int) -> dict[str, Any]:
    return {
        "account": account.name, "owner": account.owner, "owner_id": account.owner_id,
        "bucket": account.bucket, "project_id": account.project_id,
        "currency": found.currency, "balance": found.balance,
        "postings_count": found.total, "page": page, "per_page": per_page, "pages": pages,
        "postings": [
            {"position": p.position, "event": p.event, "amount": p.amount,
             "pledge_id": p.pledge_id, "recorded_at": p.recorded_at,
             "counterparts": [{"account": name, "amount": amount}
                              for name, amount in p.counterparts]}
            for p in found.postings
        ],
    }

