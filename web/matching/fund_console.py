"""The city console's matching funds: an officer lists their city's funds, creates one, tops it up,
publishes a new version of its rules and closes it. Administrators do the same for any city.

A refusal shows on the page that was sent, with what was typed kept, and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.queries import CityView, FundView
from domain.kernel.errors import DomainError, NotFound, NotPermitted
from domain.matching.rules import KIND_NAMES, KINDS, QUADRATIC
from web.crowdfunding.console_forms import ActionForm
from web.errors import error_page, status_for
from web.extensions import login_manager
from web.filters import local_datetime
from web.matching.fund_form import (
    FIELD_LABELS,
    KIND_WORDS,
    RULE_FIELDS,
    AmendForm,
    FundForm,
    RulesInput,
    TopUpForm,
    rule_values,
)
from web.pictures.pages import add_fund_logo_routes
from web.services import command, platform

bp = Blueprint("fund_console", __name__, url_prefix="/console/funds")

T = TypeVar("T")


@bp.before_request
def _officers_and_admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.has_role("admin", "auditor"):  # auditors read, never change
        return None
    if not current_user.has_role("city"):
        return error_page(
            403, "For city officers only",
            "Matching funds are set up in the city console by the city's officers. "
            "Your account is not a city officer's account.",
        )
    if _officer_city() is None:
        return error_page(
            403, "No city on your account",
            "Your officer account is not tied to a city yet. Ask an administrator to set it.",
        )
    return None


@bp.context_processor
def _words() -> dict:
    return {"kind_names": KIND_NAMES, "kind_words": KIND_WORDS, "kinds": KINDS,
            "rule_fields": RULE_FIELDS, "field_labels": FIELD_LABELS}


def _is_admin() -> bool:
    """Sees every city's (auditors too: they read everything and change nothing)."""
    return current_user.has_role("admin", "auditor")


def _officer_city() -> CityView | None:
    return platform().read.city(current_user.city_id) if current_user.city_id else None


def _own_fund(fund_id: UUID) -> FundView:
    """A fund the signed-in person manages: 404 when there is none, 403 for another city's."""
    fund = platform().read.matching_fund(fund_id)
    if fund is None:
        raise NotFound(f"No matching fund with id {fund_id}")
    if not _is_admin() and fund.city_id != current_user.city_id:
        raise NotPermitted("This fund belongs to another city: only its officers manage it")
    return fund


def _city_of(fund: FundView) -> CityView:
    city = platform().read.city(fund.city_id)
    if city is None:  # the read model lags the fund's city: never in one process
        abort(404)
    return city


# -- the list ------------------------------------------------------------------------------------

@bp.get("")
def home():
    read = platform().read
    city = None if _is_admin() else _officer_city()
    funds = read.matching_funds(city.id if city else None)
    cities = [city] if city else read.cities()
    return render_template(
        "console/funds.html",
        city=city,
        groups=[(c, [f for f in funds if f.city_id == c.id]) for c in cities],
    )


# -- a new fund ----------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new_fund():
    now = platform().clock.now()
    if request.method == "GET":
        city = _chosen_city(request.args.get("city", ""))
        chosen = str(city.id) if city else ""
        timezone = city.timezone if city else "UTC"
        return _new_page(FundForm.blank(now=now, timezone=timezone, city_id=chosen), city)

    form = FundForm.from_submission(request.form)
    city = _chosen_city(form.values["city"])
    if city is None:
        form.error("city", "Choose the city whose pilots the fund matches")
        return _new_page(form, None, 422)
    arguments = form.arguments(currency=city.currency, timezone=city.timezone,
                               now=platform().clock.now())
    if arguments is None:
        return _new_page(form, city, 422)
    city_calls = {str(c.id) for c in platform().read.calls(city_id=city.id, public_only=False)}
    if any(call not in city_calls for call in arguments["calls"]):
        form.error("calls", f"Choose among {city.name}'s calls")
        return _new_page(form, city, 422)
    try:
        fund_id = command(
            lambda: platform().app.create_matching_fund(city_id=city.id, **arguments)
        )
    except NotPermitted as problem:
        return _new_page(form, city, 403, problem=problem.message)
    except DomainError as problem:
        form.show_domain_error(problem)
        return _new_page(form, city, status_for(problem))
    flash(f"“{' '.join(arguments['name'].split())}” is set up with a pool of "
          f"{arguments['pool'].display()}: it matches pledges to {city.name}'s pilots "
          "by the rules shown below.", "success")
    return redirect(url_for("fund_console.fund", fund_id=fund_id), code=303)


def _chosen_city(raw: str) -> CityView | None:
    """An officer's fund is always for their city; an administrator picks one."""
    if not _is_admin():
        return _officer_city()
    try:
        return platform().read.city(UUID(raw))
    except ValueError:
        return None


def _new_page(form: FundForm, city: CityView | None, status: int = 200, problem: str | None = None):
    return render_template(
        "console/new_fund.html",
        city=city,
        cities=platform().read.cities() if _is_admin() else [],
        calls=platform().read.calls(city_id=city.id, public_only=False) if city else [],
        form=form,
        errors=form.errors,
        summary=form.summary(),
        problem=problem,
    ), status


# -- one fund ------------------------------------------------------------------------------------

@bp.get("/<uuid:fund_id>")
def fund(fund_id: UUID):
    return _fund_page(_own_fund(fund_id))


def _fund_page(
    fund: FundView, *, status: int = 200, problem: str | None = None,
    top_up: TopUpForm | None = None, amend: AmendForm | None = None,
):
    city = _city_of(fund)
    amend = amend or AmendForm(RulesInput(rule_values(fund.rules, fund.currency)))
    top_up = top_up or TopUpForm()
    summary = [("top_up", m) for m in top_up.errors.values()] + amend.summary()
    return render_template(
        "console/fund.html",
        fund=fund,
        city=city,
        versions=platform().read.fund_rule_versions(fund.id),
        projects=platform().read.fund_projects(fund.id),
        top_up=top_up,
        amend=amend,
        errors={**amend.errors, **top_up.errors},
        summary=summary,
        problem=problem,
    ), status


def _run(fund: FundView, use_case: Callable[[], T], refused_page: Callable[..., Any]):
    """(result, None), or (None, the page again with the refusal) when the domain says no."""
    try:
        return command(use_case), None
    except NotFound:
        raise
    except DomainError as problem:
        fresh = platform().read.matching_fund(fund.id) or fund
        return None, refused_page(fresh, problem)


@bp.post("/<uuid:fund_id>/top-ups")
def top_up(fund_id: UUID):
    fund = _own_fund(fund_id)
    form = TopUpForm(request.form.get("top_up", ""))
    if not ActionForm().validate():
        return _fund_page(fund, status=400, problem="The form was incomplete: try again.")
    amount = form.money(fund.currency)
    if amount is None:
        return _fund_page(fund, status=422, top_up=form)

    def refused(fresh: FundView, problem: DomainError):
        if problem.field == "amount":
            form.error("top_up", problem.message)
            return _fund_page(fresh, status=status_for(problem), top_up=form)
        return _fund_page(fresh, status=status_for(problem), problem=problem.message, top_up=form)

    _, page = _run(fund, lambda: platform().app.top_up_matching_fund(fund_id, amount), refused)
    if page:
        return page
    fresh = platform().read.matching_fund(fund_id) or fund
    flash(f"{amount.display()} added to “{fund.name}”: its pool is now {fresh.pool.display()}, "
          f"of which {fresh.available.display()} is available.", "success")
    return redirect(url_for("fund_console.fund", fund_id=fund_id), code=303)


@bp.post("/<uuid:fund_id>/rules")
def amend_rules(fund_id: UUID):
    fund = _own_fund(fund_id)
    city = _city_of(fund)
    form = AmendForm.from_submission(request.form, fund.kind)
    if not ActionForm().validate():
        return _fund_page(fund, status=400, problem="The form was incomplete: try again.",
                          amend=form)
    arguments = form.arguments(currency=fund.currency, timezone=city.timezone)
    if arguments is None:
        return _fund_page(fund, status=422, amend=form)
    rules, effective_from = arguments

    def refused(fresh: FundView, problem: DomainError):
        if problem.field == "rules":
            form.show_domain_error(problem)
            return _fund_page(fresh, status=status_for(problem), amend=form)
        return _fund_page(fresh, status=status_for(problem), problem=problem.message, amend=form)

    version, page = _run(
        fund,
        lambda: platform().app.amend_matching_rules(
            fund_id, rules, effective_from=effective_from
        ),
        refused,
    )
    if page:
        return page
    starts = next((v.effective_from for v in platform().read.fund_rule_versions(fund_id)
                   if v.version == version), None)
    when = f" from {local_datetime(starts, city.timezone)}" if starts else ""
    flash(f"Version {version} of “{fund.name}”'s rules is published and applies to pledges"
          f"{when}: {rules.describe(fund.currency)} Matches made before keep their version.",
          "success")
    return redirect(url_for("fund_console.fund", fund_id=fund_id), code=303)


# -- closing -------------------------------------------------------------------------------------

@bp.get("/<uuid:fund_id>/close")
def confirm_close(fund_id: UUID):
    fund = _own_fund(fund_id)
    if fund.status != "open":
        return _fund_page(fund, status=409, problem="This fund is closed already.")
    return render_template("console/close_fund.html", fund=fund, city=_city_of(fund),
                           quadratic=fund.kind == QUADRATIC)


@bp.post("/<uuid:fund_id>/close")
def close(fund_id: UUID):
    fund = _own_fund(fund_id)
    if not ActionForm().validate():
        return _fund_page(fund, status=400, problem="The form was incomplete: try again.")

    def refused(fresh: FundView, problem: DomainError):
        return _fund_page(fresh, status=status_for(problem), problem=problem.message)

    returned, page = _run(fund, lambda: platform().app.close_matching_fund(fund_id), refused)
    if page:
        return page
    fresh = platform().read.matching_fund(fund_id) or fund
    still = (f" {fresh.reserved.display()} stays reserved for pledges not charged yet: what of "
             f"it is released later goes back to {fund.sponsor} too."
             if fresh.reserved.is_positive() else "")
    flash(f"“{fund.name}” is closed: {returned.display()} goes back to {fund.sponsor}.{still}",
          "success")
    return redirect(url_for("fund_console.fund", fund_id=fund_id), code=303)


add_fund_logo_routes(bp, _own_fund, _fund_page)
