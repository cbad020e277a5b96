"""The transparency proofs' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from typing import Any

from web.transparency.api_schemas import (
    AuditVerificationSchema,
    ConsistencyProofSchema,
    ConsistencyQuerySchema,
    InclusionProofSchema,
    InclusionQuerySchema,
    LogReceiptSchema,
)

TAG = ["transparency"]
SECURED = [{"bearer": []}]


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


BEYOND = ("422 invalid (not whole numbers), tree_size_beyond_log: the tree holds fewer entries "
          "than asked for")

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.inclusion_proof": {"get": {
        "summary": "The proof (RFC 9162 audit path) that the entry at a log position is in the "
                   "tree of a given size, such as a signed checkpoint's; public",
        "tags": TAG,
        "parameters": [{"in": "query", "schema": InclusionQuerySchema}],
        "responses": {
            "200": _body(InclusionProofSchema, "The leaf's index and hash and its audit path"),
            "404": _body("Error", "404 unknown_position: no entry at that position is in the "
                                  "tree (yet)"),
            "422": _body("Error", BEYOND + "; position_beyond_tree_size: the entry came after "
                                           "that tree"),
        },
    }},
    "api.consistency_proof": {"get": {
        "summary": "The proof (RFC 9162) that the tree of size `to` extends the tree of size "
                   "`from` unchanged; public",
        "tags": TAG,
        "parameters": [{"in": "query", "schema": ConsistencyQuerySchema}],
        "responses": {
            "200": _body(ConsistencyProofSchema, "The consistency proof's hashes"),
            "422": _body("Error", BEYOND + "; from_after_to: from is larger than to"),
        },
    }},
    "api.audit_verify": {"get": {
        "summary": "Auditors and administrators: every event's leaf recomputed and compared with "
                   "the tree, the tree's nodes, every checkpoint's signature, root and "
                   "consistency; problems (modified, reordered, deleted, inserted events) name "
                   "their position",
        "tags": TAG, "security": SECURED,
        "responses": {"200": _body(AuditVerificationSchema, "The verification's result"),
                      "401": "Unauthorised", "403": "Forbidden"},
    }},
    "api.pledge_receipt": {"get": {
        "summary": "The caller's pledge's receipt bundle: its log entries with their inclusion "
                   "proofs, the signed checkpoint they lead to and the verifier key; check it "
                   "offline with tools/verify_receipt.py",
        "tags": TAG, "security": SECURED,
        "parameters": [{"in": "path", "name": "pledge_id", "required": True,
                        "description": "The pledge's id",
                        "schema": {"type": "string", "format": "uuid"}}],
        "responses": {"200": _body(LogReceiptSchema, "The receipt bundle"),
                      "401": "Unauthorised", "404": "NotFound"},
    }},
}
