"""Registering, logging in and logging out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, ValidationError

from adapters.accounts import MIN_PASSWORD, InvalidAccount
from web.public import has_control_characters
from web.services import command, platform
from web.users import User

bp = Blueprint("auth", __name__)


def plain_text(form, field) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError("Use letters, digits and punctuation only")


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[InputRequired("Enter your name"), plain_text])
    email = StringField(
        "Email address", validators=[InputRequired("Enter your email address"), plain_text]
    )
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Choose a password"),
            Length(
                min=MIN_PASSWORD,
                message=f"Choose a password of at least {MIN_PASSWORD} characters",
            ),
        ],
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    email = StringField(
        "Email address", validators=[InputRequired("Enter your email address"), plain_text]
    )
    password = PasswordField("Password", validators=[InputRequired("Enter your password")])
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
    field.errors = [*field.errors, message]


def _with_next(form: FlaskForm) -> FlaskForm:
    if not form.next.data:
        form.next.data = safe_next(request.args.get("next")) or ""
    return form


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = _with_next(RegisterForm())
    if form.validate_on_submit():
        try:
            account_id = command(
                lambda: platform().register(
                    email=form.email.data, name=form.name.data, password=form.password.data,
                    role="citizen",
                )
            )
        except InvalidAccount as error:
            _add_error(getattr(form, error.field or "email", form.email), error.message)
        else:
            login_user(User(platform().accounts.get(account_id)))
            flash(f"Welcome to civicfund, {current_user.name}. Your account is ready.", "success")
            return redirect(safe_next(form.next.data) or url_for("public.projects"), 303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = _with_next(LoginForm())
    status = 200
    if form.validate_on_submit():
        record = platform().accounts.authenticate(form.email.data, form.password.data)
        if record is not None:
            login_user(User(record))
            flash(f"Welcome back, {record.name}.", "success")
            return redirect(safe_next(form.next.data) or url_for("public.home"), 303)
        _add_error(form.password, "That email and password do not match an account")
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("public.home"), 303)
