"""The officers' side of investment in the city console: adding an investment offer to a pilot
(a community bond, or a benefit share with its agreement's terms), proposing an amendment to a
pilot's benefit-sharing agreement (a new version every party signs again), and the city's
liabilities (its community bonds outstanding and the payments due in the next 12 months).
No JavaScript; every form carries its CSRF token; a refusal shows on the form, beside the field
it is about, and records nothing.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.queries import CityView, ProjectView
from domain.kernel.errors import DomainError, NotFound, NotPermitted
from web.crowdfunding.console_forms import ActionForm
from web.errors import error_page, status_for
from web.extensions import login_manager
from web.investment.offer_form import AmendmentForm, OfferForm
from web.services import command, platform

bp = Blueprint("invest_console", __name__, url_prefix="/console")

INCOMPLETE = "The form was incomplete (its security token was missing or stale): try again."


@bp.before_request
def _officers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.has_role("auditor"):  # auditors read, never change (web/audit/read_only.py)
        return None
    if not current_user.has_role("city") or not current_user.city_id:
        return error_page(403, "For city officers only",
                          "Only a city's officers add investment offers, amend agreements and "
                          "see the city's liabilities.")
    return None


def _city(project: ProjectView | None = None) -> CityView:
    """The pilot's city; without a pilot, the officer's city, or for an auditor the city asked
    for (?city=), else the first."""
    read = platform().read
    if project is not None:
        return read.city(project.city_id)
    if not current_user.has_role("auditor"):
        return read.city(current_user.city_id)
    cities, wanted = read.cities(), request.args.get("city", "")
    found = next((c for c in cities if str(c.id) == wanted), cities[0] if cities else None)
    if found is None:
        raise NotFound("There is no city yet")
    return found


def _own_project(project_id: UUID) -> ProjectView:
    project = platform().read.project(project_id)
    if project is None:
        raise NotFound(f"No pilot with id {project_id}")
    if project.city_id != current_user.city_id and not current_user.has_role("auditor"):
        raise NotPermitted("This pilot belongs to another city: only its officers manage it")
    return project


# -- a new investment offer ----------------------------------------------------------------------

def _community_funds(project: ProjectView) -> list:
    return [f for f in platform().read.matching_funds(project.city_id)
            if f.status == "open" and f.currency == project.currency]


def _offer_page(project: ProjectView, form: OfferForm, status: int = 200):
    city = _city(project)
    return render_template("invest/console_offer.html", city=city, project=project,
                           form=form, values=form.values, errors=form.errors,
                           summary=form.summary, funds=_community_funds(project)), status


@bp.route("/projects/<uuid:project_id>/offers/new", methods=["GET", "POST"])
def new_offer(project_id: UUID):
    project = _own_project(project_id)
    city = _city(project)
    if request.method == "GET":
        return _offer_page(project, OfferForm.blank(now=platform().clock.now(),
                                                     closes_at=project.closes_at,
                                                     timezone=city.timezone))
    form = OfferForm.from_submission(request.form)
    if not ActionForm().validate():
        form.error("form", INCOMPLETE)
        return _offer_page(project, form, 400)
    arguments = form.offer_arguments(currency=project.currency, timezone=city.timezone)
    if arguments is None:
        return _offer_page(project, form, 422)
    try:
        command(lambda: platform().app.add_offer(project_id, **arguments))
    except DomainError as problem:
        form.show_domain_error(problem)
        return _offer_page(project, form, status_for(problem))
    kind = "community bond" if arguments["kind"] == "community_bond" else "benefit share"
    flash(f"The {kind} offer on “{project.title}” is added: investors can commit to it from "
          f"{form.values['opens_at'].replace('T', ' ')} ({city.timezone}).", "success")
    return redirect(url_for("console.project", project_id=project_id) + "#offers", code=303)


# -- amending a benefit-sharing agreement ---------------------------------------------------------

def _amend_page(project: ProjectView, agreement, form: AmendmentForm, status: int = 200):
    return render_template("invest/console_amend.html", city=_city(project), project=project,
                           agreement=agreement, form=form, values=form.values,
                           errors=form.errors, summary=form.summary), status


@bp.route("/projects/<uuid:project_id>/agreement/amend", methods=["GET", "POST"])
def amend_agreement(project_id: UUID):
    project = _own_project(project_id)
    agreement = platform().read.agreement(project_id)
    if agreement is None:
        raise NotFound(f"Pilot {project_id} has no benefit-sharing agreement to amend")
    if request.method == "GET":
        return _amend_page(project, agreement, AmendmentForm.from_terms(agreement.latest.terms))
    form = AmendmentForm.from_submission(request.form)
    if not ActionForm().validate():
        form.error("form", INCOMPLETE)
        return _amend_page(project, agreement, form, 400)
    terms = form.agreement_terms()
    if terms is None:
        return _amend_page(project, agreement, form, 422)
    try:
        number = command(lambda: platform().app.amend_agreement(project_id, terms=terms))
    except DomainError as problem:
        form.show_domain_error(problem)
        return _amend_page(project, agreement, form, status_for(problem))
    flash(f"Version {number} of the agreement is proposed. Every party must sign it again "
          "before it takes effect; until then the version in effect stays the last one every "
          "party signed.", "success")
    return redirect(url_for("public.project", project_id=project_id) + "#agreement", code=303)


# -- the city's liabilities -----------------------------------------------------------------------

@bp.get("/liabilities")
def liabilities():
    city = _city()
    found = platform().read.city_liabilities(city.id, platform().clock.now().date())
    return render_template("invest/console_liabilities.html", city=city, liabilities=found)
