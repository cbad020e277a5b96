"""Forgotten passwords: a single-use link by mail, valid for an hour, to choose a new one.

Asking always gets the same answer, whether or not the email has an account.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired

from adapters.account_links import RESET_PASSWORD
from adapters.accounts import InvalidAccount
from adapters.password_policy import MIN_PASSWORD, password_problem
from web.accounts.account_mail import send_password_changed, send_reset
from web.accounts.auth import plain_text
from web.services import platform

bp = Blueprint("password_reset", __name__, url_prefix="/password")


class ForgotForm(FlaskForm):
    email = StringField(
        "Email address", validators=[InputRequired("Enter your email address"), plain_text]
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[InputRequired("Choose a password")])
    confirm = PasswordField("New password again", validators=[
        InputRequired("Type the new password again"),
        EqualTo("password", "The two passwords are not the same"),
    ])


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        account = platform().accounts.by_email(form.email.data)
        if account is not None:
            send_reset(account)
        return render_template("account/reset_sent.html", email=form.email.data.strip())
    status = 422 if form.errors else 200
    return render_template("account/forgot.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    links = platform().links
    account_id = links.peek(token, RESET_PASSWORD)
    if account_id is None:
        return render_template("account/link_expired.html", what="password reset"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            # The policy first: a refused password must not use the link up.
            _check_policy(account_id, form.password.data)
            if links.redeem(token, RESET_PASSWORD) != account_id:
                return render_template("account/link_expired.html",
                                       what="password reset"), 410
            platform().change_password(account_id, form.password.data)
        except InvalidAccount as problem:
            form.password.errors = [*form.password.errors, problem.message]
        else:
            # Only the mailbox's owner could open the link: that confirms the email too.
            platform().accounts.mark_email_verified(account_id)
            send_password_changed(platform().accounts.get(account_id))
            flash("Your password is changed and every session was logged out. "
                  "Log in with the new password.", "success")
            return redirect(url_for("auth.login"), 303)
    status = 422 if form.errors else 200
    return render_template("account/reset.html", form=form, token=token,
                           min_password=MIN_PASSWORD), status


def _check_policy(account_id, password: str) -> None:
    account = platform().accounts.get(account_id)
    problem = password_problem(password, email=account.email if account else "")
    if problem:
        raise InvalidAccount(problem, field="password")
