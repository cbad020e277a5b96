"""The signed-in person's Security page: change the password, see and revoke API tokens (or make
one), see the sessions signed in and log the others out."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired

from adapters.accounts import InvalidAccount, token_hash
from adapters.password_policy import MIN_PASSWORD
from web.accounts.account_mail import send_password_changed
from web.extensions import login_manager
from web.services import platform
from web.users import current_session_id, start_session

bp = Blueprint("security", __name__, url_prefix="/security")


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"),
                            validators=[InputRequired(_l("Enter your current password"))])
    password = PasswordField(_l("New password"),
                             validators=[InputRequired(_l("Choose a new password"))])
    confirm = PasswordField(_l("New password again"), validators=[
        InputRequired(_l("Type the new password again")),
        EqualTo("password", _l("The two new passwords are not the same")),
    ])


@bp.before_request
def _signed_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _page(form: PasswordChangeForm | None = None, *, status: int = 200, new_token=None):
    account_id = current_user.account_id
    return render_template(
        "account/security.html",
        form=form or PasswordChangeForm(formdata=None),
        tokens=platform().accounts.tokens_of(account_id),
        sessions=platform().sessions.of_account(account_id),
        this_session=token_hash(current_session_id()) if current_session_id() else None,
        new_token=new_token,
        min_password=MIN_PASSWORD,
        token_days=platform().settings.api_token_days,
    ), status


@bp.get("")
def page():
    return _page()


@bp.post("/password")
def change_password():
    form = PasswordChangeForm()
    if not form.validate():
        return _page(form, status=422)
    accounts = platform().accounts
    if not accounts.password_matches(current_user.account_id, form.current.data):
        form.current.errors = [*form.current.errors, gettext("That is not your current password")]
        return _page(form, status=422)
    try:
        platform().change_password(current_user.account_id, form.password.data)
    except InvalidAccount as problem:
        form.password.errors = [*form.password.errors, problem.message]
        return _page(form, status=422)
    record = accounts.get(current_user.account_id)
    send_password_changed(record)
    start_session(record)  # every session ended; this browser goes on with a new one
    flash(gettext("Your password is changed. Every other session was logged out."), "success")
    return redirect(url_for("security.page"), 303)


@bp.post("/tokens")
def create_token():
    issued = platform().accounts.issue(current_user.account_id)
    return _page(new_token=issued, status=201)


@bp.post("/tokens/<uuid:token_id>/revoke")
def revoke_token(token_id: UUID):
    if not platform().accounts.revoke_token(current_user.account_id, token_id):
        abort(404, description="You have no API token with that id.")
    flash(gettext("The token is revoked: requests that send it are refused from now on."),
          "success")
    return redirect(url_for("security.page") + "#tokens", 303)


@bp.post("/sessions/others")
def end_other_sessions():
    ended = platform().sessions.end_all(current_user.account_id, keep=current_session_id())
    flash(ngettext("Logged out %(num)s other session.", "Logged out %(num)s other sessions.",
                   ended), "success")
    return redirect(url_for("security.page") + "#sessions", 303)
