"""A pilot's impact after delivery on the web: the forms its delivery owner and its city's
officers use (the same on /delivery and in the console), what its public page shows (each
indicator as a chart against its target with a table of the values, and the "proof of value":
benefits realised so far against the ones its cost-benefit analysis planned), and a city's
pilots' impact together on /cities/<id>/impact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, render_template

from adapters.impact_queries import IndicatorView
from adapters.queries import ProjectView
from domain.crowdfunding.impact import (
    MEASURED_STATUSES,
    planned_benefits_to,
    planned_benefits_total,
    to_minor,
)
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from web.crowdfunding.delivery_routes import PilotPages, run_on_pilot
from web.crowdfunding.impact_chart import chart
from web.crowdfunding.impact_forms import IndicatorForm, MeasurementForm
from web.crowdfunding.impact_reporting import report_with_evidence
from web.services import platform

bp = Blueprint("impact", __name__)


def _form_problem(form: Any) -> str:
    return " ".join(f"{form[name].label.text}: {errors[0]}"
                    for name, errors in form.errors.items() if name != "csrf_token") or (
        "The form was incomplete: try again.")


def add_impact_routes(bp: Blueprint, pages: PilotPages) -> None:
    """Define an indicator, report a value: the same forms wherever they are served."""

    @bp.post("/projects/<uuid:project_id>/indicators", endpoint="define_indicator")
    def define_indicator(project_id: UUID):
        project = pages.pilot(project_id)
        form = IndicatorForm()
        if not form.validate():
            return pages.page(project, status=422, problem=_form_problem(form))
        number, refused = run_on_pilot(project, lambda: platform().app.define_indicator(
            project_id, name=form.indicator_name.data, unit=form.unit.data or "",
            target=form.target.data, direction=form.direction.data,
            negatives_allowed=form.negatives_allowed.data,
            money_benefit=form.money_benefit.data), pages.page)
        if refused:
            return refused
        flash(f"Indicator {number}, “{' '.join(form.indicator_name.data.split())}”, is "
              "defined: report what you measure on it.", "success")
        return pages.back_to(project_id, "#impact")

    @bp.post("/projects/<uuid:project_id>/indicators/values", endpoint="report_value")
    def report_value(project_id: UUID):
        project = pages.pilot(project_id)
        form = MeasurementForm()
        if not form.validate():
            return pages.page(project, status=422, problem=_form_problem(form))
        try:
            on = date.fromisoformat((form.measured_on.data or "").strip())
        except ValueError:
            return pages.page(project, status=422, problem=(
                f"“{form.measured_on.data}” is not a date: write it like 2027-03-31"))
        _, refused = run_on_pilot(project, lambda: report_with_evidence(
            project_id, indicator=form.indicator.data, on=on, value=form.value.data,
            unit=None, evidence=form.evidence.data, links=form.link_list()), pages.page)
        if refused:
            return refused
        flash(f"The value measured on {on.isoformat()} is recorded with its evidence.",
              "success")
        return pages.back_to(project_id, "#impact")


@dataclass(frozen=True)
class ProofOfValue:
    planned_total: Money
    planned_so_far: Money
    approved_reports: Money
    from_indicators: Money

    @property
    def realised(self) -> Money:
        return self.approved_reports + self.from_indicators

    def percent(self, amount: Money) -> int:
        """Of the planned total, whole percent, capped at 100 for the bars."""
        total = self.planned_total.minor
        return min(100, (100 * amount.minor + total // 2) // total) if total > 0 else 0


def proof_of_value(project: ProjectView, cost_benefit: dict | None,
                   indicators: list[IndicatorView]) -> ProofOfValue | None:
    """A measured pilot with a cost-benefit analysis: the benefits it planned (in all, and by
    today) and those realised (approved benefit reports and money-benefit indicators)."""
    if not cost_benefit or project.status not in MEASURED_STATUSES:
        return None
    currency = project.currency
    try:
        funded_on = platform().app.funded_on(platform().app.get_project(project.id))
    except DomainError:
        return None
    today = platform().clock.now().astimezone(ZoneInfo(project.timezone)).date()
    from_indicators = sum(to_minor(i.realised, currency) for i in indicators if i.money_benefit)
    return ProofOfValue(
        planned_total=Money(planned_benefits_total(cost_benefit), currency),
        planned_so_far=Money(planned_benefits_to(cost_benefit, funded_on, today), currency),
        approved_reports=Money(platform().read.approved_benefits(project.id), currency),
        from_indicators=Money(from_indicators, currency),
    )


def impact_section(project: ProjectView, cost_benefit: dict | None = None,
                   has_indicators: bool = True) -> dict:
    """What a pilot's public page shows of its impact (`has_indicators`: False when the page's
    statement found none, so they are not looked up)."""
    indicators = platform().read.indicators_of(project.id) if has_indicators else []
    return {"indicators": indicators, "charts": {i.number: chart(i) for i in indicators},
            "proof": proof_of_value(project, cost_benefit, indicators)}


@bp.get("/cities/<uuid:city_id>/impact")
def city_impact(city_id: UUID):
    city = platform().read.city(city_id)
    if city is None:
        abort(404, description="There is no city at this address.")
    return render_template("public/city_impact.html", city=city,
                           pilots=platform().read.city_impact(city_id))

