"""GET /api/v1/openapi.json: the OpenAPI 3 document of every route the API blueprint serves.

Paths come from the app's URL map, so a route cannot exist without appearing here; what each
operation takes and answers is declared below, from the same marshmallow schemas the views use.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, jsonify

from web.accounts.personal_data_json import PersonalDataSchema
from web.api import bp
from web.api.schemas import (
    MOMENT_PATTERN,
    DeliveryOwnerSchema,
    ErrorSchema,
    MilestoneCreateSchema,
    MilestoneListSchema,
    MilestoneSchema,
    PaymentMethodSchema,
    PledgeCreateSchema,
    PledgeListSchema,
    PledgeSchema,
    ProjectCancelSchema,
    ProjectCreateSchema,
    ProjectFilterSchema,
    ProjectListSchema,
    ProjectSchema,
    ReceiptListSchema,
    SuggestedAmountsSchema,
    TokenInfoSchema,
    TokenListSchema,
    TokenRequestSchema,
    TokenSchema,
    UpdateCreateSchema,
    UpdateListSchema,
    UpdateSchema,
)
from web.audit.api_openapi import OPERATIONS as AUDIT_OPERATIONS
from web.conversation.api_openapi import OPERATIONS as CONVERSATION_OPERATIONS
from web.crowdfunding.api.impact_openapi import OPERATIONS as IMPACT_OPERATIONS
from web.crowdfunding.api.pledge_statements import OPERATIONS as PLEDGE_STATEMENT_OPERATIONS
from web.investment.api_agreement_openapi import OPERATIONS as AGREEMENT_OPERATIONS
from web.investment.api_openapi import OPERATIONS as INVESTMENT_OPERATIONS
from web.investment.api_portfolio_openapi import OPERATIONS as PORTFOLIO_OPERATIONS
from web.ledger.api_schemas import LedgerAccountSchema, LedgerPageQuerySchema
from web.matching.api_schemas import (
    RULE_PARAMETERS,
    FundClosedSchema,
    FundCreateSchema,
    FundFilterSchema,
    FundListSchema,
    FundSchema,
    MatchPreviewQuerySchema,
    RulesAmendedSchema,
    TopUpSchema,
    rule_kind_schemas,
    rule_schema_name,
)
from web.matching.preview_json import MatchPreviewSchema
from web.pictures.api_openapi import OPERATIONS as PICTURE_OPERATIONS
from web.procurement.api_department_schemas import (
    BudgetLineCreateSchema,
    CommitmentCreateSchema,
    CommitmentListSchema,
    CommitmentSchema,
    DepartmentCreateSchema,
    DepartmentFilterSchema,
    DepartmentListSchema,
    DepartmentSchema,
)
from web.procurement.api_openapi import OPERATIONS as PROCUREMENT_OPERATIONS
from web.transparency.api_openapi import OPERATIONS as TRANSPARENCY_OPERATIONS

OPENAPI_VERSION = "3.0.3"
_CONVERTER = re.compile(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

ERRORS = {
    "MalformedJson": (
        "400 malformed_json: the body is not a JSON object; or invalid_idempotency_key"
    ),
    "Unauthorised": "401 unauthorised: no valid bearer token (see WWW-Authenticate)",
    "InvalidCredentials": "401 invalid_credentials: that email and password match no account",
    "Forbidden": (
        "403 forbidden: the token's role may not do this (or, for a proposer, the project is "
        "not one they are delivery owner of); read_only: an auditor's token changes nothing"
    ),
    "EmailUnconfirmed": (
        "403 forbidden (not a citizen's token) or email_unconfirmed: the citizen has not yet "
        "confirmed their email (the link mailed at registration), which a first pledge needs"
    ),
    "NotFound": "404 not_found: no such resource, or one this caller may not see",
    "UnknownPosition": (
        "404 unknown_position: a position beyond the log's newest; or unknown_aggregate: no "
        "such aggregate had an event by then"
    ),
    "Conflict": (
        "409 campaign_not_open, invalid_state, optimum_not_reached, sealed or conflict: not "
        "possible in "
        "the current state (e.g. a closed matching fund), or changed at the same time"
    ),
    "UnsupportedMediaType": "415 unsupported_media_type: send Content-Type: application/json",
    "InvalidAccountName": "400 invalid_account_name: not the name of an account of the chart",
    "UnknownAccount": (
        "404 unknown_account: no such owner (or a draft project this caller may not see); "
        "page_out_of_range: the account has fewer pages of postings"
    ),
    "Unavailable": (
        "503 unavailable: the database could not be reached, nothing was recorded; or "
        "outcome_unknown: storage failed while recording and could not be asked afterwards. "
        "Retry after Retry-After seconds with the same Idempotency-Key: it finds the change if it "
        "was recorded and never makes it twice"
    ),
    "KeyConflict": (
        "409 idempotency_in_progress: a request with this Idempotency-Key is still being "
        "processed (retry after Retry-After seconds); or a state conflict as for other writes"
    ),
    "RateLimited": (
        "429 rate_limited: too many attempts from this address or account; the Retry-After "
        "header says in how many seconds to try again"
    ),
    "Invalid": (
        "422 invalid (fields refused by the schema, including unknown fields) or a domain code: "
        "invalid_amount, currency_mismatch, unknown_currency, invalid_project, invalid_city, "
        "invalid_account, payment_declined, invalid_fund, invalid_rules, invalid_department, "
        "over_committed, invalid_call, invalid_proposal, invalid_score, over_envelope, "
        "invalid_offer, invalid_terms, over_subscribed, ticket_too_small, "
        "appropriateness_required, wrong_answers, invalid_comment, invalid_preference"
    ),
}


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _request(schema: Any, *, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _uuid(name: str, what: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": f"The {what}'s id",
            "schema": {"type": "string", "format": "uuid"}}


IDEMPOTENCY_KEY = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": (
        "Any unique string (1-255 printable ASCII characters) per intended action, e.g. a UUID. "
        "A retry with the same key gets the first answer (with Idempotent-Replayed: true) and "
        "never acts twice, across processes and restarts; the key is kept 24 hours per account. "
        "The same key with a different body is refused (422 idempotency_key_reused)"
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}

MILESTONE_NUMBER = {"in": "path", "name": "number", "required": True,
                    "description": "The milestone's number, 1 for the first planned",
                    "schema": {"type": "integer", "minimum": 1}}


WRITE_ERRORS = {"400": "MalformedJson", "415": "UnsupportedMediaType", "422": "Invalid"}
SECURED = [{"bearer": []}]

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.issue_token": {"post": {
        "summary": "Trade an email and password for a bearer token",
        "tags": ["tokens"],
        "requestBody": _request(TokenRequestSchema),
        "responses": {"201": _body(TokenSchema, "A new token, expiring after 30 days"),
                      **WRITE_ERRORS, "401": "InvalidCredentials", "429": "RateLimited"},
    }},
    "api.list_tokens": {"get": {
        "summary": "The caller's API tokens that have not expired (never the tokens themselves)",
        "tags": ["tokens"],
        "security": SECURED,
        "responses": {"200": _body(TokenListSchema, "Tokens, newest first"),
                      "401": "Unauthorised"},
    }},
    "api.revoke_token": {"delete": {
        "summary": "Revoke one of the caller's tokens (the one sent, too)",
        "tags": ["tokens"],
        "security": SECURED,
        "parameters": [_uuid("token_id", "token")],
        "responses": {"200": _body(TokenInfoSchema, "The token as it was; requests sending it "
                                                    "are refused from now on"),
                      "401": "Unauthorised", "404": "NotFound"},
    }},
    "api.list_projects": {"get": {
        "summary": "Projects that are not drafts (drafts: status=draft, for their officers)",
        "tags": ["projects"],
        "parameters": [{"in": "query", "schema": ProjectFilterSchema}],
        "responses": {"200": _body(ProjectListSchema, "Projects matching the search and the "
                                                      "filters, in the chosen order"),
                      "401": "Unauthorised", "422": "Invalid"},
    }},
    "api.set_suggested_amounts": {"put": {
        "summary": "Set the amounts a project's pledge form suggests (officers of its city)",
        "tags": ["projects"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(SuggestedAmountsSchema),
        "responses": {"200": _body(ProjectSchema, "The project with its suggested_amounts"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.create_project": {"post": {
        "summary": "Draft a project in the officer's city",
        "tags": ["projects"],
        "security": SECURED,
        "requestBody": _request(ProjectCreateSchema),
        "responses": {"201": _body(ProjectSchema, "The draft (see its Location header)"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.get_project": {"get": {
        "summary": "One project with its figures",
        "tags": ["projects"],
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(ProjectSchema, "The project"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.open_campaign": {"post": {
        "summary": "Open a draft's campaign to pledges",
        "tags": ["projects"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(ProjectSchema, "The project, now open"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.make_pledge": {"post": {
        "summary": "Pledge to a project whose campaign is open",
        "tags": ["pledges"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project"), IDEMPOTENCY_KEY],
        "requestBody": _request(PledgeCreateSchema),
        "responses": {"201": _body(PledgeSchema, "The pledge, authorised"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "EmailUnconfirmed", "404": "NotFound",
                      "409": "KeyConflict", "429": "RateLimited", "503": "Unavailable"},
    }},
    "api.my_pledges": {"get": {
        "summary": "The token holder's pledges, newest first",
        "tags": ["pledges"],
        "security": SECURED,
        "responses": {"200": _body(PledgeListSchema, "Pledges"), "401": "Unauthorised"},
    }},
    "api.export_my_data": {"get": {
        "summary": "Download one's own data: account details, pledges with amounts and states, "
                   "the mail written to one, what is recorded about one's API tokens, the pilots "
                   "one delivers and any erasure asked for",
        "tags": ["privacy"],
        "security": SECURED,
        "responses": {"200": _body(PersonalDataSchema, "The caller's data"),
                      "401": "Unauthorised"},
    }},
    "api.get_pledge": {"get": {
        "summary": "One of the token holder's pledges",
        "tags": ["pledges"],
        "security": SECURED,
        "parameters": [_uuid("pledge_id", "pledge")],
        "responses": {"200": _body(PledgeSchema, "The pledge"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.cancel_pledge": {"delete": {
        "summary": "Cancel one's pledge while the campaign takes pledges (whatever one's role "
                   "is now: a role change keeps one's pledges reachable)",
        "tags": ["pledges"],
        "security": SECURED,
        "parameters": [_uuid("pledge_id", "pledge")],
        "responses": {"200": _body(PledgeSchema, "The pledge, cancelled"),
                      "401": "Unauthorised", "404": "NotFound", "409": "Conflict"},
    }},
    "api.close_campaign": {"post": {
        "summary": "Close an open campaign early, once its optimum is reached; it settles at once",
        "tags": ["settlement"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(ProjectSchema, "The project, funded and settled"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.cancel_project": {"post": {
        "summary": "Cancel a project: holds are released and charged pledges refunded",
        "tags": ["settlement"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(ProjectCancelSchema),
        "responses": {"200": _body(ProjectSchema, "The project, cancelled"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.change_payment_method": {"post": {
        "summary": "Give a new card for a pledge whose charge failed; it is charged at once",
        "tags": ["settlement"],
        "security": SECURED,
        "parameters": [_uuid("pledge_id", "pledge"), IDEMPOTENCY_KEY],
        "requestBody": _request(PaymentMethodSchema),
        "responses": {"200": _body(PledgeSchema, "The pledge: charged, or still payment_failed "
                                                 "with the reason in failure"),
                      **WRITE_ERRORS, "401": "Unauthorised", "404": "NotFound",
                      "409": "KeyConflict", "503": "Unavailable"},
    }},
    "api.pledge_receipts": {"get": {
        "summary": "The confirmation, receipts and notices sent about one's pledge, newest first",
        "tags": ["pledges"],
        "security": SECURED,
        "parameters": [_uuid("pledge_id", "pledge")],
        "responses": {"200": _body(ReceiptListSchema, "Messages"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.start_delivery": {"post": {
        "summary": "Start delivering a funded project",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(ProjectSchema, "The project, delivering"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.complete_project": {"post": {
        "summary": "Complete a delivering project whose milestones are all complete",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(ProjectSchema, "The project, completed"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.assign_delivery_owner": {"post": {
        "summary": "Make a proposer's account the delivery owner (it may then plan and complete "
                   "milestones and post updates)",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(DeliveryOwnerSchema),
        "responses": {"200": _body(ProjectSchema, "The project with its delivery_owner_id"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.list_updates": {"get": {
        "summary": "A project's delivery updates, newest first",
        "tags": ["delivery"],
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(UpdateListSchema, "Updates"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.post_update": {"post": {
        "summary": "Post an update on a project (from the campaign's opening on); city "
                   "officers or the project's delivery owner",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(UpdateCreateSchema),
        "responses": {"201": _body(UpdateSchema, "The update"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.list_milestones": {"get": {
        "summary": "A project's milestones in the order they were planned",
        "tags": ["delivery"],
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(MilestoneListSchema, "Milestones"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.plan_milestone": {"post": {
        "summary": "Plan a milestone (numbered in the order planned); city officers or the "
                   "project's delivery owner",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(MilestoneCreateSchema),
        "responses": {"201": _body(MilestoneSchema, "The milestone"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.complete_milestone": {"post": {
        "summary": "Mark a milestone complete while the project is delivering; city officers "
                   "or the project's delivery owner",
        "tags": ["delivery"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project"), MILESTONE_NUMBER],
        "responses": {"200": _body(MilestoneSchema, "The milestone, completed"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.list_matching_funds": {"get": {
        "summary": "Matching funds, by city and in the order they apply to its pilots",
        "tags": ["matching funds"],
        "parameters": [{"in": "query", "schema": FundFilterSchema}],
        "responses": {"200": _body(FundListSchema, "Matching funds"), "401": "Unauthorised",
                      "422": "Invalid"},
    }},
    "api.create_matching_fund": {"post": {
        "summary": "Put up a matching fund for the officer's city, with its first rules "
                   "(version 1, from opens_at)",
        "tags": ["matching funds"],
        "security": SECURED,
        "requestBody": _request(FundCreateSchema),
        "responses": {"201": _body(FundSchema, "The fund (see its Location header)"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.get_matching_fund": {"get": {
        "summary": "One fund: its pool and balances, rules, rule history and matches per project",
        "tags": ["matching funds"],
        "parameters": [_uuid("fund_id", "matching fund")],
        "responses": {"200": _body(FundSchema, "The fund"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.amend_matching_rules": {"post": {
        "summary": "Publish a new version of a fund's rules (same kind); matches made before "
                   "keep the version that made them. Versions cannot overlap or start in the past",
        "tags": ["matching funds"],
        "security": SECURED,
        "parameters": [_uuid("fund_id", "matching fund")],
        "requestBody": _request("RulesAmendment"),
        "responses": {"201": _body(RulesAmendedSchema, "The new version and the fund"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.top_up_matching_fund": {"post": {
        "summary": "Add money to an open fund's pool",
        "tags": ["matching funds"],
        "security": SECURED,
        "parameters": [_uuid("fund_id", "matching fund")],
        "requestBody": _request(TopUpSchema),
        "responses": {"200": _body(FundSchema, "The fund"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.close_matching_fund": {"post": {
        "summary": "End a fund: what is neither committed nor reserved goes back to the sponsor "
                   "(a quadratic round shares its pool first); matches still reserved follow "
                   "their pledges, and what they release goes back too",
        "tags": ["matching funds"],
        "security": SECURED,
        "parameters": [_uuid("fund_id", "matching fund")],
        "responses": {"200": _body(FundClosedSchema, "What went back to the sponsor, and the "
                                                     "fund"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.match_preview": {"get": {
        "summary": "What each matching fund would add to a pledge of this amount now, and why "
                   "(records nothing; with a citizen's token, as that citizen's pledge)",
        "tags": ["matching funds"],
        "parameters": [_uuid("project_id", "project"),
                       {"in": "query", "schema": MatchPreviewQuerySchema}],
        "responses": {"200": _body(MatchPreviewSchema, "The matches and the total"),
                      "401": "Unauthorised", "404": "NotFound", "422": "Invalid"},
    }},
    "api.ledger_account": {"get": {
        "summary": "A ledger account: its balance and its postings, oldest first, each with the "
                   "event it came from and the event's other legs",
        "description": (
            "Every money movement is a set of postings between accounts that sums to zero. "
            "Names: project/{id}/pledged|pending|charged|payout|owed, "
            "fund/{id}/sponsor|available|returned, fund/{id}/reserved|committed/{project id}, "
            "budget-line/{id}/budget|available, budget-line/{id}/committed|drawn/{project id}, "
            "citizen/{id}/promised|paid/{CUR}, offer/{id}/committed|due/{project id}, "
            "investor/{id}/committed|due|received/{CUR}, "
            "project/{id}/benefits|city|communityfund|proposer (distributions). Project, fund "
            "and offer accounts are public; a "
            "citizen's or investor's are shown to that account, city officers, auditors and "
            "administrators."
        ),
        "tags": ["ledger"],
        "parameters": [
            {"in": "path", "name": "name", "required": True,
             "description": "The account's name, e.g. project/<id>/pledged",
             "schema": {"type": "string"}},
            {"in": "query", "schema": LedgerPageQuerySchema},
        ],
        "responses": {
            "200": _body(LedgerAccountSchema, "The account and one page of its postings"),
            "400": "InvalidAccountName", "401": "Unauthorised", "403": "Forbidden",
            "404": "UnknownAccount", "422": "Invalid",
        },
    }},
    "api.list_departments": {"get": {
        "summary": "A city's departments and their budget lines, with what each line has "
                   "committed, drawn and available (figures are ledger balances)",
        "tags": ["departments"],
        "parameters": [{"in": "query", "schema": DepartmentFilterSchema}],
        "responses": {"200": _body(DepartmentListSchema, "Departments, by city and name"),
                      "401": "Unauthorised", "422": "Invalid"},
    }},
    "api.create_department": {"post": {
        "summary": "Add a department to the officer's city",
        "tags": ["departments"],
        "security": SECURED,
        "requestBody": _request(DepartmentCreateSchema),
        "responses": {"201": _body(DepartmentSchema, "The department (see its Location header)"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "409": "Conflict"},
    }},
    "api.get_department": {"get": {
        "summary": "One department and its budget lines",
        "tags": ["departments"],
        "parameters": [_uuid("department_id", "department")],
        "responses": {"200": _body(DepartmentSchema, "The department"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.add_budget_line": {"post": {
        "summary": "Add a budget line (name, fiscal year, amount in the city's currency) to a "
                   "department; officers of its city",
        "tags": ["departments"],
        "security": SECURED,
        "parameters": [_uuid("department_id", "department")],
        "requestBody": _request(BudgetLineCreateSchema),
        "responses": {"201": _body(DepartmentSchema, "The department with the new line"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden",
                      "404": "NotFound", "409": "Conflict"},
    }},
    "api.list_commitments": {"get": {
        "summary": "The departments' commitments to a pilot, oldest first",
        "tags": ["departments"],
        "parameters": [_uuid("project_id", "project")],
        "responses": {"200": _body(CommitmentListSchema, "Commitments"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.commit_to_project": {"post": {
        "summary": "Commit money from a department's budget line to a pilot of the same city, "
                   "before its campaign closes; a line is never over-committed "
                   "(422 over_committed)",
        "tags": ["departments"],
        "security": SECURED,
        "parameters": [_uuid("project_id", "project")],
        "requestBody": _request(CommitmentCreateSchema),
        "responses": {"201": _body(CommitmentSchema, "The commitment"), **WRITE_ERRORS,
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.withdraw_commitment": {"delete": {
        "summary": "Withdraw a commitment before the pilot's campaign closes: the money goes "
                   "back to its line",
        "tags": ["departments"],
        "security": SECURED,
        "parameters": [_uuid("commitment_id", "commitment")],
        "responses": {"200": _body(CommitmentSchema, "The commitment, withdrawn"),
                      "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
                      "409": "Conflict"},
    }},
    "api.openapi_document": {"get": {
        "summary": "This document",
        "tags": ["meta"],
        "responses": {"200": {"description": "The OpenAPI 3 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
}
OPERATIONS.update(PROCUREMENT_OPERATIONS)
OPERATIONS.update(INVESTMENT_OPERATIONS)
OPERATIONS.update(AGREEMENT_OPERATIONS)
OPERATIONS.update(IMPACT_OPERATIONS)
OPERATIONS.update(PICTURE_OPERATIONS)
OPERATIONS.update(AUDIT_OPERATIONS)
OPERATIONS.update(PORTFOLIO_OPERATIONS)
OPERATIONS.update(TRANSPARENCY_OPERATIONS)
OPERATIONS.update(CONVERSATION_OPERATIONS)
OPERATIONS.update(PLEDGE_STATEMENT_OPERATIONS)


def _one_of(suffix: str, description: str) -> dict:
    refs = {kind: f"#/components/schemas/{rule_schema_name(kind, suffix)}"
            for kind in RULE_PARAMETERS}
    return {
        "description": description,
        "oneOf": [{"$ref": ref} for ref in refs.values()],
        "discriminator": {"propertyName": "kind", "mapping": refs},
    }


def _rule_schemas(spec: APISpec) -> None:
    """Each rule kind's parameters: as sent when a fund is created, as sent to amend its rules
    (with effective_from), and as the API writes a version (with version and description)."""
    effective_from = {"effective_from": {
        "type": "string", "format": "date-time", "pattern": MOMENT_PATTERN,
        "description": "When the new version starts applying (not in the past, after the "
                       "current version's start, before the fund closes); now when left out",
    }}
    written = {
        "version": {"type": "integer", "minimum": 1},
        "description": {"type": "string", "description": "The rules in one sentence"},
    }
    variants = {
        "Rules": ({}, "A fund's rules. Amounts are decimal strings in the fund's currency; "
                      "parameters of another kind are refused (invalid_rules)."),
        "RulesAmendment": (effective_from, "A new version of a fund's rules, of the same kind"),
        "FundRules": (written, "One version of a fund's rules as published; only the kind's "
                               "parameters appear, null where not set"),
    }
    for suffix, (extra, description) in variants.items():
        kinds = rule_kind_schemas(extra=extra, suffix=suffix)
        for name, schema in kinds.items():
            if suffix == "FundRules":
                schema = {**schema, "required": ["version", "kind", "description"]}
                schema.pop("additionalProperties")
            spec.components.schema(name, schema)
        spec.components.schema(suffix, _one_of(suffix, description))


def openapi_path(rule: str) -> str:
    """Flask's /projects/<uuid:project_id> as OpenAPI's /projects/{project_id}."""
    return _CONVERTER.sub(r"{\1}", rule)


def build_document(app: Flask) -> dict:
    spec = APISpec(
        title="civicfund API",
        version="1",
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": (
            "Civic crowdfunding. Amounts are decimal strings in the currency's major unit "
            '("25.00"), never JSON numbers. Unknown fields are refused. Every error is '
            '{"error": {"code", "message", "fields"}} with a 4xx status.'
        )},
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "POST /api/v1/tokens"}
    )
    spec.components.schema("Error", schema=ErrorSchema)
    _rule_schemas(spec)
    for name, description in ERRORS.items():
        spec.components.response(name, _body("Error", description))
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith(f"{bp.name}."):
            continue
        declared = copy.deepcopy(OPERATIONS.get(rule.endpoint, {}))
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        # An undeclared operation stays out, and tests/e2e/test_openapi.py notices.
        operations = {m.lower(): declared[m.lower()] for m in methods if m.lower() in declared}
        for method, operation in operations.items():
            operation.setdefault("operationId", f"{rule.endpoint.split('.', 1)[1]}_{method}")
        if operations:
            spec.path(path=openapi_path(rule.rule), operations=operations)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi_document():
    document = current_app.extensions.get("civicfund_openapi")
    if document is None:
        document = current_app.extensions["civicfund_openapi"] = build_document(current_app)
    return jsonify(document)
