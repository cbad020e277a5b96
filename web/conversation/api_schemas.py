"""The conversation's JSON: questions, comments and answers as the API writes them, and what it
reads to post, answer, hide and set preferences."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.conversation.comment import KINDS, MAX_REASON, MAX_TEXT
from domain.conversation.following import DIGESTS
from web.api.schemas import RequestSchema

_TEXT = {"description": f"Plain text (markup is kept as typed and shown as text), 1 to {MAX_TEXT} "
                        "characters once trimmed; longer, empty or with control characters is "
                        "refused with invalid_comment",
         "example": "When are the sensors installed?"}


class CommentCreateSchema(RequestSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS),
                         metadata={"description": "question or comment"})
    text = fields.String(required=True, metadata=_TEXT)


class AnswerCreateSchema(RequestSchema):
    text = fields.String(required=True, metadata=_TEXT)


class HideSchema(RequestSchema):
    reason = fields.String(required=True, metadata={
        "description": f"Why the city hides it (its author reads this), 1 to {MAX_REASON} "
                       "characters", "example": "Advertising"})


class PreferencesInSchema(RequestSchema):
    digest = fields.String(validate=validate.OneOf(DIGESTS), metadata={
        "description": "each: a mail per delivery update; weekly: one digest a week"})
    on_backer_wall = fields.Boolean(metadata={
        "description": "Whether your display name shows on the backer walls of pilots you back "
                       "(otherwise: a neighbour)"})


class PreferencesSchema(Schema):
    digest = fields.String(required=True, validate=validate.OneOf(DIGESTS))
    on_backer_wall = fields.Boolean(required=True)


class AnswerSchema(Schema):
    id = fields.UUID(required=True)
    author = fields.String(required=True, metadata={"description": "The author's display name"})
    answered_as = fields.String(required=True, validate=validate.OneOf(("proposer", "city")),
                                metadata={"description": "An answer from the proposer (the "
                                                         "pilot's delivery owner) or the city"})
    text = fields.String(required=True)
    posted_at = fields.AwareDateTime(format="iso", required=True)
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(required=True, allow_none=True)


class CommentSchema(Schema):
    id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    author = fields.String(required=True, metadata={"description": "The author's display name"})
    text = fields.String(required=True)
    posted_at = fields.AwareDateTime(format="iso", required=True)
    hidden = fields.Boolean(required=True, metadata={
        "description": "Hidden by the city: only its author and the city's officers see it"})
    hidden_reason = fields.String(required=True, allow_none=True)
    reports = fields.Integer(required=True, allow_none=True, metadata={
        "description": "How many people reported it (for the city's officers; null for others)"})
    answers = fields.List(fields.Nested(AnswerSchema), required=True)


class CommentListSchema(Schema):
    comments = fields.List(fields.Nested(CommentSchema), required=True)


class ReportedSchema(Schema):
    reported = fields.Boolean(required=True, metadata={
        "description": "true; a second report by the same person counts once"})
    new = fields.Boolean(required=True, metadata={"description": "Whether this report was new"})


class FollowingSchema(Schema):
    following = fields.Boolean(required=True)
