"""The audit API's queries and answers: an aggregate and the platform's figures as of a position
or a moment, and the event browser."""

from __future__ import annotations

from marshmallow import Schema, fields

from web.audit.query_json import AsOfQuerySchema, EventQuerySchema

__all__ = ["AsOfQuerySchema", "EventQuerySchema"]


class LoggedEventSchema(Schema):
    position = fields.Integer(required=True)
    aggregate_id = fields.UUID(required=True)
    aggregate_version = fields.Integer(required=True)
    topic = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)
    actor_id = fields.String(required=True, metadata={"description": "The account's id (or "
                                                                      "system)"})
    actor_role = fields.String(required=True)
    correlation_id = fields.String(required=True)
    payload = fields.Dict(required=True, metadata={
        "description": "The event's own fields: amounts as decimal strings with their "
                       "currency, ids as strings (events hold no personal data)"})


class EventPageSchema(Schema):
    events = fields.List(fields.Nested(LoggedEventSchema), required=True)
    next_after = fields.Integer(allow_none=True, required=True, metadata={
        "description": "Pass as `after` for the next page; null on the last"})


class AggregateAsOfSchema(Schema):
    aggregate_id = fields.UUID(required=True)
    kind = fields.String(required=True, metadata={"example": "Project"})
    position = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "Its version then"})
    state = fields.Dict(required=True, metadata={"description": "Its fields then"})
    events = fields.List(fields.Nested(LoggedEventSchema), required=True)


def _amount(description: str) -> fields.String:
    return fields.String(required=True, metadata={"description": description,
                                                  "example": "1250.00"})


class ProjectFiguresSchema(Schema):
    project_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    raised = _amount("Pledged and charged by citizens")
    matched = _amount("Held for it by matching funds (reserved and committed)")
    committed = _amount("Held for it by the city's departments (committed and drawn)")
    invested = _amount("Held by investors in its offers that reached their minimum")
    total = _amount("raised + matched + committed + invested")


class FundFiguresSchema(Schema):
    fund_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    pool = _amount("Put in by its sponsors")
    available = _amount("Not yet held for any project")
    reserved = _amount("Held for pledges not yet charged")
    committed = _amount("Spent on charged pledges and grants")
    returned = _amount("Given back to its sponsors")


class OfferFiguresSchema(Schema):
    offer_id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    currency = fields.String(required=True)
    subscribed = _amount("What investors hold in it (committed and due)")
    minimum = _amount("What it needs to count")
    reached_minimum = fields.Boolean(required=True)


class FiguresAsOfSchema(Schema):
    position = fields.Integer(required=True)
    recorded_at = fields.DateTime(allow_none=True, required=True, metadata={
        "description": "When the event at that position was recorded"})
    projects = fields.List(fields.Nested(ProjectFiguresSchema), required=True)
    funds = fields.List(fields.Nested(FundFiguresSchema), required=True)
    offers = fields.List(fields.Nested(OfferFiguresSchema), required=True)
