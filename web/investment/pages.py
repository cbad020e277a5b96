"""Investing on the web: `/invest` lists the open offers with their terms and the risk warning;
an offer's page shows its figures, the appropriateness check (the risk warning and the short
quiz, once per account) and then the commit form; "My investments" lists the signed-in
investor's commitments with a withdraw button while their offer is open. No JavaScript; every
form carries its CSRF token. A refusal shows on the page that was sent and records nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from adapters.offer_queries import OfferView
from adapters.statement_queries import statement_year
from domain.investment.offer import QUIZ, RISK_WARNING
from domain.investment.projection import projected_annual
from domain.kernel.errors import DomainError, InvalidAmount, NotFound
from domain.kernel.money import Money
from web.crowdfunding.console_forms import ActionForm
from web.errors import error_page, status_for
from web.investment.cash_flow_chart import cash_flow_chart
from web.investment.statement_csv import statement_csv as csv_of
from web.services import command, platform

bp = Blueprint("invest", __name__, url_prefix="/invest")

INVESTORS = ("citizen", "investor")
INCOMPLETE = "The form was incomplete: try again."
# Without a sandbox test card chosen, the card an investor pays in with; in sandbox mode the
# form offers the sandbox's test cards (as the pledge form does).
PAYMENT_METHOD = "card"
SANDBOX_CARD = "pm_card_visa"


def _offer(offer_id: UUID) -> OfferView:
    found = platform().read.offer(offer_id)
    if found is None or (found.project_status == "draft" and not _manages(found.city_id)):
        raise NotFound(f"No offer with id {offer_id}")
    return found


def _manages(city_id: UUID) -> bool:
    """An officer of the city (or an administrator) sees offers on the city's draft pilots."""
    if not current_user.is_authenticated:
        return False
    return current_user.has_role("admin", "auditor") or (
        current_user.has_role("city") and current_user.city_id == city_id)


def _may_invest() -> bool:
    return current_user.is_authenticated and current_user.has_role(*INVESTORS)


def _passed() -> bool:
    return _may_invest() and platform().read.passed_appropriateness(current_user.account_id)


@bp.get("")
def offers():
    now = platform().clock.now()
    listed = [o for o in platform().read.offers() if o.is_open(now)]
    return render_template("invest/offers.html", offers=listed, risk_warning=RISK_WARNING,
                           may_invest=_may_invest())


@bp.get("/offers/<uuid:offer_id>")
def offer(offer_id: UUID):
    return _offer_page(_offer(offer_id))


def _sandbox() -> bool:
    return platform().settings.payments == "sandbox"


def _offer_page(found: OfferView, status: int = 200, *, values: dict | None = None,
                errors: dict | None = None, problem: str | None = None):
    return render_template(
        "invest/offer.html", offer=found, now=platform().clock.now(),
        cards=platform().test_cards if _sandbox() else (),
        risk_warning=RISK_WARNING, quiz=QUIZ, may_invest=_may_invest(), passed=_passed(),
        values=values or {}, errors=errors or {}, problem=problem,
    ), status


def _refused_by_role():
    return error_page(403, "For citizen and investor accounts",
                      "Investing is open to citizen and investor accounts. Your account "
                      "cannot invest.")


@bp.post("/offers/<uuid:offer_id>/appropriateness")
@login_required
def appropriateness(offer_id: UUID):
    found = _offer(offer_id)
    if not _may_invest():
        return _refused_by_role()
    if not ActionForm().validate():
        return _offer_page(found, 400, problem=INCOMPLETE)
    values = request.form.to_dict()
    answers = {key: values.get(f"answer_{key}", "") for key in QUIZ}
    missing = {f"answer_{key}": "Choose an answer" for key, given in answers.items() if not given}
    if missing:
        return _offer_page(found, 422, values=values, errors=missing)
    try:
        command(lambda: platform().app.pass_appropriateness(
            answers=answers, risk_warning_accepted=values.get("risk_warning") == "yes"))
    except DomainError as problem:
        field = (problem.field or "").replace("answers.", "answer_")
        if field == "risk_warning_accepted":
            field = "risk_warning"
        if field in {"risk_warning", *(f"answer_{k}" for k in QUIZ)}:
            return _offer_page(found, status_for(problem), values=values,
                               errors={field: problem.message})
        return _offer_page(found, status_for(problem), values=values, problem=problem.message)
    flash("Thank you: you have passed the appropriateness check and can now invest.",
          "success")
    return redirect(url_for("invest.offer", offer_id=offer_id), code=303)


def _amount(text: str, currency: str) -> tuple[Money | None, str | None]:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None, f"Enter an amount in {currency}, for example 50.00"
    try:
        amount = Money.parse(text, currency)
    except InvalidAmount as problem:
        return None, problem.message
    if not amount.is_positive():
        return None, "The amount must be more than zero"
    return amount, None


@bp.post("/offers/<uuid:offer_id>/commit")
@login_required
def commit(offer_id: UUID):
    found = _offer(offer_id)
    if not _may_invest():
        return _refused_by_role()
    if not ActionForm().validate():
        return _offer_page(found, 400, problem=INCOMPLETE)
    values = request.form.to_dict()
    amount, error = _amount(values.get("amount", ""), found.currency)
    if error:
        return _offer_page(found, 422, values=values, errors={"amount": error})
    card = values.get("payment_method") or (SANDBOX_CARD if _sandbox() else PAYMENT_METHOD)
    if _sandbox() and card not in dict(platform().test_cards):
        return _offer_page(found, 422, values=values,
                           errors={"payment_method": "Choose one of the test cards"})
    try:
        command(lambda: platform().app.commit_to_offer(offer_id, amount=amount,
                                                       payment_method=card))
    except DomainError as problem:
        if problem.field in ("amount", "currency"):
            return _offer_page(_offer(offer_id), status_for(problem), values=values,
                               errors={"amount": problem.message})
        return _offer_page(_offer(offer_id), status_for(problem), values=values,
                           problem=problem.message)
    flash(f"You committed {amount.display()} to “{found.project_title}”. You pay in only if "
          "the offer reaches its minimum and the pilot is funded.", "success")
    return redirect(url_for("invest.mine"), code=303)


@bp.get("/mine")
@login_required
def mine():
    return _mine_page()


def _mine_page(status: int = 200, problem: str | None = None):
    now = platform().clock.now()
    investments = platform().read.investments_of(current_user.account_id)
    withdrawable = {i.id for i in investments
                    if i.state == "committed" and now < i.offer_closes_at}
    holdings = platform().read.portfolio(current_user.account_id, now.date())
    charts = {h.offer_id: cash_flow_chart(h) for h in holdings}
    positions = {i.id: platform().log_positions(i.offer_id, {"commitment_id": str(i.id)})
                 for i in investments}
    return render_template("invest/mine.html", investments=investments,
                           withdrawable=withdrawable, problem=problem, holdings=holdings,
                           charts=charts, cards=platform().test_cards if _sandbox() else (),
                           log_positions=positions,
                           statement_years=platform().read.statement_years(
                               current_user.account_id)), status


def _no_statement(year: str):
    return error_page(404, "No such statement",
                      f"There is no statement for \"{year}\": statements are by calendar year, "
                      "such as /invest/statements/2027.")


@bp.get("/statements/<string:year>")
@login_required
def statement(year: str):
    wanted = statement_year(year)
    if wanted is None:
        return _no_statement(year)
    return render_template("invest/statement.html",
                           statement=platform().read.statement(current_user.account_id, wanted),
                           printed_on=platform().clock.now().date())


@bp.get("/statements/<string:year>.csv")
@login_required
def statement_csv(year: str):
    wanted = statement_year(year)
    if wanted is None:
        return _no_statement(year)
    return Response(csv_of(platform().read.statement(current_user.account_id, wanted)),
                    mimetype="text/csv", headers={
                        "Content-Disposition":
                            f'attachment; filename="civicfund-statement-{wanted}.csv"',
                        "Cache-Control": "no-store"})


@bp.get("/commitments/<uuid:commitment_id>/receipt.json")
@login_required
def commitment_receipt(commitment_id: UUID):
    """The commitment's entries in the transparency log with their inclusion proofs, a signed
    checkpoint and its key (tools/verify_receipt.py checks it offline)."""
    found = platform().read.investment(commitment_id)
    if found is None or found.investor_id != current_user.account_id:
        raise NotFound(f"No investment commitment with id {commitment_id}")
    response = jsonify(platform().receipt(found.offer_id,
                                          naming={"commitment_id": str(commitment_id)}))
    response.headers["Content-Disposition"] = (
        f'attachment; filename="civicfund-receipt-{commitment_id}.json"')
    return response


@bp.post("/commitments/<uuid:commitment_id>/withdraw")
@login_required
def withdraw(commitment_id: UUID):
    if not ActionForm().validate():
        return _mine_page(400, INCOMPLETE)
    found = platform().read.investment(commitment_id)
    if found is None or found.investor_id != current_user.account_id:
        raise NotFound(f"No investment commitment with id {commitment_id}")
    try:
        command(lambda: platform().app.withdraw_investment(found.offer_id, commitment_id))
    except DomainError as problem:
        return _mine_page(status_for(problem), problem.message)
    flash(f"Your commitment of {found.amount.display()} to “{found.project_title}” is "
          "withdrawn.", "success")
    return redirect(url_for("invest.mine"), code=303)


@bp.post("/commitments/<uuid:commitment_id>/card")
@login_required
def change_card(commitment_id: UUID):
    """After a failed pay-in, pay in with another (sandbox test) card at once."""
    if not ActionForm().validate():
        return _mine_page(400, INCOMPLETE)
    found = platform().read.investment(commitment_id)
    if found is None or found.investor_id != current_user.account_id:
        raise NotFound(f"No investment commitment with id {commitment_id}")
    card = request.form.get("payment_method", "")
    if card not in dict(platform().test_cards):
        return _mine_page(422, "Choose one of the test cards")
    try:
        paid = command(lambda: platform().app.change_investment_card(
            found.offer_id, commitment_id, payment_method=card))
    except DomainError as problem:
        return _mine_page(status_for(problem), problem.message)
    if paid:
        flash(f"Thank you: {found.amount.display()} is paid in to “{found.project_title}”.",
              "success")
    else:
        flash("That card did not go through either: see why below.", "error")
    return redirect(url_for("invest.mine"), code=303)


def terms_lines(offer: OfferView) -> list[tuple[str, str]]:
    """The offer's terms in words, for the pages."""
    terms: dict[str, Any] = offer.terms
    if offer.kind == "community_bond":
        every = "every 6 months" if terms["payments_per_year"] == 2 else "every 12 months"
        repaid = ("in equal instalments" if terms["repayment"] == "amortising"
                  else "in full at maturity")
        return [("Interest", f"{_percent(terms['rate'])} a year, paid {every}"),
                ("Term", f"{terms['term_years']} years"),
                ("Capital", f"repaid {repaid}"),
                ("Who owes it", "The city owes the schedule whatever the pilot yields")]
    agreement = terms["agreement"]
    residual = ", ".join(f"{party.replace('_', ' ')} {share} %"
                         for party, share in agreement["residual"].items())
    lines = [("Preferred return", f"{_percent(agreement['preferred_rate'])} a year on "
                                  "outstanding capital, after your capital is returned"),
             ("Residual split", residual),
             ("Paid from", "The pilot's approved, measured benefits: nothing if it yields "
                           "nothing")]
    annual = projected_annual(agreement, offer.currency)
    if annual is not None:
        lines.append(("Projected benefits", f"{annual.display()} a year: a projection, not a "
                                            "promise; your performance is measured against it"))
    return lines


def _percent(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f} %"


@bp.app_template_filter("offer_terms")
def _offer_terms(offer: OfferView) -> list[tuple[str, str]]:
    return terms_lines(offer)
