"""Admin pages: the platform at a glance, cities, accounts with their roles, auditors' cases, the
mail outbox and Stripe's webhook events."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from uuid import UUID
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from adapters.mail import WITH_LINKS
from adapters.stripe_webhooks import newest_webhook_events
from domain.accounts.account import (
    CASE_LONGEST,
    ERASURE_REASONS,
    OWN_REQUEST,
    InvalidCase,
    InvalidRole,
)
from domain.kernel.context import ROLES
from domain.kernel.errors import (
    CityAlreadyExists,
    DomainError,
    InvalidCity,
    NotFound,
    UnknownCurrency,
)
from domain.kernel.money import CURRENCY_EXPONENTS
from web.audit.cases import case_events
from web.crowdfunding.project_form import has_control_characters
from web.errors import error_page, status_for
from web.extensions import login_manager
from web.filters import ROLE_WORDS
from web.services import command, platform

bp = Blueprint("admin", __name__, url_prefix="/admin")

CITY_FIELDS = ("name", "currency", "country", "timezone")
TIMEZONES = sorted(zone for zone in available_timezones() if "/" in zone and zone[0].isupper())


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.has_role("admin", "auditor"):  # auditors read, never change
        return error_page(
            403,
            "For administrators only",
            "These pages manage cities and accounts. Your account is not an administrator's.",
        )
    return None


@bp.context_processor
def _words() -> dict:
    return {"role_words": ROLE_WORDS}


@bp.get("")
def dashboard():
    accounts = [account for account in platform().accounts.all() if not account.is_erased]
    return render_template(
        "admin/dashboard.html",
        totals=platform().read.totals(),
        accounts=len(accounts),
        by_role=Counter(account.role for account in accounts),
        roles=ROLES,
    )


# -- cities --------------------------------------------------------------------------------------

@bp.route("/cities", methods=["GET", "POST"])
def cities():
    if request.method == "GET":
        return _cities_page({"currency": "EUR"}, {})
    values = {name: request.form.get(name, "").strip() for name in CITY_FIELDS}
    errors = {
        name: message
        for name, message in (
            ("name", "Enter the city's name"),
            ("currency", "Choose the city's currency"),
            ("country", "Enter the two-letter country code, for example PT"),
            ("timezone", "Enter the city's time zone, for example Europe/Lisbon"),
        )
        if not values[name]
    }
    for name in CITY_FIELDS:
        if has_control_characters(values[name]):
            errors.setdefault(name, "Remove the control characters from this text")
    if errors:
        return _cities_page(values, errors, status=422)
    try:
        command(lambda: platform().app.add_city(
            values["name"], currency=values["currency"].upper(), country=values["country"],
            timezone=values["timezone"],
        ))
    except (InvalidCity, UnknownCurrency, CityAlreadyExists) as problem:
        field = problem.field if problem.field in CITY_FIELDS else "name"
        return _cities_page(values, {field: problem.message}, status=422)
    flash(f"{' '.join(values['name'].split())} is added. Its officers can now draft pilots.",
          "success")
    return redirect(url_for("admin.cities"), code=303)


def _cities_page(values: dict, errors: dict, status: int = 200):
    order = [name for name in CITY_FIELDS if name in errors]
    html = render_template(
        "admin/cities.html",
        cities=platform().read.cities(),
        currencies=sorted(CURRENCY_EXPONENTS),
        timezones=TIMEZONES,
        values=values,
        errors=errors,
        summary=[(name, errors[name]) for name in order],
    )
    return html, status


# -- accounts ------------------------------------------------------------------------------------

@bp.get("/accounts")
def accounts():
    return _accounts_page()


@bp.post("/accounts/<uuid:account_id>/role")
def change_role(account_id: UUID):
    account = platform().accounts.get(account_id)
    if account is None:
        raise NotFound(f"No account with id {account_id} (or its person was erased)")
    role = request.form.get("role", "")
    city_id, problem = _chosen_city(request.form.get("city", ""))
    if problem is None and account_id == current_user.account_id:
        problem = InvalidRole(
            "You cannot change your own role: ask another administrator", field="role"
        )
    if problem is None:
        try:
            command(lambda: platform().change_role(
                account_id, role, city_id if role == "city" else None
            ))
        except InvalidRole as refused:
            problem = refused
    if problem is not None:
        field = "city" if problem.field == "city" else "role"
        return _accounts_page({account_id: {field: problem.message}}, status=422)
    city = platform().read.city(city_id) if role == "city" and city_id else None
    where = f" of {city.name}" if city else ""
    flash(f"{account.name} is now {ROLE_WORDS.get(role, role).lower()}{where}.", "success")
    return redirect(url_for("admin.accounts") + f"#account-{account_id}", code=303)


def _chosen_city(text: str) -> tuple[UUID | None, InvalidRole | None]:
    if not text.strip():
        return None, None
    try:
        city_id = UUID(text.strip())
    except ValueError:
        return None, InvalidRole("Choose a city from the list", field="city")
    if platform().read.city(city_id) is None:
        return None, InvalidRole("That city does not exist", field="city")
    return city_id, None


def _accounts_page(errors: dict | None = None, status: int = 200):
    errors = errors or {}
    cities = platform().read.cities()
    summary = [
        (f"{field}-{account_id}", message)
        for account_id, fields in errors.items()
        for field, message in fields.items()
    ]
    erasures = platform().erasures
    html = render_template(
        "admin/accounts.html",
        accounts=platform().accounts.all(),
        erasure_requests=erasures.requests() if erasures else {},
        reason_words=ERASURE_REASONS,
        live_pledges=platform().read.live_pledge_counts(),
        cities=cities,
        city_names={city.id: city.name for city in cities},
        roles=ROLES,
        errors=errors,
        summary=summary,
        attempted=request.form if errors else {},
    )
    return html, status


# -- erasure ------------------------------------------------------------------------------------

ADMIN_REASONS = {code: words for code, words in ERASURE_REASONS.items() if code != OWN_REQUEST}
MAX_NOTE = 1000


def _erasable(account_id: UUID):
    account = platform().accounts.get(account_id)
    if account is None:
        raise NotFound(f"No account with id {account_id} (or its person was erased)")
    return account


def _erase_page(account, *, values: dict | None = None, errors: dict | None = None,
                status: int = 200, problem: str | None = None):
    values, errors = values or {}, errors or {}
    erasures = platform().erasures
    pledges = platform().read.pledges_of(account.id)
    waiting = erasures.waiting_for(account.id) if erasures else []
    waiting_ids = {p.id for p in waiting}
    html = render_template(
        "admin/erase.html",
        account=account,
        reasons=ADMIN_REASONS,
        values=values,
        errors=errors,
        summary=[(name, errors[name]) for name in ("reason", "note") if name in errors],
        problem=problem,
        own=account.id == current_user.account_id,
        to_cancel=[p for p in pledges if p.status == "authorised" and p.id not in waiting_ids],
        waiting_for=waiting,
        charged=[p for p in pledges if p.status == "charged"],
        earlier=erasures.request_of(account.id) if erasures else None,
    )
    return html, status


@bp.get("/accounts/<uuid:account_id>/erase")
def erase_account(account_id: UUID):
    return _erase_page(_erasable(account_id))


@bp.post("/accounts/<uuid:account_id>/erase")
def erase_account_now(account_id: UUID):
    """Erase on the person's request (or another ground), with the reason recorded: its
    category in the log, the note in the erasure's record."""
    account = _erasable(account_id)
    values = {"reason": request.form.get("reason", ""), "note": request.form.get("note", "")}
    errors = {}
    if values["reason"] not in ADMIN_REASONS:
        errors["reason"] = "Choose why the account is erased"
    if len(values["note"]) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE:,} characters"
    elif has_control_characters(values["note"]):
        errors["note"] = "Remove the control characters from the note"
    if values["reason"] == "other" and not values["note"].strip():
        errors.setdefault("note", "Say what the other reason is")
    if account_id == current_user.account_id:
        return _erase_page(account, values=values, status=403, problem=(
            "You cannot erase your own account: ask another administrator"))
    if errors:
        return _erase_page(account, values=values, errors=errors, status=422)
    name = account.name
    try:
        outcome = command(lambda: platform().erasures.request(
            account_id, reason=values["reason"], note=values["note"]
        ))
    except DomainError as problem:
        return _erase_page(account, values=values, status=status_for(problem),
                           problem=problem.message)
    if outcome.erased:
        flash(f"{name}'s account is erased; {len(outcome.cancelled)} live pledge"
              f"{'' if len(outcome.cancelled) == 1 else 's'} cancelled first.", "success")
    else:
        flash(f"{name}'s erasure is waiting for {len(outcome.waiting_for)} pledge"
              f"{'' if len(outcome.waiting_for) == 1 else 's'} being settled; it is carried out "
              "as soon as they are.", "info")
    return redirect(url_for("admin.accounts") + f"#account-{account_id}", code=303)


# -- mail ----------------------------------------------------------------------------------------

MAIL_KINDS = {
    "confirmation": "Pledge confirmation",
    "receipt": "Receipt",
    "refund": "Refund",
    "payment_failed": "Payment failed",
    "released": "Released",
    "dropped": "Dropped",
    "confirm_email": "Email confirmation",
    "already_registered": "Already registered",
    "reset_password": "Password reset",
    "password_changed": "Password changed",
}
MAIL_SHOWN = 200


@bp.get("/mail")
def mail():
    """The newest messages in the outbox, with whom they go to and whether they were sent."""
    outbox = platform().outbox
    rows = outbox.messages(limit=MAIL_SHOWN) if outbox is not None else []
    people = {
        account_id: platform().accounts.get(account_id)
        for account_id in {row.account_id for row in rows}
    }
    return render_template(
        "admin/mail.html",
        messages=[(row, people.get(row.account_id)) for row in rows],
        shown=MAIL_SHOWN,
        kinds=MAIL_KINDS,
        smtp=bool(platform().settings.smtp_host),
        with_links=WITH_LINKS,
    )


# -- webhooks ------------------------------------------------------------------------------------

WEBHOOKS_SHOWN = 200


@bp.get("/webhooks")
def webhooks():
    """The newest Stripe webhook events: what arrived, and what the platform made of it."""
    return render_template(
        "admin/webhooks.html",
        events=newest_webhook_events(platform().webhooks, limit=WEBHOOKS_SHOWN),
        shown=WEBHOOKS_SHOWN,
        stripe_mode=platform().settings.payments == "stripe",
    )


# -- auditors' cases -------------------------------------------------------------------------------

CASE_FIELDS = ("auditor", "subject", "reason", "days")


def _cases_page(values: dict[str, str], errors: dict[str, str], status: int = 200):
    people = [a for a in platform().accounts.all() if not a.is_erased]
    order = [name for name in CASE_FIELDS if name in errors]
    return render_template(
        "admin/cases.html", values=values, errors=errors,
        summary=[(name, errors[name]) for name in order],
        auditors=[a for a in people if a.role == "auditor"], people=people,
        cases=case_events(), longest=CASE_LONGEST.days, now=platform().clock.now(),
    ), status


@bp.route("/cases", methods=["GET", "POST"])
def cases():
    if request.method == "GET":
        return _cases_page({"days": "14"}, {})
    values = {name: request.form.get(name, "").strip() for name in CASE_FIELDS}
    errors: dict[str, str] = {}
    ids: dict[str, UUID] = {}
    for name, message in (("auditor", "Choose the auditor"), ("subject", "Choose the account")):
        try:
            ids[name] = UUID(values[name])
        except ValueError:
            errors[name] = message
    days = int(values["days"]) if values["days"].isdigit() else 0
    if not 1 <= days <= CASE_LONGEST.days:
        errors["days"] = f"A case runs from 1 to {CASE_LONGEST.days} days"
    if not errors:
        try:
            command(lambda: platform().app.grant_case(
                ids["auditor"], ids["subject"], values["reason"],
                platform().clock.now() + timedelta(days=days)))
        except InvalidCase as refused:
            field = refused.field if refused.field in CASE_FIELDS else "reason"
            errors[field] = refused.message
        except NotFound as missing:
            errors["subject"] = missing.message
    if errors:
        return _cases_page(values, errors, status=422)
    flash(f"The case runs for {days} days; it is recorded in the log.", "success")
    return redirect(url_for("admin.cases"), code=303)
