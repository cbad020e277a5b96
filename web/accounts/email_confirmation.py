"""Confirming an email: the link mailed at registration, and sending it again.

A citizen's first pledge waits for this; accounts made by an administrator, the command line or
the demo count as confirmed.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from adapters.account_links import CONFIRM_EMAIL
from web.accounts.account_mail import send_confirmation
from web.accounts.auth import safe_next
from web.services import platform

bp = Blueprint("email_confirmation", __name__, url_prefix="/confirm-email")


@bp.route("/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows a button; POST confirms. A mail scanner that opens links confirms nothing."""
    links = platform().links
    if links.peek(token, CONFIRM_EMAIL) is None:
        return render_template("account/link_expired.html", what="confirmation"), 410
    if request.method == "GET":
        return render_template("account/confirm.html", token=token)
    account_id = links.redeem(token, CONFIRM_EMAIL)
    if account_id is None:
        return render_template("account/link_expired.html", what="confirmation"), 410
    platform().accounts.mark_email_verified(account_id)
    flash("Thank you: your email is confirmed, and you can pledge.", "success")
    if current_user.is_authenticated and current_user.account_id == account_id:
        return redirect(url_for("public.projects"), 303)
    return redirect(url_for("auth.login"), 303)


@bp.post("/resend")
@login_required
def resend():
    if current_user.email_verified:
        flash("Your email is already confirmed.", "info")
    else:
        send_confirmation(current_user.record)
        flash(f"We have sent a new confirmation link to {current_user.email}. "
              "It is valid for two days; earlier links no longer work.", "success")
    return redirect(safe_next(request.form.get("next")) or url_for("public.projects"), 303)
