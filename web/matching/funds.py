"""Matching funds as anyone reads them: the list per city, a fund's page, and which funds apply to
a pilot. Also the stacked bar both the project page and the fund page draw."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext

from adapters.queries import FundView, ProjectFund, ProjectView
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from domain.matching.fund import fund_covers
from web.i18n.locale import belongs_to_city
from web.services import platform

bp = Blueprint("funds", __name__)

NO_FUND = "There is no matching fund at this address."


def applies_to(fund: FundView | ProjectFund, project: ProjectView) -> bool:
    """Whether an open fund matches pledges to this pilot (the domain's rule)."""
    calls = getattr(fund, "calls", ())
    call = platform().read.call_of_project(project.id) if calls else None
    return fund.status == "open" and fund_covers(
        fund_city=fund.city_id, fund_currency=fund.currency, themes=fund.themes,
        areas=fund.areas, city_id=project.city_id, currency=project.currency,
        theme=project.theme, area=project.area, calls=calls,
        call_id=call.id if call else None,
    )


def funds_applying_to(
    project: ProjectView, funds: list[ProjectFund] | None = None
) -> list[ProjectFund]:
    """The open funds that match pledges to this pilot, in the order they apply; a fund whose
    window has ended before the worker closed it no longer counts."""
    now = platform().clock.now()
    if funds is None:
        funds = platform().read.project_funds(project.id, project.city_id)
    return [f for f in funds if applies_to(f, project) and now < f.closes_at]


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: its words, its amount and its share of the bar's width."""

    key: str
    label: str
    amount: Money
    percent: float  # of the bar's width, for drawing only
    href: str | None = None


def segments(parts: list[tuple[str, str, Money, str | None]], scale: Money) -> list[Segment]:
    """Parts (key, label, amount, link) laid along a bar as wide as `scale`; empty parts are
    left out of the drawing by the template, not of the legend."""
    whole = max(scale.minor, sum(amount.minor for _, _, amount, _ in parts), 1)
    return [
        Segment(key, label, amount, round(amount.minor * 100 / whole, 3), href)
        for key, label, amount, href in parts
    ]


def marker(amount: Money, scale: Money) -> float:
    return round(min(100.0, amount.minor * 100 / max(scale.minor, 1)), 3)


def fund_from_path(raw: str) -> FundView:
    """The fund a /funds/<id> address names; a clear 404 for malformed or unknown ids."""
    try:
        fund_id = UUID(raw)
    except ValueError:
        abort(404, description=f"{NO_FUND} “{raw[:60]}” is not a fund's id.")
    found = platform().read.matching_fund(fund_id)
    if found is None:
        abort(404, description=NO_FUND)
    return found


@bp.get("/funds")
def index():
    read = platform().read
    cities = read.cities()
    city_name = request.args.get("city", "").strip()
    problem = None
    city = None
    if city_name:
        if has_control_characters(city_name):
            problem = gettext("The city filter is plain text: remove the control characters.")
        else:
            city = read.city_named(city_name)
            if city is None:
                problem = gettext("There is no city called “%(name)s” on civicfund.",
                                  name=city_name[:80])
    funds = [] if problem else read.matching_funds(city.id if city else None)
    by_city: dict[UUID, list[FundView]] = {}
    for fund in funds:
        by_city.setdefault(fund.city_id, []).append(fund)
    return render_template(
        "funds/index.html",
        cities=cities,
        groups=[(c, by_city[c.id]) for c in cities if c.id in by_city],
        chosen=city.name if city else city_name,
        problem=problem,
        count=len(funds),
    )


@bp.get("/funds/<raw_id>")
def fund(raw_id: str):
    found = fund_from_path(raw_id)
    read = platform().read
    city = read.city(found.city_id)
    if city:
        belongs_to_city(city.id, city.country)
    projects = read.fund_projects(found.id)
    pool = segments([
        ("committed", gettext("Committed to charged pledges"), found.committed, None),
        ("reserved", gettext("Reserved for pledges not charged yet"), found.reserved, None),
        ("returned", gettext("Returned to %(sponsor)s", sponsor=found.sponsor), found.returned,
         None),
        ("available", gettext("Available"), found.available, None),
    ], found.pool)
    return render_template(
        "funds/fund.html",
        fund=found,
        timezone=city.timezone if city else "UTC",
        versions=read.fund_rule_versions(found.id),
        projects=projects,
        pool_parts=pool,
        top_ups=read.fund_benefit_top_ups(found.id),
    )
