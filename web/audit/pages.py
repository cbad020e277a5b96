"""The auditor's console: the event browser, an aggregate's history (and its state as of a
position), and the platform's figures as of a position or a moment. For auditors and
administrators; events hold no personal data, so nothing here needs masking."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from adapters.time_travel import UnknownPosition, aggregate_as_of
from web.audit.as_of import browse, event_log, figures_json, position_of
from web.audit.cases import case_events
from web.audit.query_json import AsOfQuerySchema, EventQuerySchema, load_query
from web.errors import error_page
from web.extensions import login_manager
from web.services import platform

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("topic", "aggregate_id", "actor_id", "correlation_id", "since", "before", "after",
           "until")


@bp.before_request
def _auditors_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("auditor", "admin"):
        return error_page(403, "For auditors only",
                          "The audit console shows the platform's event log to auditors and "
                          "administrators. Your account is neither.")
    return None


def _asked(schema: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The query's filters, or the problems with them (shown on the page, status 422)."""
    return load_query(schema, {key: value for key, value in request.args.items()
                               if value.strip()})


@bp.get("")
def events():
    log = event_log()
    wanted, problems = _asked(EventQuerySchema)
    found, next_after = browse(log, wanted) if not problems else ([], None)
    return render_template(
        "audit/events.html", events=found, next_after=next_after, problems=problems,
        values={key: request.args.get(key, "") for key in FILTERS}, newest=log.newest(),
        next_args={**{k: v for k, v in request.args.items() if k != "after"},
                   "after": next_after},
        cases=case_events(),
    ), 422 if problems else 200


@bp.get("/aggregates/<uuid:aggregate_id>")
def aggregate(aggregate_id: UUID):
    """An aggregate as it stood at a position or a moment (`position=` or `at=`, as the API)."""
    log = event_log()
    given = {key: request.args[key] for key in ("position", "at")
             if request.args.get(key, "").strip()}
    wanted, problems = load_query(AsOfQuerySchema, given) if given else ({}, {})
    if problems:
        field, messages = next(iter(problems.items()))
        return error_page(422, "Not a position or a moment",
                          f"{field}: {' '.join(str(m) for m in messages)}")
    try:
        until = (position_of(log, wanted.get("position"), wanted.get("at"))
                 if given else log.newest())
    except UnknownPosition as error:
        return error_page(404, "No such position", str(error))
    found = aggregate_as_of(platform().app, log, aggregate_id, until)
    if found is None:
        abort(404, description=f"No aggregate {aggregate_id} had any event by position {until}.")
    return render_template("audit/aggregate.html", found=found, newest=log.newest(),
                           asked_at=given.get("at", ""))


@bp.get("/as-of")
def as_of():
    log = event_log()
    given = {key: request.args[key] for key in ("position", "at") if request.args.get(key)}
    if not given:
        given = {"position": str(log.newest())}
    wanted, problems = load_query(AsOfQuerySchema, given)
    if not problems:
        try:
            position = position_of(log, wanted.get("position"), wanted.get("at"))
        except UnknownPosition as error:
            problems = {"position": [str(error)]}
    if problems:
        return render_template("audit/as_of.html", figures=None, problems=problems,
                               values=given, names={}, newest=log.newest()), 422
    figures = figures_json(log, position)
    only = {key: request.args.get(key, "") for key in ("project", "fund")}
    if only["project"]:
        figures["projects"] = [p for p in figures["projects"]
                               if str(p["project_id"]) == only["project"]]
        figures["funds"], figures["offers"] = [], [
            o for o in figures["offers"] if str(o["project_id"]) == only["project"]]
    elif only["fund"]:
        figures["funds"] = [f for f in figures["funds"] if str(f["fund_id"]) == only["fund"]]
        figures["projects"], figures["offers"] = [], []
    return render_template("audit/as_of.html", figures=figures, problems={}, values=given,
                           names=_names(), newest=log.newest(), only=only)


def _names() -> dict[str, str]:
    read = platform().read
    names = {str(p.id): p.title for p in read.projects(include_drafts=True, limit=100_000)}
    names.update({str(f.id): f.name for f in read.matching_funds()})
    return names
