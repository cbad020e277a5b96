"""What the audit pages and API share: the event log, where a request's "as of" points in it,
and the figures there as plain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.event_log_queries import EventFilter, EventLog, LoggedEvent
from adapters.time_travel import FiguresAsOf, checked_position, figures_as_of
from web.services import platform


def event_log() -> EventLog:
    return EventLog(platform().app, platform().engine)


def position_of(log: EventLog, position: int | None, at: datetime | None) -> int:
    """The position asked for, or the last one recorded at or before the moment asked for;
    UnknownPosition beyond the log."""
    if at is not None:
        return log.position_at(at)
    return checked_position(log, position if position is not None else log.newest())


def browse(log: EventLog, wanted: dict[str, Any]) -> tuple[list[LoggedEvent], int | None]:
    """A page of events for the browser's filters, and the cursor of the next page."""
    after, until = wanted.get("after", 0), wanted.get("until")
    if wanted.get("since") is not None:
        after = max(after, log.position_at(wanted["since"]))
    if wanted.get("before") is not None:
        last = log.position_at(wanted["before"])
        until = last if until is None else min(until, last)
    limit = wanted.get("limit", 50)
    found = log.events(EventFilter(
        topic=wanted.get("topic") or "", aggregate_id=wanted.get("aggregate_id"),
        actor_id=wanted.get("actor_id") or "", correlation_id=wanted.get("correlation_id") or "",
        after=after, until=until,
    ), limit=limit + 1)
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].position if more and found else None)


def event_json(event: LoggedEvent) -> dict[str, Any]:
    return {
        "position": event.position, "aggregate_id": event.aggregate_id,
        "aggregate_version": event.aggregate_version, "topic": event.topic,
        "recorded_at": event.recorded_at, "actor_id": event.actor_id,
        "actor_role": event.actor_role, "correlation_id": event.correlation_id,
        "payload": event.payload,
    }


def figures_json(log: EventLog, position: int) -> dict[str, Any]:
    figures: FiguresAsOf = figures_as_of(platform().app, platform().engine, log, position)
    at = log.event_at(position) if position else None
    return {
        "position": position, "recorded_at": at.recorded_at if at else None,
        "projects": [
            {"project_id": project_id, "currency": money["total"].currency,
             **{name: amount.to_decimal_string() for name, amount in money.items()}}
            for project_id, money in figures.projects.items()
        ],
        "funds": [
            {"fund_id": fund_id, "currency": money["pool"].currency,
             **{name: amount.to_decimal_string() for name, amount in money.items()}}
            for fund_id, money in figures.funds.items()
        ],
        "offers": [
            {"offer_id": offer_id, "project_id": offer["project_id"],
             "currency": offer["minimum"].currency,
             "subscribed": offer["subscribed"].to_decimal_string(),
             "minimum": offer["minimum"].to_decimal_string(),
             "reached_minimum": offer["reached_minimum"]}
            for offer_id, offer in figures.offers.items()
        ],
    }
