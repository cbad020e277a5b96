"""What the audit pages and the audit API both read from a query string: a position or a moment,
and the event browser's filters."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from web.api.schemas import Moment, RequestSchema, Text, field_messages, one

_POSITION = {"description": "A position in the log (0 is before the first event)",
             "example": 120}


class AsOfQuerySchema(RequestSchema):
    position = fields.Integer(validate=validate.Range(min=0, max=2**62), metadata=_POSITION)
    at = Moment(metadata={"description": "A moment: the log as it stood then",
                          "example": "2026-11-30T12:00:00Z"})

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if ("position" in data) == ("at" in data):
            raise ValidationError("Give either position or at (not both, not neither)",
                                  field_name="position")


class EventQuerySchema(RequestSchema):
    topic = Text(validate=validate.Length(max=120),
                 metadata={"description": "Part of the event's topic, e.g. Pledge.Made"})
    aggregate_id = fields.UUID()
    actor_id = Text(validate=validate.Length(max=80))
    correlation_id = Text(validate=validate.Length(max=120))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62), metadata={
        "description": "Positions after this one (the cursor: the previous page's next_after)"})
    until = fields.Integer(validate=validate.Range(min=0, max=2**62),
                           metadata={"description": "Positions up to this one"})
    since = Moment(metadata={"description": "Events recorded after this moment"})
    before = Moment(metadata={"description": "Events recorded at or before this moment"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


def load_query(schema: type[Schema], args: dict[str, str]
               ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The query's values, or the problems with them by field."""
    try:
        return one(schema).load(args), {}
    except ValidationError as error:
        return {}, field_messages(error)
