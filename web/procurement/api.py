"""Procurement API: calls (officers draft, open, close, cancel, appoint evaluators, award and
advance phases), proposals (proposers draft, edit, submit, withdraw), scores (evaluators) and the
ranking (sealed until every evaluator scored or an officer closed the evaluation)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for

from adapters.procurement_queries import CallView
from domain.crowdfunding.project import BudgetLine
from domain.kernel.errors import InvalidCity
from domain.kernel.money import Money
from domain.procurement.call import InvalidCall
from web.api import bp
from web.api.http import (
    ApiError,
    caller,
    forbidden,
    json_body,
    not_found,
    query_args,
    require_caller,
)
from web.api.schemas import EmptySchema, one
from web.crowdfunding.api.projects import MANAGERS, manages_city
from web.procurement.api_schemas import (
    AdvanceSchema,
    AwardedSchema,
    AwardInSchema,
    CallCreateSchema,
    CallFilterSchema,
    CallListSchema,
    CallSchema,
    CancelSchema,
    ClosedSchema,
    EvaluatorSchema,
    ProposalInSchema,
    ProposalListSchema,
    ProposalSchema,
    RankingQuerySchema,
    ScoresSchema,
)
from web.procurement.call_json import (
    bcr_of,
    call_json,
    may_read,
    proposal_json,
    proposal_or_none,
    ranking_json,
    ranking_visible,
    sees_call,
)
from web.procurement.cba_schemas import to_analysis
from web.services import command, platform
from web.users import User

SCORERS = ("evaluator", "city", "admin")


def _call(call_id: UUID, user: User | None) -> CallView:
    call = platform().read.call(call_id)
    if call is None or not sees_call(user, call):
        raise not_found("call")
    return call


def _managed(call_id: UUID, user: User) -> CallView:
    call = _call(call_id, user)
    if not manages_city(user, call.city_id):
        raise forbidden("Only officers of the call's city can manage it")
    return call


def _call_answer(call_id: UUID) -> dict[str, Any]:
    return one(CallSchema).dump(call_json(platform().read.call(call_id)))


# -- calls -------------------------------------------------------------------------------------

@bp.get("/calls")
def list_calls():
    user = caller()
    wanted = query_args(one(CallFilterSchema))
    read = platform().read
    city_id = None
    if "city" in wanted:
        city = read.city_named(wanted["city"])
        if city is None:
            return jsonify({"calls": []})
        city_id = city.id
    officer_city = user.city_id if user is not None and user.role == "city" else None
    calls = read.calls(city_id=city_id, public_only=not (user and user.role == "admin"),
                       officer_city=officer_city)
    return jsonify(one(CallListSchema).dump({"calls": [call_json(c) for c in calls]}))


@bp.get("/calls/<uuid:call_id>")
def get_call(call_id: UUID):
    return jsonify(one(CallSchema).dump(call_json(_call(call_id, caller()))))


@bp.post("/calls")
def create_call():
    user = require_caller(*MANAGERS)
    wanted = json_body(one(CallCreateSchema))
    city = platform().read.city_named(wanted["city"])
    if city is None:
        raise InvalidCity(f"There is no city called {wanted['city']!r}", field="city")
    if not manages_city(user, city.id):
        raise forbidden("Only officers of that city can post its calls")
    if wanted["currency"] != city.currency:
        raise InvalidCall(f"{city.name}'s calls are in {city.currency}", field="currency")
    budget = Money.parse(wanted["budget"], city.currency)
    call_id = command(lambda: platform().app.draft_call(
        city_id=city.id, title=wanted["title"], challenge=wanted["challenge"],
        route=wanted["route"], budget=budget, capital_stack=wanted["capital_stack"],
        opens_at=wanted["opens_at"], closes_at=wanted["closes_at"],
        areas=wanted["eligibility"]["areas"], themes=wanted["eligibility"]["themes"],
        criteria=wanted["criteria"], phases=wanted["phases"],
    ), actor=user.actor)
    location = url_for("api.get_call", call_id=call_id)
    return jsonify(_call_answer(call_id)), 201, {"Location": location}


@bp.post("/calls/<uuid:call_id>/open")
def open_call(call_id: UUID):
    user = require_caller(*MANAGERS)
    json_body(one(EmptySchema), optional=True)
    _managed(call_id, user)
    command(lambda: platform().app.open_call(call_id), actor=user.actor)
    return jsonify(_call_answer(call_id))


@bp.post("/calls/<uuid:call_id>/close")
def close_call(call_id: UUID):
    user = require_caller(*MANAGERS)
    json_body(one(EmptySchema), optional=True)
    _managed(call_id, user)
    status = command(lambda: platform().app.close_call(call_id), actor=user.actor)
    return jsonify(one(ClosedSchema).dump({"status": status,
                                           "call": call_json(platform().read.call(call_id))}))


@bp.post("/calls/<uuid:call_id>/cancel")
def cancel_call(call_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(CancelSchema), optional=True)
    _managed(call_id, user)
    command(lambda: platform().app.cancel_call(call_id, wanted.get("reason", "")),
            actor=user.actor)
    return jsonify(_call_answer(call_id))


@bp.post("/calls/<uuid:call_id>/evaluators")
def appoint_evaluator(call_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(EvaluatorSchema))
    _managed(call_id, user)
    account = platform().accounts.by_email(wanted["email"])
    if account is None:
        raise InvalidCall("There is no account with that email", field="email")
    command(lambda: platform().app.appoint_evaluator(call_id, account.id), actor=user.actor)
    return jsonify(_call_answer(call_id)), 201


# -- proposals ---------------------------------------------------------------------------------

def _content(wanted: dict[str, Any], currency: str) -> dict[str, Any]:
    lines = [BudgetLine(line["label"], Money.parse(line["amount"], currency), line["required"])
             for line in wanted["budget_lines"]]
    cba = to_analysis(wanted["cba"], currency) if wanted.get("cba") else None
    return {**wanted, "budget_lines": lines, "capital_stack": wanted.get("capital_stack") or {},
            "cba": cba}


def _proposal_answer(proposal_id: UUID, user: User) -> dict[str, Any]:
    proposal, call = proposal_or_none(proposal_id)
    return one(ProposalSchema).dump(proposal_json(proposal, call, user))


@bp.post("/calls/<uuid:call_id>/proposals")
def create_proposal(call_id: UUID):
    user = require_caller("proposer")
    wanted = json_body(one(ProposalInSchema))
    call = _call(call_id, user)
    content = _content(wanted, call.currency)
    proposal_id = command(lambda: platform().app.draft_proposal(call_id, content),
                          actor=user.actor)
    location = url_for("api.get_proposal", proposal_id=proposal_id)
    return jsonify(_proposal_answer(proposal_id, user)), 201, {"Location": location}


@bp.get("/calls/<uuid:call_id>/proposals")
def list_call_proposals(call_id: UUID):
    user = caller()
    call = _call(call_id, user)
    found = [proposal_json(p, call, user) for p in platform().read.proposals_of_call(call_id)
             if may_read(user, p, call)]
    return jsonify(one(ProposalListSchema).dump({"proposals": found}))


def _readable(proposal_id: UUID, user: User | None):
    found = proposal_or_none(proposal_id)
    if found is None:
        raise not_found("proposal")
    proposal, call = found
    if not may_read(user, proposal, call):
        if user is not None and user.role == "proposer":
            raise forbidden("This is another proposer's proposal")
        raise not_found("proposal")
    return proposal, call


@bp.get("/proposals/<uuid:proposal_id>")
def get_proposal(proposal_id: UUID):
    user = caller()
    proposal, call = _readable(proposal_id, user)
    return jsonify(one(ProposalSchema).dump(proposal_json(proposal, call, user)))


@bp.put("/proposals/<uuid:proposal_id>")
def edit_proposal(proposal_id: UUID):
    user = require_caller("proposer")
    wanted = json_body(one(ProposalInSchema))
    _proposal, call = _readable(proposal_id, user)
    content = _content(wanted, call.currency)
    command(lambda: platform().app.edit_proposal(proposal_id, content), actor=user.actor)
    return jsonify(_proposal_answer(proposal_id, user))


@bp.post("/proposals/<uuid:proposal_id>/submit")
def submit_proposal(proposal_id: UUID):
    user = require_caller("proposer")
    json_body(one(EmptySchema), optional=True)
    _readable(proposal_id, user)
    command(lambda: platform().app.submit_proposal(proposal_id), actor=user.actor)
    return jsonify(_proposal_answer(proposal_id, user))


@bp.post("/proposals/<uuid:proposal_id>/withdraw")
def withdraw_proposal(proposal_id: UUID):
    user = require_caller("proposer")
    json_body(one(EmptySchema), optional=True)
    _readable(proposal_id, user)
    command(lambda: platform().app.withdraw_proposal(proposal_id), actor=user.actor)
    return jsonify(_proposal_answer(proposal_id, user))


# -- evaluation and award ----------------------------------------------------------------------

@bp.post("/proposals/<uuid:proposal_id>/scores")
def score_proposal(proposal_id: UUID):
    user = require_caller(*SCORERS)
    wanted = json_body(one(ScoresSchema))
    found = proposal_or_none(proposal_id)
    if found is None:
        raise not_found("proposal")
    command(lambda: platform().app.score_proposal(
        proposal_id, conflict_of_interest=wanted["conflict_of_interest"],
        scores=wanted["scores"]), actor=user.actor)
    return jsonify({"proposal_id": str(proposal_id),
                    "conflict_of_interest": wanted["conflict_of_interest"],
                    "recorded": True}), 201


@bp.get("/calls/<uuid:call_id>/ranking")
def call_ranking(call_id: UUID):
    user = caller()
    wanted = query_args(one(RankingQuerySchema))
    call = _call(call_id, user)
    phase = wanted.get("phase", call.phase)
    if phase > call.phase:
        raise not_found("phase of this call")
    if not ranking_visible(user, call):
        raise forbidden("The ranking is published once the call is awarded")
    read = platform().read
    status = call.status_at(platform().clock.now())
    if status not in ("evaluating", "awarded", "closed") or read.is_sealed(call, phase):
        raise ApiError(409, "sealed", "Scores are sealed until every appointed evaluator has "
                                      "scored or an officer closes the evaluation")
    return jsonify(ranking_json(read.ranking(call, phase, bcr_of=bcr_of)))


@bp.post("/calls/<uuid:call_id>/awards")
def award_proposal(call_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(AwardInSchema))
    call = _managed(call_id, user)
    amount = Money.parse(wanted["amount"], call.currency)
    project_id = command(lambda: platform().app.award(
        call_id, wanted["proposal_id"], amount=amount, reason=wanted["reason"]),
        actor=user.actor)
    return jsonify(one(AwardedSchema).dump(
        {"project_id": project_id, "call": call_json(platform().read.call(call_id))})), 201


@bp.post("/calls/<uuid:call_id>/phases/<int:number>/advance")
def advance_phase(call_id: UUID, number: int):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(AdvanceSchema))
    _managed(call_id, user)
    command(lambda: platform().app.advance_phase(call_id, number, wanted["proposal_ids"]),
            actor=user.actor)
    return jsonify(_call_answer(call_id))

