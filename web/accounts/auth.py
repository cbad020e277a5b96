"""Registering, logging in and logging out.

Neither form tells whether an email has an account: registration always answers "check your
email" (the mail says what happened), and logging in with an unknown email takes as long and
reads the same as a wrong password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, ValidationError

from adapters.accounts import EmailTaken, InvalidAccount, account_problems
from adapters.password_policy import MIN_PASSWORD
from web.accounts.account_mail import send_already_registered, send_confirmation
from web.crowdfunding.public import has_control_characters
from web.services import command, platform
from web.users import current_session_id, start_session

bp = Blueprint("auth", __name__)

REGISTERED_EMAIL = "registered_email"


def plain_text(form, field) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError(_l("Use letters, digits and punctuation only"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"),
                       validators=[InputRequired(_l("Enter your name")), plain_text])
    email = StringField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), plain_text],
    )
    # Length and commonness are the password policy's (adapters/password_policy.py).
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Choose a password"))])
    next = HiddenField()


class LoginForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        validators=[InputRequired(_l("Enter your email address")), plain_text],
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password"))])
    next = HiddenField()


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: never send someone to another host."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 32 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _add_error(field, message: str) -> None:
    if message not in field.errors:
        field.errors = [*field.errors, message]


def _with_next(form: FlaskForm) -> FlaskForm:
    if not form.next.data:
        form.next.data = safe_next(request.args.get("next")) or ""
    return form


def _every_problem(form: RegisterForm) -> bool:
    """Check the form and the account rules together, so every problem shows at once."""
    valid = form.validate()
    problems = account_problems(form.email.data or "", form.name.data or "",
                                form.password.data or "")
    for name, message in problems.items():
        field = getattr(form, name)
        if not field.errors:
            _add_error(field, message)
    return valid and not problems


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = _with_next(RegisterForm())
    if request.method == "POST" and _every_problem(form):
        try:
            account_id = command(
                lambda: platform().register(
                    email=form.email.data, name=form.name.data, password=form.password.data,
                    role="citizen",
                )
            )
        except EmailTaken:
            # The same answer as for a new account; the mail tells the owner what happened.
            owner = platform().accounts.by_email(form.email.data)
            if owner is not None:
                send_already_registered(owner)
        except InvalidAccount as error:
            for name, message in error.problems.items():
                _add_error(getattr(form, name, form.email), message)
            return render_template("auth/register.html", form=form, min_password=MIN_PASSWORD), 422
        else:
            send_confirmation(platform().accounts.get(account_id))
        session[REGISTERED_EMAIL] = form.email.data.strip()
        return redirect(url_for("auth.check_email", next=safe_next(form.next.data)), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form, min_password=MIN_PASSWORD), status


@bp.get("/register/check-email")
def check_email():
    return render_template(
        "auth/check_email.html", email=session.get(REGISTERED_EMAIL),
        next=safe_next(request.args.get("next")),
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = _with_next(LoginForm())
    status = 200
    if form.validate_on_submit():
        record = platform().accounts.authenticate(form.email.data, form.password.data)
        if record is not None:
            start_session(record)
            flash(gettext("Welcome back, %(name)s.", name=record.name), "success")
            return redirect(safe_next(form.next.data) or url_for("public.home"), 303)
        _add_error(form.password, gettext("That email and password do not match an account"))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.get("/logout")
def logout_page():
    """A page with the logout button: logging out is a POST with a CSRF token, so no link on
    another site can log anyone out."""
    return render_template("auth/logout.html")


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        platform().sessions.end(current_session_id())
        logout_user()
        session.clear()
        flash(gettext("You are logged out."), "info")
    return redirect(url_for("public.home"), 303)
