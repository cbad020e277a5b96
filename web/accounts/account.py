"""Your account: what civicfund holds about you, downloading it, and erasing your account."""

from __future__ import annotations

import json
from dataclasses import replace

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import InputRequired

from domain.accounts.account import OWN_REQUEST
from domain.i18n.languages import UnknownLanguage, checked_language
from domain.kernel.errors import DomainError
from web.accounts.personal_data import data_of
from web.accounts.personal_data_json import personal_data_json
from web.accounts.settings_page import settings_answer
from web.errors import status_for
from web.i18n.locale import relocalise
from web.i18n.messages import localised
from web.services import command, platform

bp = Blueprint("account", __name__, url_prefix="/account")


class EraseForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Enter your password to confirm it is you"))],
    )
    understood = BooleanField(
        _l("I understand that my account is erased for good and cannot be brought back"),
        validators=[InputRequired(_l("Tick the box to confirm you want your account erased"))],
    )


def _erasure_plan():
    """The person's pledges as an erasure would treat them: cancelled now, waited for, or
    kept because the money moved."""
    erasures = platform().erasures
    pledges = platform().read.pledges_of(current_user.account_id)
    waiting = erasures.waiting_for(current_user.account_id) if erasures else []
    waiting_ids = {p.id for p in waiting}
    return {
        "to_cancel": [p for p in pledges if p.status == "authorised" and p.id not in waiting_ids],
        "waiting_for": waiting,
        "charged": [p for p in pledges if p.status == "charged"],
    }


@bp.get("")
@login_required
def home():
    return _home_page()


def _home_page():
    erasures = platform().erasures
    request_ = erasures.request_of(current_user.account_id) if erasures else None
    return render_template(
        "account/home.html",
        city=platform().read.city(current_user.city_id) if current_user.city_id else None,
        erasure=request_,
        waiting_for=erasures.waiting_for(current_user.account_id) if request_ else [],
    )


@bp.post("/language")
@login_required
def language():
    """The person's language for pages and mail; empty follows the browser again."""
    chosen = (request.form.get("locale") or "").strip()
    try:
        locale = checked_language(chosen) if chosen else None
    except UnknownLanguage as problem:
        return settings_answer(language_problem=localised(problem), status=400)
    platform().accounts.set_locale(current_user.account_id, locale)
    current_user.record = replace(current_user.record, locale=locale)
    relocalise()
    flash(gettext("Your language is saved.") if locale else
          gettext("civicfund now follows your browser's language."), "success")
    return redirect(url_for("settings.page") + "#language", 303)


@bp.get("/export")
@login_required
def export():
    """The person's data as a JSON file (the same as GET /api/v1/me/export)."""
    data = data_of(current_user.record)
    body = json.dumps(personal_data_json(data), indent=2, ensure_ascii=False)
    filename = f"civicfund-my-data-{data.exported_at:%Y-%m-%d}.json"
    return Response(body + "\n", mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


def _erase_page(form: EraseForm, status: int = 200, problem: str | None = None):
    return render_template(
        "account/erase.html", form=form, problem=problem, **_erasure_plan()
    ), status


@bp.route("/erase", methods=["GET", "POST"])
@login_required
def erase():
    if current_user.has_role("admin"):
        return render_template("account/erase_admin.html"), 403
    form = EraseForm()
    if request.method == "GET":
        return _erase_page(form)
    if not form.validate():
        return _erase_page(form, 422)
    if platform().accounts.authenticate(current_user.email, form.password.data) is None:
        form.password.errors = [*form.password.errors, gettext("That is not your password")]
        return _erase_page(form, 422)
    account_id = current_user.account_id
    try:
        outcome = command(lambda: platform().erasures.request(account_id, reason=OWN_REQUEST))
    except DomainError as problem:
        return _erase_page(form, status_for(problem), problem.message)
    if outcome.erased:
        logout_user()
        cancelled = len(outcome.cancelled)
        flash(gettext("Your account is erased: your name, email and password are gone, and so "
                      "is the mail we wrote to you.") + " " + (
                  ngettext("%(num)s pledge was cancelled first; nothing is charged.",
                           "%(num)s pledges were cancelled first; nothing is charged.",
                           cancelled) + " " if cancelled else ""
              ) + gettext("Pilots' figures still count what was paid, as “a former backer”."),
              "success")
        return redirect(url_for("public.home"), 303)
    flash(gettext("Your erasure is waiting: some of your pledges are being settled. We erase "
                  "your account as soon as they are, and you are then logged out."), "info")
    return redirect(url_for("account.home") + "#erasure", 303)
