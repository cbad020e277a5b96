"""A pilot's impact through API v1: anyone who may see the pilot lists its indicators with their
values and evidence; its delivery owner or its city's officers define indicators and report
values."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for

from adapters.impact_queries import IndicatorView
from web.api import bp
from web.api.http import caller, json_body, not_found, require_caller
from web.api.schemas import one
from web.crowdfunding.api.impact_schemas import (
    IndicatorCreateSchema,
    IndicatorListSchema,
    IndicatorSchema,
    ValueCreateSchema,
)
from web.crowdfunding.api.projects import DELIVERERS, delivered_project, visible_project
from web.crowdfunding.impact_reporting import report_with_evidence
from web.services import command, platform


def indicator_data(indicator: IndicatorView) -> dict[str, Any]:
    return {**indicator.__dict__, "target": format(indicator.target, "f"),
            "on_target": indicator.on_target,
            "values": [{**v.__dict__, "value": format(v.value, "f")}
                       for v in indicator.values]}


def _indicator(project_id: UUID, number: int) -> IndicatorView:
    found = [i for i in platform().read.indicators_of(project_id) if i.number == number]
    if not found:
        raise not_found("indicator")
    return found[0]


@bp.get("/projects/<uuid:project_id>/indicators")
def list_indicators(project_id: UUID):
    visible_project(project_id, caller())
    return jsonify(one(IndicatorListSchema).dump({"indicators": [
        indicator_data(i) for i in platform().read.indicators_of(project_id)]}))


@bp.post("/projects/<uuid:project_id>/indicators")
def define_indicator(project_id: UUID):
    user = require_caller(*DELIVERERS)
    wanted = json_body(one(IndicatorCreateSchema))
    delivered_project(project_id, user)
    number = command(lambda: platform().app.define_indicator(
        project_id, name=wanted["name"], unit=wanted.get("unit", ""), target=wanted["target"],
        direction=wanted["direction"], negatives_allowed=wanted["negatives_allowed"],
        money_benefit=wanted["money_benefit"]), actor=user.actor)
    return (jsonify(one(IndicatorSchema).dump(indicator_data(_indicator(project_id, number)))),
            201, {"Location": url_for("api.list_indicators", project_id=project_id)})


@bp.post("/projects/<uuid:project_id>/indicators/<int:number>/values")
def report_indicator_value(project_id: UUID, number: int):
    user = require_caller(*DELIVERERS)
    wanted = json_body(one(ValueCreateSchema))
    delivered_project(project_id, user)
    command(lambda: report_with_evidence(
        project_id, indicator=number, on=wanted["measured_on"], value=wanted["value"],
        unit=wanted.get("unit"), evidence=wanted["evidence"], links=wanted.get("links", [])),
        actor=user.actor)
    return (jsonify(one(IndicatorSchema).dump(indicator_data(_indicator(project_id, number)))),
            201, {"Location": url_for("api.list_indicators", project_id=project_id)})
