"""Matching funds: anyone reads them and previews what they add to a pledge; a city's officers
create their city's funds, top them up, amend their rules and close them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for
from marshmallow import INCLUDE

from adapters.queries import FundView
from domain.kernel.errors import InvalidCity
from domain.kernel.money import Money
from domain.matching.fund import InvalidFund
from domain.matching.rules import InvalidRules, Rules, parse_rules
from web.api import bp
from web.api.http import caller, forbidden, json_body, not_found, query_args, require_caller
from web.api.schemas import EmptySchema, one
from web.crowdfunding.api.projects import MANAGERS, manages_city, visible_project
from web.matching.api_schemas import (
    RULE_AMOUNTS,
    EffectiveFromSchema,
    FundCreateSchema,
    FundFilterSchema,
    FundListSchema,
    FundSchema,
    MatchPreviewQuerySchema,
    TopUpSchema,
    rules_json,
)
from web.matching.preview_json import preview_json
from web.services import command, platform
from web.users import User

_MAX_INTEGER_DIGITS = 13  # as for every other amount the API takes


def _rules(data: Any, currency: str) -> Rules:
    """The domain reads the rules; amounts too long for any pool are refused first."""
    if isinstance(data, dict):
        for name in RULE_AMOUNTS:
            value = data.get(name)
            whole = value.strip().partition(".")[0] if isinstance(value, str) else ""
            if len(whole) > _MAX_INTEGER_DIGITS:
                raise InvalidRules(f"{name}: that amount is too large")
    return parse_rules(data, currency)


def _summary(fund: FundView) -> dict[str, Any]:
    return {
        "id": fund.id, "name": fund.name, "sponsor": fund.sponsor, "city": fund.city_name,
        "city_id": fund.city_id, "currency": fund.currency, "pool": fund.pool,
        "committed": fund.committed, "reserved": fund.reserved, "available": fund.available,
        "returned": fund.returned, "status": fund.status, "position": fund.position,
        "opens_at": fund.opens_at, "closes_at": fund.closes_at,
        "eligibility": {"themes": list(fund.themes), "areas": list(fund.areas),
                        "calls": list(fund.calls)},
        "rules": rules_json(fund.rules, fund.currency, version=fund.rule_version,
                            description=fund.rules_text),
    }


def fund_json(fund: FundView) -> dict[str, Any]:
    read = platform().read
    history = [
        {"version": v.version, "effective_from": v.effective_from, "amended_at": v.amended_at,
         "rules": rules_json(v.rules, fund.currency, version=v.version,
                             description=v.rules_text)}
        for v in read.fund_rule_versions(fund.id)
    ]
    return one(FundSchema).dump(
        {**_summary(fund), "rule_history": history, "projects": read.fund_projects(fund.id)}
    )


def _fund(fund_id: UUID) -> FundView:
    fund = platform().read.matching_fund(fund_id)
    if fund is None:
        raise not_found("matching fund")
    return fund


def _managed_fund(fund_id: UUID, user: User) -> FundView:
    fund = _fund(fund_id)
    if not manages_city(user, fund.city_id):
        raise _forbidden()
    return fund


def _forbidden():
    return forbidden("Only officers of the fund's city can manage its matching funds")


# -- reading -----------------------------------------------------------------------------------

@bp.get("/matching-funds")
def list_matching_funds():
    wanted = query_args(one(FundFilterSchema))
    read = platform().read
    city_id = None
    if "city" in wanted:
        city = read.city_named(wanted["city"])
        if city is None:
            return jsonify(one(FundListSchema).dump({"matching_funds": []}))
        city_id = city.id
    funds = [_summary(f) for f in read.matching_funds(city_id)]
    return jsonify(one(FundListSchema).dump({"matching_funds": funds}))


@bp.get("/matching-funds/<uuid:fund_id>")
def get_matching_fund(fund_id: UUID):
    return jsonify(fund_json(_fund(fund_id)))


@bp.get("/projects/<uuid:project_id>/match-preview")
def match_preview(project_id: UUID):
    user = caller()
    wanted = query_args(one(MatchPreviewQuerySchema))
    project = visible_project(project_id, user)
    amount = Money.parse(wanted["amount"], project.currency)
    # One match per backer depends on who asks: a signed-in citizen is asked about as a backer.
    citizen_id = user.account_id if user is not None and user.role == "citizen" else None
    previews = platform().app.match_preview(project_id, amount, citizen_id=citizen_id)
    return jsonify(preview_json(amount, previews))


# -- the city's commands -----------------------------------------------------------------------

@bp.post("/matching-funds")
def create_matching_fund():
    user = require_caller(*MANAGERS)
    wanted = json_body(one(FundCreateSchema))
    city = platform().read.city_named(wanted["city"])
    if city is None:
        raise InvalidCity(f"There is no city called {wanted['city']!r}", field="city")
    if not manages_city(user, city.id):
        raise _forbidden()
    if wanted["currency"] != city.currency:
        raise InvalidFund(
            f"{city.name}'s pilots take {city.currency}; a fund in {wanted['currency']} could "
            "not match them", field="currency",
        )
    pool = Money.parse(wanted["pool"], city.currency)
    rules = _rules(wanted["rules"], city.currency)
    eligibility = wanted["eligibility"]
    for call_id in eligibility.get("calls", []):
        call = platform().read.call(call_id)
        if call is None or call.city_id != city.id:
            raise InvalidFund(f"{city.name} has no call {call_id}", field="eligibility.calls")
    fund_id = command(
        lambda: platform().app.create_matching_fund(
            city_id=city.id, name=wanted["name"], sponsor=wanted["sponsor"],
            currency=city.currency, pool=pool,
            opens_at=wanted.get("opens_at") or platform().clock.now(),
            closes_at=wanted["closes_at"], themes=eligibility["themes"],
            areas=eligibility["areas"], rules=rules, calls=eligibility.get("calls", []),
        ),
        actor=user.actor,
    )
    location = url_for("api.get_matching_fund", fund_id=fund_id)
    return jsonify(fund_json(_fund(fund_id))), 201, {"Location": location}


class _AmendmentSchema(EffectiveFromSchema):
    """The new rules with an optional effective_from; the rules go to the domain as sent."""

    class Meta:
        unknown = INCLUDE


@bp.post("/matching-funds/<uuid:fund_id>/rules")
def amend_matching_rules(fund_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(_AmendmentSchema())
    fund = _managed_fund(fund_id, user)
    effective_from = wanted.pop("effective_from", None)
    rules = _rules(wanted, fund.currency)
    version = command(
        lambda: platform().app.amend_matching_rules(fund_id, rules,
                                                    effective_from=effective_from),
        actor=user.actor,
    )
    return jsonify({"version": version, "fund": fund_json(_fund(fund_id))}), 201


@bp.post("/matching-funds/<uuid:fund_id>/top-ups")
def top_up_matching_fund(fund_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(TopUpSchema))
    fund = _managed_fund(fund_id, user)
    amount = Money.parse(wanted["amount"], fund.currency)
    command(lambda: platform().app.top_up_matching_fund(fund_id, amount), actor=user.actor)
    return jsonify(fund_json(_fund(fund_id)))


@bp.post("/matching-funds/<uuid:fund_id>/close")
def close_matching_fund(fund_id: UUID):
    user = require_caller(*MANAGERS)
    json_body(one(EmptySchema), optional=True)
    _managed_fund(fund_id, user)
    returned = command(lambda: platform().app.close_matching_fund(fund_id), actor=user.actor)
    return jsonify({"returned": returned.to_decimal_string(), "fund": fund_json(_fund(fund_id))})
