"""The audit routes' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from typing import Any

from web.audit.api_schemas import (
    AggregateAsOfSchema,
    AsOfQuerySchema,
    EventPageSchema,
    EventQuerySchema,
    FiguresAsOfSchema,
)

SECURED = [{"bearer": []}]
TAG = ["audit"]
READ_ERRORS = {"401": "Unauthorised", "403": "Forbidden", "422": "Invalid"}
AS_OF = ("Give exactly one of `position` (a position in the log; 0 is before the first event) "
         "or `at` (an ISO 8601 moment with its time zone: the last position recorded at or "
         "before it). For auditors and administrators.")


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


OPERATIONS: dict[str, dict[str, dict]] = {
    "api.audit_events": {"get": {
        "summary": "The stored events in log order, filtered and paged",
        "description": (
            "Filter by part of the topic, aggregate, actor (account id), correlation id, a time "
            "range (since, before) and a position range (after, until). Each event comes with "
            "its position, time, actor and payload; events hold no personal data. "
            "For auditors and administrators."
        ),
        "tags": TAG, "security": SECURED,
        "parameters": [{"in": "query", "schema": EventQuerySchema}],
        "responses": {"200": _body(EventPageSchema, "One page of events"), **READ_ERRORS},
    }},
    "api.audit_aggregate": {"get": {
        "summary": "An aggregate as it stood at a position or a moment: its events up to "
                   "there replayed",
        "description": AS_OF,
        "tags": TAG, "security": SECURED,
        "parameters": [
            {"in": "path", "name": "aggregate_id", "required": True,
             "description": "Any aggregate's id (project, pledge, fund, offer, call...)",
             "schema": {"type": "string", "format": "uuid"}},
            {"in": "query", "schema": AsOfQuerySchema},
        ],
        "responses": {"200": _body(AggregateAsOfSchema, "The aggregate then, and its events"),
                      **READ_ERRORS, "404": "UnknownPosition"},
    }},
    "api.audit_as_of": {"get": {
        "summary": "Every project's raised, matched, committed, invested and total, every "
                   "fund's balances and every offer's subscriptions, as of a position or a "
                   "moment",
        "description": AS_OF + " The figures come from the log replayed into the ledger by "
                               "the domain's bookkeeping up to that position.",
        "tags": TAG, "security": SECURED,
        "parameters": [{"in": "query", "schema": AsOfQuerySchema}],
        "responses": {"200": _body(FiguresAsOfSchema, "The figures then"), **READ_ERRORS,
                      "404": "UnknownPosition"},
    }},
    "api.audit_export": {"get": {
        "summary": "The whole log exported as a stream: JSON Lines of entries, then the manifest",
        "description": (
            "Seals the log and signs a new checkpoint, then streams one line per entry up to "
            "it, in log order: each line is the entry's canonical JSON, the bytes of its leaf "
            "in the Merkle tree (RFC 9162). The last line is `{\"manifest\": {...}}`: the "
            "signed checkpoint, the verifier key, the counts of entries and by topic, and every "
            "project's and fund's figures with the position they stand at (as "
            "`civicfund audit export` writes to manifest.json). Should the log not match its "
            "checkpoint while streaming, the last line is `{\"error\": {\"code\": "
            "\"log_does_not_verify\", \"message\": ...}}` instead. Check it offline with "
            "`tools/verify_export.py FILE`. For auditors and administrators."
        ),
        "tags": TAG, "security": SECURED,
        "responses": {
            "200": {"description": "The entries, then the manifest", "content": {
                "application/x-ndjson": {"schema": {"type": "string"}}}},
            "401": "Unauthorised", "403": "Forbidden",
        },
    }},
}
