"""The signed-in person's profile and settings in one place: the display name shown publicly
(kept beside the account, never in the log), and where their notifications and security
settings stand, with links to change them where they live."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from domain.accounts.display_name import MAX_DISPLAY_NAME, InvalidDisplayName
from web.i18n.messages import localised
from web.services import platform

bp = Blueprint("settings", __name__, url_prefix="/account/settings")


class DisplayNameForm(FlaskForm):
    # Checked by the domain's rule (domain/accounts/display_name.py), which owns the messages.
    display_name = StringField(_l("Display name"))


def settings_answer(form: DisplayNameForm | None = None, status: int = 200,
          language_problem: str | None = None):
    account_id = current_user.account_id
    p = platform()
    chosen = p.profiles.display_name_of(account_id)
    if form is None:
        form = DisplayNameForm(formdata=None)
        form.display_name.data = chosen or current_user.name
    sessions = p.sessions.of_account(account_id) if p.sessions else []
    return render_template(
        "account/settings.html",
        form=form,
        display_name=chosen,
        max_display_name=MAX_DISPLAY_NAME,
        preferences=p.read.conversation_preferences_of(account_id),
        sessions=len(sessions),
        tokens=len(p.accounts.tokens_of(account_id)),
        language_problem=language_problem,
    ), status


@bp.get("")
@login_required
def page():
    return settings_answer()


@bp.post("/display-name")
@login_required
def display_name():
    form = DisplayNameForm()
    if not form.validate():
        form.display_name.errors = [
            *form.display_name.errors,
            gettext("The form was incomplete or too old: reload the page and try again.")]
        return settings_answer(form, 400)
    try:
        shown = platform().profiles.set_display_name(
            current_user.account_id, form.display_name.data or "", platform().clock.now())
    except InvalidDisplayName as refused:
        form.display_name.errors = [*form.display_name.errors, localised(refused)]
        return settings_answer(form, 422)
    flash(gettext("Your display name is now “%(name)s”.", name=shown), "success")
    return redirect(url_for("settings.page"), 303)
