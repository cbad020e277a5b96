"""The procurement routes' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from typing import Any

from web.api.schemas import EmptySchema
from web.procurement.api_schemas import (
    AdvanceSchema,
    AwardedSchema,
    AwardInSchema,
    CallCreateSchema,
    CallFilterSchema,
    CallListSchema,
    CallSchema,
    CancelSchema,
    ClosedSchema,
    EvaluatorSchema,
    ProposalInSchema,
    ProposalListSchema,
    ProposalSchema,
    RankedSchema,
    RankingQuerySchema,
    ScoresSchema,
)

SECURED = [{"bearer": []}]
WRITE_ERRORS = {"400": "MalformedJson", "415": "UnsupportedMediaType", "422": "Invalid"}
MANAGE = {**WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
          "409": "Conflict"}
TAG = ["calls"]


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _request(schema: Any, *, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _uuid(name: str, what: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": f"The {what}'s id",
            "schema": {"type": "string", "format": "uuid"}}


CALL = _uuid("call_id", "call")
PROPOSAL = _uuid("proposal_id", "proposal")
PHASE = {"in": "path", "name": "number", "required": True,
         "description": "The phase being left, 1 for the first",
         "schema": {"type": "integer", "minimum": 1}}
RANKING = {"type": "array", "items": RankedSchema}


def _command(summary: str, answer: Any, description: str, *, body: Any = EmptySchema,
             required: bool = False, params: list | None = None, status: str = "200") -> dict:
    return {"post": {
        "summary": summary, "tags": TAG, "security": SECURED,
        "parameters": params or [CALL], "requestBody": _request(body, required=required),
        "responses": {status: _body(answer, description), **MANAGE},
    }}


OPERATIONS: dict[str, dict[str, dict]] = {
    "api.list_calls": {"get": {
        "summary": "Published co-investment calls (drafts too for their city's officers)",
        "tags": TAG, "parameters": [{"in": "query", "schema": CallFilterSchema}],
        "responses": {"200": _body(CallListSchema, "Calls"), "401": "Unauthorised",
                      "422": "Invalid"},
    }},
    "api.create_call": {"post": {
        "summary": "Draft a call for the officer's city: route pcp or ppi, envelope, capital "
                   "stack and criteria weights each summing to 100, PCP phases whose budget "
                   "shares sum to 100 (invalid_call otherwise)",
        "tags": TAG, "security": SECURED, "requestBody": _request(CallCreateSchema),
        "responses": {"201": _body(CallSchema, "The draft call (see Location)"),
                      **WRITE_ERRORS, "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.get_call": {"get": {
        "summary": "One call: criteria, envelope and its phases' shares, window, awards",
        "tags": TAG, "parameters": [CALL],
        "responses": {"200": _body(CallSchema, "The call"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.open_call": _command("Open a draft call for proposals", CallSchema, "The call"),
    "api.close_call": _command(
        "Close the call's current stage: an open call stops taking proposals; a sealed "
        "evaluation is closed so its ranking appears; otherwise the call closes and the "
        "proposals not awarded are told so", ClosedSchema, "The new status and the call"),
    "api.cancel_call": _command("Cancel a call without awards", CallSchema, "The call",
                                body=CancelSchema),
    "api.appoint_evaluator": _command(
        "Appoint an evaluator (an evaluator account or an officer of the city) by email",
        CallSchema, "The call", body=EvaluatorSchema, required=True, status="201"),
    "api.create_proposal": {"post": {
        "summary": "A proposer drafts a proposal to an open call (inside its window; area and "
                   "theme within its eligibility)",
        "tags": TAG, "security": SECURED, "parameters": [CALL],
        "requestBody": _request(ProposalInSchema),
        "responses": {"201": _body(ProposalSchema, "The draft proposal (see Location)"),
                      **MANAGE},
    }},
    "api.list_call_proposals": {"get": {
        "summary": "The call's proposals this caller may read: a proposer their own; the "
                   "city's officers and the call's evaluators the submitted ones; anyone the "
                   "awarded ones",
        "tags": TAG, "parameters": [CALL],
        "responses": {"200": _body(ProposalListSchema, "Proposals"), "401": "Unauthorised",
                      "404": "NotFound"},
    }},
    "api.get_proposal": {"get": {
        "summary": "A proposal, with cba_results computed from its cost-benefit analysis",
        "tags": TAG, "parameters": [PROPOSAL],
        "responses": {"200": _body(ProposalSchema, "The proposal"), "401": "Unauthorised",
                      "403": "Forbidden", "404": "NotFound"},
    }},
    "api.edit_proposal": {"put": {
        "summary": "The proposer replaces their proposal's content while the window is open",
        "tags": TAG, "security": SECURED, "parameters": [PROPOSAL],
        "requestBody": _request(ProposalInSchema),
        "responses": {"200": _body(ProposalSchema, "The proposal"), **MANAGE},
    }},
    "api.submit_proposal": _command(
        "Submit (each submission is a new version) while the window is open", ProposalSchema,
        "The proposal", params=[PROPOSAL]),
    "api.withdraw_proposal": _command("Withdraw while the window is open", ProposalSchema,
                                      "The proposal", params=[PROPOSAL]),
    "api.score_proposal": _command(
        "An appointed evaluator declares a conflict of interest (excluding them from the "
        "proposal) or scores every criterion 0-10 with a justification (invalid_score)",
        {"type": "object"}, "Recorded", body=ScoresSchema, required=True,
        params=[PROPOSAL], status="201"),
    "api.call_ranking": {"get": {
        "summary": "The current phase's ranking: weighted score = sum of weight x mean / 10; "
                   "ties to the higher bcr, then the earlier submission. 409 sealed until "
                   "every appointed, unconflicted evaluator scored or an officer closed the "
                   "evaluation; 403 for the public before the award",
        "tags": TAG, "parameters": [CALL, {"in": "query", "schema": RankingQuerySchema}],
        "responses": {"200": _body(RANKING, "Ranked proposals"), "401": "Unauthorised",
                      "403": "Forbidden", "404": "NotFound", "409": "Conflict",
                      "422": "Invalid"},
    }},
    "api.award_proposal": _command(
        "Award a proposal an amount of the current phase's envelope share (over_envelope "
        "otherwise); it becomes a draft pilot owned by its proposer", AwardedSchema,
        "The pilot's id and the call", body=AwardInSchema, required=True, status="201"),
    "api.advance_phase": _command(
        "PCP: the proposals kept after phase {number} go on to the next one; the others are "
        "told they were not kept", CallSchema, "The call", body=AdvanceSchema, required=True,
        params=[CALL, PHASE]),
}
