"""The audit API, for auditors (and administrators): the event log filtered and paged, any
aggregate as of a position or a moment, the platform's figures as of one, and the whole log
exported as a stream."""

from __future__ import annotations

import json
from uuid import UUID

from flask import Response, jsonify, stream_with_context

from adapters.time_travel import UnknownPosition, aggregate_as_of
from adapters.transparency_export import ExportRefused, Stream
from web.api import bp
from web.api.http import ApiError, query_args, require_caller
from web.api.schemas import one
from web.audit.api_schemas import (
    AggregateAsOfSchema,
    AsOfQuerySchema,
    EventPageSchema,
    EventQuerySchema,
    FiguresAsOfSchema,
)
from web.audit.as_of import browse, event_json, event_log, figures_json, position_of
from web.services import platform

AUDITORS = ("auditor", "admin")


def _position() -> tuple[int, object]:
    wanted = query_args(one(AsOfQuerySchema))
    log = event_log()
    try:
        return position_of(log, wanted.get("position"), wanted.get("at")), log
    except UnknownPosition as error:
        raise ApiError(404, "unknown_position", str(error),
                       fields={"position": [str(error)]}) from None


@bp.get("/audit/events")
def audit_events():
    require_caller(*AUDITORS)
    found, next_after = browse(event_log(), query_args(one(EventQuerySchema)))
    return jsonify(one(EventPageSchema).dump(
        {"events": [event_json(event) for event in found], "next_after": next_after}))


@bp.get("/audit/aggregates/<uuid:aggregate_id>")
def audit_aggregate(aggregate_id: UUID):
    require_caller(*AUDITORS)
    position, log = _position()
    found = aggregate_as_of(platform().app, log, aggregate_id, position)
    if found is None:
        raise ApiError(404, "unknown_aggregate",
                       f"No aggregate {aggregate_id} had any event by position {position}")
    return jsonify(one(AggregateAsOfSchema).dump({
        "aggregate_id": found.aggregate_id, "kind": found.kind, "position": found.position,
        "version": found.version, "state": found.state,
        "events": [event_json(event) for event in found.events],
    }))


@bp.get("/audit/as-of")
def audit_as_of():
    require_caller(*AUDITORS)
    position, log = _position()
    return jsonify(one(FiguresAsOfSchema).dump(figures_json(log, position)))


@bp.get("/audit/export")
def audit_export():
    """JSON Lines: every entry's canonical bytes up to a new signed checkpoint, in log order,
    then one line {"manifest": ...}; read and sent in batches, so memory stays flat."""
    require_caller(*AUDITORS)
    stream = Stream(platform())

    def lines():
        try:
            for data, _, _ in stream.lines():
                yield data + b"\n"
        except ExportRefused as error:
            yield _line({"error": {"code": "log_does_not_verify", "message": str(error)}})
            return
        yield _line({"manifest": stream.manifest})

    return Response(stream_with_context(lines()), mimetype="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="civicfund-log-'
                               f'{stream.checkpoint.tree_size}.jsonl"'})


def _line(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
