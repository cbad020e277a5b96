"""Projects: list and read (public; drafts only for their city's officers and admins), draft
and open a campaign (city officers)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from uuid import UUID

from flask import current_app, jsonify, url_for

from adapters.queries import ProjectView
from domain.crowdfunding.project import DRAFT, BudgetLine, suggested_amounts
from domain.kernel.errors import CurrencyMismatch, InvalidAmount, InvalidCity
from domain.kernel.money import Money, total
from web.api import bp
from web.api.http import caller, forbidden, json_body, not_found, query_args, require_caller
from web.api.schemas import (
    EmptySchema,
    ProjectCreateSchema,
    ProjectFilterSchema,
    ProjectListSchema,
    ProjectSchema,
    SuggestedAmountsSchema,
    one,
)
from web.page_cache import kept_pages
from web.services import command, platform
from web.users import User

MANAGERS = ("city", "admin")
# Who reports on a project's delivery: its managers and the proposer made its delivery owner.
DELIVERERS = (*MANAGERS, "proposer")


def manages_city(user: User | None, city_id: UUID) -> bool:
    if user is None:
        return False
    return user.role == "admin" or (user.role == "city" and user.city_id == city_id)


def owns_delivery(user: User | None, project: ProjectView) -> bool:
    return (
        user is not None and user.role == "proposer"
        and project.delivery_owner_id == user.account_id
    )


def visible_project(project_id: UUID, user: User | None) -> ProjectView:
    """The project, unless it is missing or a draft this caller may not see (both look alike)."""
    project = platform().read.project(project_id)
    if project is None or (
        project.status == DRAFT and not manages_city(user, project.city_id)
        and not owns_delivery(user, project)
    ):
        raise not_found("project")
    return project


def managed_project(project_id: UUID, user: User) -> ProjectView:
    """The project, which this caller must manage: an officer of its city, or an admin."""
    project = visible_project(project_id, user)
    if not manages_city(user, project.city_id):
        raise forbidden("Only officers of this project's city can manage it")
    return project


def manage_project(project_id: UUID, use_case: Callable[[], object]):
    """A bodiless management action: a manager of the project runs one use case and gets the
    project back as it now stands."""
    user = require_caller(*MANAGERS)
    json_body(one(EmptySchema), optional=True)
    managed_project(project_id, user)
    command(use_case, actor=user.actor)
    return jsonify(project_json(visible_project(project_id, user)))


def delivered_project(project_id: UUID, user: User) -> ProjectView:
    """The project, whose delivery this caller must run: a manager or its delivery owner."""
    project = visible_project(project_id, user)
    if not (manages_city(user, project.city_id) or owns_delivery(user, project)):
        raise forbidden("Only this project's city officers or its delivery owner can do this")
    return project


def project_json(project: ProjectView) -> dict:
    """The project as the API shows it. The same figures give the same answer, so it is kept,
    keyed by the whole (immutable) view: marshmallow takes a quarter of a project read's time.
    Callers only serialise it; none may change it."""
    return _project_json(project)


@lru_cache(maxsize=2048)
def _project_json(project: ProjectView) -> dict:
    return one(ProjectSchema).dump(project)


@bp.get("/projects")
def list_projects():
    user = caller()
    wanted = query_args(one(ProjectFilterSchema))
    read = platform().read
    city_id = None
    if "city" in wanted:
        city = read.city_named(wanted["city"])
        if city is None:
            return jsonify(one(ProjectListSchema).dump({"projects": []}))
        city_id = city.id
    status = wanted.get("status")
    if status == DRAFT:
        if user is None or user.role not in MANAGERS:
            return jsonify(one(ProjectListSchema).dump({"projects": []}))
        if user.role == "city":
            if user.city_id is None or city_id not in (None, user.city_id):
                return jsonify(one(ProjectListSchema).dump({"projects": []}))
            city_id = user.city_id
    projects = read.projects(
        city_id=city_id, theme=wanted.get("theme"), status=status, area=wanted.get("area"),
        search=wanted.get("q"), sort=wanted["sort"],
        limit=wanted["limit"], offset=wanted["offset"],
    )
    return jsonify(one(ProjectListSchema).dump({"projects": projects}))


@bp.get("/projects/<uuid:project_id>")
def get_project(project_id: UUID):
    def answer() -> tuple[str, int]:
        return jsonify(project_json(visible_project(project_id, caller()))).get_data(
            as_text=True), 200

    body, status = kept_pages().page(answer)  # kept for callers without credentials
    return current_app.response_class(body, status=status, mimetype="application/json")


def _budget_lines(lines: list[dict], currency: str) -> list[BudgetLine]:
    parsed = []
    for index, line in enumerate(lines):
        try:
            amount = Money.parse(line["amount"], currency)
        except InvalidAmount as error:
            raise InvalidAmount(error.message, field=f"budget_lines.{index}.amount") from None
        parsed.append(BudgetLine(line["label"], amount, line["required"]))
    return parsed


@bp.post("/projects")
def create_project():
    user = require_caller(*MANAGERS)
    draft = json_body(one(ProjectCreateSchema))
    city = platform().read.city_named(draft["city"])
    if city is None:
        raise InvalidCity(f"There is no city called {draft['city']!r}", field="city")
    if not manages_city(user, city.id):
        raise forbidden("City officers create projects for their own city only")
    if draft["currency"] != city.currency:
        raise CurrencyMismatch(
            f"Projects in {city.name} are in {city.currency}, not {draft['currency']}",
            field="currency",
        )
    budget_lines = _budget_lines(draft["budget_lines"], city.currency)
    # Checked before drafting, so a refused amount leaves nothing recorded.
    suggested = suggested_amounts(
        _amounts(draft.get("suggested_amounts", []), city.currency), city.currency,
        total([line.amount for line in budget_lines], city.currency))

    def draft_it() -> UUID:
        project_id = platform().app.draft_project(
            city_id=city.id, area=draft["area"], theme=draft["theme"], title=draft["title"],
            summary=draft["summary"], proposer=draft.get("proposer") or city.name,
            budget_lines=budget_lines, funding_model=draft["funding_model"],
            opens_at=draft["opens_at"], closes_at=draft["closes_at"], currency=city.currency,
        )
        if suggested:
            platform().app.suggest_amounts(project_id, suggested)
        return project_id

    project_id = command(draft_it, actor=user.actor)
    location = url_for("api.get_project", project_id=project_id)
    return jsonify(project_json(visible_project(project_id, user))), 201, {"Location": location}


def _amounts(texts: list[str], currency: str) -> list[Money]:
    parsed = []
    for index, text in enumerate(texts):
        try:
            parsed.append(Money.parse(text, currency))
        except InvalidAmount as error:
            raise InvalidAmount(error.message, field=f"suggested_amounts.{index}") from None
    return parsed


@bp.put("/projects/<uuid:project_id>/suggested-amounts")
def set_suggested_amounts(project_id: UUID):
    """The amounts the pledge form offers, replaced as a whole (an empty list: none)."""
    user = require_caller(*MANAGERS)
    wanted = json_body(one(SuggestedAmountsSchema))
    project = managed_project(project_id, user)
    amounts = _amounts(wanted["suggested_amounts"], project.currency)
    command(lambda: platform().app.suggest_amounts(project_id, amounts), actor=user.actor)
    return jsonify(project_json(visible_project(project_id, user)))


@bp.post("/projects/<uuid:project_id>/open")
def open_campaign(project_id: UUID):
    return manage_project(project_id, lambda: platform().app.open_campaign(project_id))
