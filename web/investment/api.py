"""Investment offers: anyone reads the offers on public pilots; a city's officers add offers to
their city's pilots; a citizen or investor account passes the appropriateness check once, then
commits to an offer and may withdraw until the offer closes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for

from adapters.offer_queries import InvestmentView, OfferView
from domain.investment.offer import QUIZ, RISK_WARNING
from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money
from web.api import bp
from web.api.http import caller, forbidden, json_body, not_found, require_caller
from web.api.schemas import one
from web.crowdfunding.api.projects import MANAGERS, manages_city, visible_project
from web.investment.api_schemas import (
    AppropriatenessAnswerSchema,
    AppropriatenessSchema,
    InvestmentCreateSchema,
    InvestmentSchema,
    OfferCreateSchema,
    OfferListSchema,
    OfferSchema,
)
from web.services import command, platform

INVESTORS = ("citizen", "investor")
QUESTIONS = [{"id": key, "question": question, "choices": list(choices)}
             for key, (question, choices, _right) in QUIZ.items()]


def now() -> Any:
    return platform().clock.now()


def offer_data(offer: OfferView) -> dict[str, Any]:
    return {**offer.__dict__, "left": offer.left, "reached_minimum": offer.reached_minimum,
            "open": offer.is_open(now()), "risk_warning": RISK_WARNING, "quiz": QUESTIONS}


def offer_json(offer: OfferView) -> dict[str, Any]:
    return one(OfferSchema).dump(offer_data(offer))


def investment_json(investment: InvestmentView) -> dict[str, Any]:
    return one(InvestmentSchema).dump(investment)


def visible_offer(offer_id: UUID) -> OfferView:
    """The offer, unless it is missing or on a draft pilot the caller may not see."""
    found = platform().read.offer(offer_id)
    if found is None or (found.project_status == "draft"
                         and not manages_city(caller(), found.city_id)):
        raise not_found("offer")
    return found


# -- reading -----------------------------------------------------------------------------------

@bp.get("/offers")
def list_offers():
    offers = platform().read.offers()
    return jsonify(one(OfferListSchema).dump({"offers": [offer_data(o) for o in offers]}))


@bp.get("/offers/<uuid:offer_id>")
def get_offer(offer_id: UUID):
    return jsonify(offer_json(visible_offer(offer_id)))


# -- the city's command ------------------------------------------------------------------------

@bp.post("/projects/<uuid:project_id>/offers")
def add_offer(project_id: UUID):
    user = require_caller(*MANAGERS)
    wanted = json_body(one(OfferCreateSchema))
    project = visible_project(project_id, user)
    if not manages_city(user, project.city_id):
        raise forbidden("Only officers of this pilot's city can add investment offers to it")
    if wanted["currency"] != project.currency:
        raise CurrencyMismatch(f"This pilot raises {project.currency}, not "
                               f"{wanted['currency']!r}")
    amounts = {name: Money.parse(wanted[name], project.currency)
               for name in ("target", "minimum", "maximum", "min_ticket")}
    offer_id = command(
        lambda: platform().app.add_offer(
            project_id, kind=wanted["kind"], currency=wanted["currency"], **amounts,
            opens_at=wanted["opens_at"], closes_at=wanted["closes_at"], terms=wanted["terms"],
        ),
        actor=user.actor,
    )
    location = url_for("api.get_offer", offer_id=offer_id)
    return jsonify(offer_json(platform().read.offer(offer_id))), 201, {"Location": location}


# -- investors' commands -----------------------------------------------------------------------

@bp.post("/me/appropriateness")
def pass_appropriateness():
    user = require_caller(*INVESTORS)
    wanted = json_body(one(AppropriatenessSchema))
    recorded = command(
        lambda: platform().app.pass_appropriateness(
            answers=wanted["answers"], risk_warning_accepted=wanted["risk_warning_accepted"],
        ),
        actor=user.actor,
    )
    answer = {"passed": True, "recorded": recorded}
    return jsonify(one(AppropriatenessAnswerSchema).dump(answer)), 201 if recorded else 200


@bp.post("/offers/<uuid:offer_id>/commitments")
def commit_to_offer(offer_id: UUID):
    user = require_caller(*INVESTORS)
    wanted = json_body(one(InvestmentCreateSchema))
    offer = visible_offer(offer_id)
    named = wanted.get("currency")
    if named is not None and named != offer.currency:
        raise CurrencyMismatch(f"This offer raises {offer.currency}, not {named!r}")
    amount = Money.parse(wanted["amount"], offer.currency)
    commitment_id = command(
        lambda: platform().app.commit_to_offer(offer_id, amount=amount,
                                               payment_method=wanted["payment_method"]),
        actor=user.actor,
    )
    found = platform().read.investment(commitment_id)
    return jsonify(investment_json(found)), 201


@bp.delete("/investment-commitments/<uuid:commitment_id>")
def withdraw_investment(commitment_id: UUID):
    user = require_caller(*INVESTORS)
    found = platform().read.investment(commitment_id)
    if found is None or found.investor_id != user.account_id:
        raise not_found("investment commitment")
    command(lambda: platform().app.withdraw_investment(found.offer_id, commitment_id),
            actor=user.actor)
    return jsonify(investment_json(platform().read.investment(commitment_id)))
