"""The conversation through the API: list, post and answer questions and comments, report them,
hide them (the city's officers), follow a pilot, and set one's update mail and backer wall."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify

from adapters.conversation_queries import CommentView
from web.api import bp
from web.api.http import caller, json_body, not_found, require_caller
from web.api.schemas import EmptySchema, one
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
from web.crowdfunding.api.projects import manages_city, visible_project
from web.services import command, platform

# Auditors read; everyone else signed in takes part.
TAKING_PART = ("citizen", "city", "proposer", "investor", "admin", "evaluator")


def _comment_json(item: CommentView, *, moderator: bool) -> dict[str, Any]:
    return {
        "id": item.id, "project_id": item.project_id, "kind": item.kind, "author": item.author,
        "text": item.text, "posted_at": item.posted_at, "hidden": item.hidden,
        "hidden_reason": item.hidden_reason, "reports": item.reports if moderator else None,
        "answers": [
            {"id": a.id, "author": a.author, "answered_as": a.answered_as, "text": a.text,
             "posted_at": a.posted_at, "hidden": a.hidden, "hidden_reason": a.hidden_reason}
            for a in item.answers
        ],
    }


def _threads(project_id: UUID):
    user = caller()
    project = visible_project(project_id, user)
    moderator = manages_city(user, project.city_id)
    threads = platform().read.comments(
        project.id, viewer_id=user.account_id if user else None, moderator=moderator)
    return threads, moderator


def _thread_of(comment_id: UUID) -> tuple[CommentView, UUID]:
    """The question or comment (or answer) as the caller may see it, and its pilot."""
    found = platform().read.comment(comment_id)
    if found is None:
        raise not_found("question or comment")
    threads, moderator = _threads(found.project_id)
    for thread in threads:
        if comment_id == thread.id or any(a.id == comment_id for a in thread.answers):
            return thread, moderator
    raise not_found("question or comment")


@bp.get("/projects/<uuid:project_id>/comments")
def list_comments(project_id: UUID):
    threads, moderator = _threads(project_id)
    return jsonify(one(CommentListSchema).dump(
        {"comments": [_comment_json(t, moderator=moderator) for t in threads]}))


@bp.post("/projects/<uuid:project_id>/comments")
def post_comment(project_id: UUID):
    user = require_caller(*TAKING_PART)
    wanted = json_body(one(CommentCreateSchema))
    visible_project(project_id, user)
    comment_id = command(lambda: platform().app.post_comment(
        project_id, kind=wanted["kind"], text=wanted["text"]), actor=user.actor)
    thread, moderator = _thread_of(comment_id)
    return jsonify(one(CommentSchema).dump(_comment_json(thread, moderator=moderator))), 201


@bp.post("/comments/<uuid:comment_id>/answers")
def answer_comment(comment_id: UUID):
    user = require_caller(*TAKING_PART)
    wanted = json_body(one(AnswerCreateSchema))
    _thread_of(comment_id)
    command(lambda: platform().app.answer_comment(comment_id, text=wanted["text"]),
            actor=user.actor)
    thread, moderator = _thread_of(comment_id)
    return jsonify(one(CommentSchema).dump(_comment_json(thread, moderator=moderator))), 201


@bp.post("/comments/<uuid:comment_id>/report")
def report_comment(comment_id: UUID):
    user = require_caller(*TAKING_PART)
    json_body(one(EmptySchema), optional=True)
    _thread_of(comment_id)
    new = command(lambda: platform().app.report_comment(comment_id), actor=user.actor)
    return jsonify(one(ReportedSchema).dump({"reported": True, "new": new}))


@bp.post("/comments/<uuid:comment_id>/hide")
def hide_comment(comment_id: UUID):
    user = require_caller("city", "admin")
    wanted = json_body(one(HideSchema))
    _thread_of(comment_id)
    command(lambda: platform().app.hide_comment(comment_id, reason=wanted["reason"]),
            actor=user.actor)
    thread, moderator = _thread_of(comment_id)
    return jsonify(one(CommentSchema).dump(_comment_json(thread, moderator=moderator)))


@bp.get("/projects/<uuid:project_id>/follow")
def following(project_id: UUID):
    user = require_caller()
    visible_project(project_id, user)
    return jsonify({"following": platform().read.follows(project_id, user.account_id)})


def _follow(project_id: UUID, wanted: bool):
    user = require_caller(*TAKING_PART)
    visible_project(project_id, user)
    command(lambda: platform().app.follow_project(project_id, wanted), actor=user.actor)
    return jsonify(one(FollowingSchema).dump(
        {"following": platform().read.follows(project_id, user.account_id)}))


@bp.put("/projects/<uuid:project_id>/follow")
def follow(project_id: UUID):
    json_body(one(EmptySchema), optional=True)
    return _follow(project_id, True)


@bp.delete("/projects/<uuid:project_id>/follow")
def unfollow(project_id: UUID):
    return _follow(project_id, False)


@bp.get("/me/conversation-preferences")
def preferences():
    user = require_caller()
    chosen = platform().read.conversation_preferences_of(user.account_id)
    return jsonify(one(PreferencesSchema).dump(chosen))


@bp.put("/me/conversation-preferences")
def set_preferences():
    user = require_caller(*TAKING_PART)
    wanted = json_body(one(PreferencesInSchema))
    command(lambda: platform().app.set_conversation_preferences(
        digest=wanted.get("digest"), on_backer_wall=wanted.get("on_backer_wall")),
        actor=user.actor)
    return jsonify(one(PreferencesSchema).dump(
        platform().read.conversation_preferences_of(user.account_id)))
