"""The conversation routes' entries in the OpenAPI document (web/api/openapi.py adds them)."""

from __future__ import annotations

from typing import Any

from web.api.schemas import EmptySchema
from web.conversation.api_schemas import (
    AnswerCreateSchema,
    CommentCreateSchema,
    CommentListSchema,
    CommentSchema,
    FollowingSchema,
    HideSchema,
    PreferencesInSchema,
    PreferencesSchema,
    ReportedSchema,
)

SECURED = [{"bearer": []}]
TAG = ["conversation"]
WRITE = {"400": "MalformedJson", "401": "Unauthorised", "403": "Forbidden", "404": "NotFound",
         "409": "Conflict", "415": "UnsupportedMediaType", "422": "Invalid",
         "429": "RateLimited"}


def _body(schema: Any, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _request(schema: Any, *, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _uuid(name: str, what: str) -> dict:
    return {"in": "path", "name": name, "required": True, "description": f"The {what}'s id",
            "schema": {"type": "string", "format": "uuid"}}


PROJECT = _uuid("project_id", "pilot")
COMMENT = _uuid("comment_id", "question, comment or answer")
READ = {"401": "Unauthorised", "404": "NotFound"}

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.list_comments": {"get": {
        "summary": "A pilot's questions and comments, newest first, each with its answers (from "
                   "the proposer or the city). Hidden items only for their author and the city's "
                   "officers; report counts only for the officers. Optional token.",
        "tags": TAG, "parameters": [PROJECT],
        "responses": {"200": _body(CommentListSchema, "The conversation"), **READ},
    }},
    "api.post_comment": {"post": {
        "summary": "Ask a question or comment on a pilot (any signed-in role but auditor); the "
                   "text is kept outside the event log",
        "tags": TAG, "security": SECURED, "parameters": [PROJECT],
        "requestBody": _request(CommentCreateSchema),
        "responses": {"201": _body(CommentSchema, "The question or comment"), **WRITE},
    }},
    "api.answer_comment": {"post": {
        "summary": "Answer a question or comment: the pilot's delivery owner (from the proposer) "
                   "or an officer of its city (from the city); others get 403",
        "tags": TAG, "security": SECURED, "parameters": [COMMENT],
        "requestBody": _request(AnswerCreateSchema),
        "responses": {"201": _body(CommentSchema, "The question with its answers"), **WRITE},
    }},
    "api.report_comment": {"post": {
        "summary": "Report an item to the city's officers (once per person)",
        "tags": TAG, "security": SECURED, "parameters": [COMMENT],
        "requestBody": _request(EmptySchema, required=False),
        "responses": {"200": _body(ReportedSchema, "Reported"), **WRITE},
    }},
    "api.hide_comment": {"post": {
        "summary": "Hide an item with a reason (officers of the pilot's city); its author still "
                   "sees it with the reason. Hiding twice: 409 invalid_state",
        "tags": TAG, "security": SECURED, "parameters": [COMMENT],
        "requestBody": _request(HideSchema),
        "responses": {"200": _body(CommentSchema, "The item, hidden"), **WRITE},
    }},
    "api.following": {"get": {
        "summary": "Whether the caller gets the pilot's delivery updates by mail (by following "
                   "it, or as a backer who did not stop them)",
        "tags": TAG, "security": SECURED, "parameters": [PROJECT],
        "responses": {"200": _body(FollowingSchema, "Following or not"), **READ},
    }},
    "api.follow": {"put": {
        "summary": "Follow a pilot's delivery updates by mail",
        "tags": TAG, "security": SECURED, "parameters": [PROJECT],
        "requestBody": _request(EmptySchema, required=False),
        "responses": {"200": _body(FollowingSchema, "Following"), **WRITE},
    }},
    "api.unfollow": {"delete": {
        "summary": "Stop a pilot's delivery updates (also for its backers)",
        "tags": TAG, "security": SECURED, "parameters": [PROJECT],
        "responses": {"200": _body(FollowingSchema, "Not following"), **READ,
                      "403": "Forbidden", "409": "Conflict"},
    }},
    "api.preferences": {"get": {
        "summary": "The caller's update mail (each update or a weekly digest) and backer wall "
                   "choice",
        "tags": TAG, "security": SECURED,
        "responses": {"200": _body(PreferencesSchema, "The preferences"),
                      "401": "Unauthorised"},
    }},
    "api.set_preferences": {"put": {
        "summary": "Set the caller's update mail and backer wall choice (what is left out stays)",
        "tags": TAG, "security": SECURED, "requestBody": _request(PreferencesInSchema),
        "responses": {"200": _body(PreferencesSchema, "The preferences"), **WRITE},
    }},
}
