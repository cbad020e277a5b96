"""What anyone can read: the home page, the list of pilots and a pilot's page."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from adapters.queries import (
    CLOSEST_TO_MINIMUM,
    ENDING_SOON,
    MOST_BACKED,
    NEWEST,
    ProjectFund,
    ProjectPage,
    ProjectView,
)
from domain.crowdfunding.pledge import FIX_WINDOW
from domain.procurement.cost_benefit import CostBenefitAnalysis, analyse
from web.conversation.context import conversation_context
from web.crowdfunding.impact import impact_section
from web.filters import former_name
from web.i18n.locale import belongs_to_city
from web.matching.funds import funds_applying_to, marker, segments
from web.page_cache import kept_pages
from web.pictures.showing import already_read as pictures_already_read
from web.pictures.showing import show_cards
from web.services import platform

bp = Blueprint("public", __name__)

# Statuses a visitor can filter by; drafts are never public.
PUBLIC_STATUSES = ("open", "funded", "unfunded", "delivering", "completed", "cancelled")
PER_PAGE = 24
MAX_SEARCH = 200
AREA_PILOTS = 100  # an area page lists this many of its pilots (its totals count them all)
# The ways a visitor can sort pilots (adapters/queries.py SORTS), as the form names them.
SORT_LABELS = {ENDING_SOON: _l("Ending soon"), MOST_BACKED: _l("Most backed"),
               NEWEST: _l("Newest"), CLOSEST_TO_MINIMUM: _l("Closest to its minimum")}
FEATURED = 6


def has_control_characters(text: str) -> bool:
    """PostgreSQL refuses NUL in text, so such input is refused before it reaches a query."""
    return any(ord(char) < 32 for char in text)


def may_see_draft(project: ProjectView) -> bool:
    """Drafts are visible only to officers of the project's city and to administrators."""
    if not current_user.is_authenticated:
        return False
    if current_user.has_role("admin"):
        return True
    return current_user.has_role("city") and current_user.city_id == project.city_id


def visible_project(project_id: UUID) -> ProjectView:
    """The project as the read model has it, or a 404 for unknown ids and others' drafts."""
    return _visible(platform().read.project(project_id))


def _visible(project: ProjectView | None) -> ProjectView:
    if project is None or (project.status == "draft" and not may_see_draft(project)):
        abort(404, description="There is no pilot at this address.")
    belongs_to_city(project.city_id, project.country or None)
    return project


@bp.get("/")
def home():
    read = platform().read
    now = platform().clock.now()
    open_projects = read.projects(status="open", limit=FEATURED * 4)
    featured = show_cards([p for p in open_projects if p.is_taking_pledges(now)][:FEATURED])
    return render_template(
        "public/home.html", totals=read.totals(), featured=featured, cities=read.cities()
    )


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10_000 else 1


@bp.get("/projects")
def projects():
    read = platform().read
    city_name = request.args.get("city", "").strip()
    theme = request.args.get("theme", "").strip()
    status = request.args.get("status", "").strip()
    search = " ".join(request.args.get("q", "").split())
    sort = request.args.get("sort", "").strip()
    page = _page_number()

    problems = []
    if any(has_control_characters(value) for value in (city_name, theme, status, search, sort)):
        problems.append(
            gettext("Filters are plain text: remove the control characters from the address."))
        city_name, theme, status, search, sort = "", "", "", "", ""
    if len(search) > MAX_SEARCH:
        problems.append(gettext("A search is at most %(number)s characters.", number=MAX_SEARCH))
    city = read.city_named(city_name) if city_name else None
    if city_name and city is None:
        problems.append(gettext("There is no city called “%(name)s” on civicfund.", name=city_name))
    if status and status not in PUBLIC_STATUSES:
        problems.append(gettext("“%(status)s” is not a status pilots can have.", status=status))
    if sort and sort not in SORT_LABELS:
        problems.append(gettext("“%(sort)s” is not a way to sort pilots.", sort=sort))

    found: list[ProjectView] = []
    if not problems:
        found = read.projects(
            city_id=city.id if city else None,
            theme=theme or None,
            status=status or None,
            search=search or None,
            sort=sort or ENDING_SOON,
            limit=PER_PAGE + 1,
            offset=(page - 1) * PER_PAGE,
        )
    return render_template(
        "public/projects.html",
        projects=show_cards(found[:PER_PAGE]),
        has_next=len(found) > PER_PAGE,
        page=page,
        cities=read.cities(),
        themes=read.themes(),
        statuses=PUBLIC_STATUSES,
        sorts=SORT_LABELS,
        chosen={"q": search, "city": city.name if city else city_name, "theme": theme,
                "status": status, "sort": sort},
        problems=problems,
        filtered=bool(search or city_name or theme or status or sort or problems),
    )


@bp.get("/cities/<city_name>/areas/<path:area>")
def area(city_name: str, area: str):
    """One neighbourhood's pilots, with what they raised together."""
    read = platform().read
    if has_control_characters(city_name) or has_control_characters(area):
        abort(404, description="There is no such neighbourhood on civicfund.")
    city = read.city_named(city_name)
    spelled = read.area_named(city.id, area) if city else None
    if city is None or spelled is None:
        abort(404, description="There is no pilot in this neighbourhood on civicfund.")
    belongs_to_city(city.id, city.country)
    return render_template(
        "public/area.html", city=city, area=spelled,
        projects=show_cards(read.projects(city_id=city.id, area=spelled, limit=AREA_PILOTS)),
        totals=read.area_totals(city.id, spelled),
    )


@bp.get("/projects/<uuid:project_id>")
def project(project_id: UUID):
    return kept_pages().page(lambda: project_page(project_id))


def project_page(project_id: UUID, status: int = 200, **typed):
    """The pilot's page; `typed` is what a refused conversation form keeps (and its errors)."""
    page = platform().read.project_page(project_id)
    found = _visible(page.project if page else None)
    pictures_already_read(found.id, page.pictures)
    offers = platform().read.offers_on(found.id) if page.has_offers else []
    return render_template(
        "public/project.html",
        **conversation_context(found, page, **typed),
        project=found,
        milestones=page.milestones,
        updates=page.updates,
        fix_days=FIX_WINDOW.days,
        delivered_by=delivery_owner_name(found),
        **capital_stack(found, page.funds),
        **awarded_pilot(page),
        offers=offers,
        **benefit_sharing(found, offers, page.has_agreement),
        **impact_section(found, page.cost_benefit, page.has_indicators),
    ), status


def awarded_pilot(page: ProjectPage) -> dict:
    """For a pilot an award made: the call it answered and its cost-benefit analysis."""
    if page.call_id is None:
        return {"awarded_in": None, "cba": None, "cba_results": None}
    analysis = CostBenefitAnalysis.from_data(page.cost_benefit) if page.cost_benefit else None
    call = platform().read.call(page.call_id)
    return {"awarded_in": call, "cba": analysis,
            "cba_results": analyse(analysis) if analysis else None,
            "intended_shares": shares_against_the_call(page.project, call) if call else []}


# The parts of a call's intended capital stack, and what stands for each on a pilot.
STACK_PARTS = (("city", _l("The city's departments")), ("matching", _l("Matching funds")),
               ("crowd", _l("The crowd")), ("investors", _l("Investors")))


def shares_against_the_call(project: ProjectView, call) -> list[tuple[str, int, int]]:
    """Each part of the capital stack the call intended (percent) beside its share of the
    pilot's total so far (whole percent, halves up)."""
    now = {"city": project.committed.minor if project.committed else 0,
           "matching": project.matched.minor, "crowd": project.raised.minor,
           "investors": project.invested.minor if project.invested else 0}
    total = sum(now.values())
    return [
        (str(label), int(call.capital_stack.get(key, 0)),
         (200 * now[key] + total) // (2 * total) if total else 0)
        for key, label in STACK_PARTS
    ]


def capital_stack(project: ProjectView, funds: list[ProjectFund] | None = None) -> dict:
    """The crowd's money, each fund's match and each city department's commitments on the pilot
    as parts of one bar, as wide as the
    optimum (or the total, when it goes past it), with the minimum and optimum marked."""
    if funds is None:
        funds = platform().read.project_funds(project.id, project.city_id)
    stack = [fund for fund in funds if fund.held.minor]
    parts = [("crowd", gettext("Crowd: citizens' pledges"), project.raised, None)] + [
        (f"fund-{number % 5 + 1}", fund.name, fund.held, url_for("funds.fund", raw_id=fund.id))
        for number, fund in enumerate(stack)
    ] + [
        # Each department's commitments (held and drawn) beside the crowd and the funds.
        (f"dept-{number % 4 + 1}", gettext("%(name)s (city department)", name=share.name),
         share.amount, None)
        for number, share in enumerate(project.departments)
    ] + (
        # Investors' commitments to offers that reached their minimum.
        [("investors", gettext("Investors (offers that reached their minimum)"),
          project.invested, None)]
        if project.invested and project.invested.minor else []
    )
    scale = max(project.optimum, project.total)
    return {
        "stack": segments(parts, scale),
        "stack_markers": [
            (key, label, amount, marker(amount, scale))
            for key, label, amount in (("minimum", gettext("Minimum"), project.minimum),
                                       ("optimum", gettext("Optimum"), project.optimum))
        ],
        "matched_by_funds": bool(stack),
        "departments": list(project.departments),
        "funds": funds_applying_to(project, funds),
    }


def delivery_owner_name(project: ProjectView) -> str | None:
    """The name of the account delivering the pilot: "a former member" once the person was
    erased; none when there is no owner."""
    if project.delivery_owner_id is None:
        return None
    owner = platform().accounts.record(project.delivery_owner_id)
    if owner is None:
        return None
    if owner.is_erased or not owner.name.strip():
        return former_name(owner.role)
    return owner.name


def benefit_sharing(project: ProjectView, offers: list, may_have_agreement: bool = True) -> dict:
    """A funded pilot's benefit-sharing agreement and its benefit reports (public), and whether
    the visitor may report a benefit (its delivery owner or an officer of its city). `offers`:
    the pilot's offers."""
    read = platform().read
    agreement = read.agreement(project.id) if may_have_agreement else None
    if agreement is None:
        # Funded with a benefit-share offer: its city's officers draw it up by signing.
        to_draw_up = project.status in ("funded", "delivering", "completed") and any(
            o.kind == "benefit_share" for o in offers)
        return {"agreement": None, "benefit_reports": [], "may_report_benefit": False,
                "agreement_to_draw_up": to_draw_up}
    may_report = current_user.is_authenticated and (
        (current_user.has_role("city") and current_user.city_id == project.city_id)
        or (current_user.has_role("proposer")
            and project.delivery_owner_id == current_user.account_id))
    return {"agreement": agreement, "benefit_reports": read.benefit_reports_of(project.id),
            "may_report_benefit": may_report}
